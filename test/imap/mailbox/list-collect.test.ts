import { describe, expect, it } from 'vitest';
import { makeIdentity, type Identity } from '../../../src/auth/index.js';
import { Namespace } from '../../../src/names/index.js';
import { collectList, externalAncestors, type ListQuery } from '../../../src/imap/commands/mailbox/list-collect.js';
import { Rights } from '../../../src/acl/index.js';
import { permittedFlags } from '../../../src/imap/commands/mailbox/append.js';
import { CommandFailure } from '../../../src/imap/commands/types.js';

const alt = new Namespace({ altNamespace: true, unixHierarchySep: true, userPrefix: 'Other Users', sharedPrefix: 'Shared Folders', virtDomains: 'on', defaultDomain: null });
const fred = makeIdentity({ localPart: 'fred', domain: null });
const admin = makeIdentity({ localPart: 'admin', domain: null, isAdmin: true });
const joe = makeIdentity({ localPart: 'joe', domain: 'example.com' });

interface Case {
  name: string;
  who: Identity;
  mailboxes: string[];
  subscribed?: string[];
  patterns: string[];
  reference?: string;
  options?: Partial<Pick<ListQuery, 'extended' | 'selectSubscribed' | 'selectSpecialUse' | 'recursiveMatch' | 'returnSubscribed' | 'returnSpecialUse'>>;
  special?: Record<string, string>;
  expected: string[];
}

function run(c: Case): string[] {
  const external = (internal: string) => alt.toExternal(internal, c.who);
  const tail = (internal: string, ext: string) => (internal.includes('!') && c.who.domain === null ? ext.slice(ext.lastIndexOf('@')) : '');
  const listed = collectList({
    separator: '/',
    plans: c.patterns.map((p) => alt.listPatternToInternal(c.reference ?? '', p, c.who)),
    mailboxes: c.mailboxes.flatMap((m) => {
      const ext = external(m);
      return ext === null ? [] : [{ internal: m, external: ext, tail: tail(m, ext), specialUse: c.special?.[m] ?? null }];
    }),
    subscriptions: (c.subscribed ?? []).flatMap((m) => {
      const ext = external(m);
      return ext === null ? [] : [{ internal: m, external: ext, tail: tail(m, ext) }];
    }),
    extended: false,
    selectSubscribed: false,
    selectSpecialUse: false,
    recursiveMatch: false,
    returnSubscribed: (c.subscribed ?? []).length > 0,
    returnSpecialUse: true,
    ...c.options,
    groupOf: (e) => (e === 'INBOX' || e.startsWith('INBOX/') ? 0 : e.startsWith('Other Users') ? 2 : e.startsWith('Shared Folders') ? 3 : 1),
  });
  return listed.map((l) => `(${l.attributes.join(' ')}) ${l.external}${l.childInfo.length ? ` [${l.childInfo.join(' ')}]` : ''}`);
}

const FRED = ['user.fred', 'user.fred.A', 'user.fred.A.B.C', 'user.fred.INBOX.x', 'user.joe.Pub', 'shared.news'];

const CASES: Case[] = [
  { name: '* lists existing names only', who: fred, mailboxes: FRED, patterns: ['*'], expected: [
    '(\\HasChildren) INBOX', '(\\HasNoChildren) INBOX/x', '(\\HasChildren) A', '(\\HasNoChildren) A/B/C', '(\\HasNoChildren) Other Users/joe/Pub', '(\\HasNoChildren) Shared Folders/shared/news'] },
  { name: '% adds \\Noselect parents', who: fred, mailboxes: FRED, patterns: ['%'], expected: [
    '(\\HasChildren) INBOX', '(\\HasChildren) A', '(\\Noselect \\HasChildren) Other Users', '(\\Noselect \\HasChildren) Shared Folders'] },
  { name: 'extended % says \\NonExistent', who: fred, mailboxes: FRED, patterns: ['A/%'], options: { extended: true }, expected: ['(\\NonExistent \\HasChildren) A/B'] },
  { name: 'reference and pattern combine', who: fred, mailboxes: FRED, reference: 'A/', patterns: ['%/C'], expected: ['(\\HasNoChildren) A/B/C'] },
  { name: 'several patterns, each name once', who: fred, mailboxes: FRED, patterns: ['A', 'A*', 'inbox'], expected: ['(\\HasChildren) INBOX', '(\\HasChildren) A', '(\\HasNoChildren) A/B/C'] },
  { name: 'subscribed selection includes names that do not exist', who: fred, mailboxes: FRED, subscribed: ['user.fred.A.B.C', 'user.fred.Gone'], patterns: ['*'],
    options: { extended: true, selectSubscribed: true }, expected: ['(\\Subscribed \\HasNoChildren) A/B/C', '(\\NonExistent \\Subscribed \\HasNoChildren) Gone'] },
  { name: 'RECURSIVEMATCH gives CHILDINFO to parents "%" stops at', who: fred, mailboxes: FRED, subscribed: ['user.fred.A.B.C'], patterns: ['%'],
    options: { extended: true, selectSubscribed: true, recursiveMatch: true }, expected: ['(\\HasChildren) A [SUBSCRIBED]'] },
  { name: 'RECURSIVEMATCH with several patterns: no CHILDINFO for a child listed itself (RFC 5258 3.5)', who: fred, mailboxes: FRED,
    subscribed: ['user.fred.A', 'user.fred.A.B.C'], patterns: ['%', 'A/*'],
    options: { extended: true, selectSubscribed: true, recursiveMatch: true, returnSubscribed: true }, expected: ['(\\Subscribed \\HasChildren) A', '(\\Subscribed \\HasNoChildren) A/B/C'] },
  { name: 'RECURSIVEMATCH with several patterns: an unlisted parent of listed children is left out', who: fred, mailboxes: FRED,
    subscribed: ['user.fred.A.B.C'], patterns: ['%', 'A/B/%'],
    options: { extended: true, selectSubscribed: true, recursiveMatch: true }, expected: ['(\\Subscribed \\HasNoChildren) A/B/C'] },
  { name: 'without RECURSIVEMATCH no parent', who: fred, mailboxes: FRED, subscribed: ['user.fred.A.B.C'], patterns: ['%'],
    options: { extended: true, selectSubscribed: true }, expected: [] },
  { name: 'special-use selection', who: fred, mailboxes: FRED, special: { 'user.fred.A.B.C': '\\Sent \\Archive' }, patterns: ['*'],
    options: { extended: true, selectSpecialUse: true }, expected: ['(\\HasNoChildren \\Sent \\Archive) A/B/C'] },
  { name: 'virtual domain user sees only its domain, unqualified', who: joe, mailboxes: ['example.com!user.joe', 'example.com!user.joe.S', 'user.fred', 'other.org!user.x'], patterns: ['*'],
    expected: ['(\\HasNoChildren) INBOX', '(\\HasNoChildren) S'] },
  { name: 'global admin names another domain with @domain', who: admin, mailboxes: ['user.admin', 'example.com!user.joe', 'example.com!user.joe.S'], patterns: ['user/*@example.com'],
    expected: ['(\\HasChildren) user/joe@example.com', '(\\HasNoChildren) user/joe/S@example.com'] },
  { name: 'global admin % across a domain keeps @domain on parents', who: admin, mailboxes: ['example.com!user.joe.S'], patterns: ['%@example.com'],
    expected: ['(\\Noselect \\HasChildren) user@example.com'] },
];

describe('collectList', () => {
  for (const c of CASES) it(c.name, () => expect(run(c)).toEqual(c.expected));
});

describe('externalAncestors', () => {
  it.each([
    ['a/b/c', '', ['a', 'a/b']],
    ['a', '', []],
    ['user/joe/S@example.com', '@example.com', ['user@example.com', 'user/joe@example.com']],
  ] as const)('%s', (name, tail, expected) => expect(externalAncestors(name, tail, '/')).toEqual(expected));
});

describe('permittedFlags', () => {
  it.each([
    [['\\Seen', '\\Flagged', '\\Deleted', '$Label'], 'lrswipkxtecdan', ['\\Seen', '\\Flagged', '\\Deleted', '$Label']],
    [['\\Seen', '\\Flagged', '\\Deleted', '$Label'], 'li', []],
    [['\\Seen', '\\Flagged', '\\Deleted'], 'lis', ['\\Seen']],
    [['\\Deleted', '\\Answered'], 'lit', ['\\Deleted']],
    [['\\Draft', 'custom'], 'liw', ['\\Draft', 'custom']],
  ] as const)('%j with %s', (flags, rights, expected) => expect(permittedFlags(flags, Rights.parse(rights))).toEqual(expected));

  it('refuses \\Recent with BAD', () => {
    expect(() => permittedFlags(['\\recent'], Rights.ALL)).toThrow(CommandFailure);
  });
});
