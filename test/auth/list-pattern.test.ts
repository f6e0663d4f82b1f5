import { describe, expect, it } from 'vitest';
import { Namespace } from '../../src/auth/namespace.js';
import { makeIdentity, type Identity } from '../../src/auth/identity.js';
import { listPatternRegExp } from '../../src/auth/list-pattern.js';

const fred = makeIdentity({ localPart: 'fred', domain: null });
const admin = makeIdentity({ localPart: 'admin', domain: null, isAdmin: true });
const luke = makeIdentity({ localPart: 'luke', domain: 'example.net' });
const boss = makeIdentity({ localPart: 'boss', domain: 'example.net', isAdmin: true, isDomainAdmin: true });

const MAILBOXES = [
  'user.fred', 'user.fred.Sent', 'user.fred.Sent.2024', 'user.fred.INBOX.kid', 'user.joe', 'user.joe.Drafts',
  'news', 'news.local', 'example.net!user.luke', 'example.net!user.luke.Sent', 'example.net!news',
  'other.org!user.x',
];

function list(space: Namespace, ref: string, pattern: string, who: Identity): string[] {
  const plan = space.listPatternToInternal(ref, pattern, who);
  return MAILBOXES.filter((m) => plan.internalPrefixes.some((p) => m.startsWith(p)))
    .map((m) => plan.match(m))
    .filter((x): x is string => x !== null)
    .sort();
}

const space = (alt: boolean, unix = true) => new Namespace({
  altNamespace: alt, unixHierarchySep: unix, userPrefix: 'Other Users', sharedPrefix: 'Shared Folders',
  virtDomains: 'userid', defaultDomain: 'default.org',
});

describe('LIST patterns', () => {
  it.each([
    ['*', '.*'], ['%', '[^/]*'], ['a.b', 'a\\.b'], ['x(y)+', 'x\\(y\\)\\+'],
  ])('%s → /%s/', (pattern, source) => {
    expect(listPatternRegExp(pattern, '/').source).toBe(`^${source}$`);
  });

  it.each([
    [false, '', '*', fred, ['INBOX', 'INBOX/INBOX/kid', 'INBOX/Sent', 'INBOX/Sent/2024', 'news', 'news/local', 'user/joe', 'user/joe/Drafts']],
    [false, '', '%', fred, ['INBOX', 'news']],
    [false, '', 'INBOX/%', fred, ['INBOX/Sent']],
    [false, 'INBOX/', '%', fred, ['INBOX/Sent']],
    [false, 'INBOX/', '/%', fred, ['INBOX/Sent']],
    [false, '', 'inbox', fred, ['INBOX']],
    [false, '', 'user/%', fred, ['user/joe']],
    [true, '', '*', fred, ['INBOX', 'INBOX/kid', 'Other Users/joe', 'Other Users/joe/Drafts', 'Sent', 'Sent/2024', 'Shared Folders/news', 'Shared Folders/news/local']],
    [true, '', '%', fred, ['INBOX', 'Sent']],
    [true, '', 'Other Users/%', fred, ['Other Users/joe']],
    [true, '', 'Shared Folders/*', fred, ['Shared Folders/news', 'Shared Folders/news/local']],
    [false, '', '*', luke, ['INBOX', 'INBOX/Sent', 'news']],
    [true, '', '*', luke, ['INBOX', 'Sent', 'Shared Folders/news']],
    [false, '', '*@other.org', luke, []],
    [false, '', '*', boss, ['news', 'user/luke', 'user/luke/Sent']],
    [false, '', '*@other.org', boss, []],
    [false, '', '*@example.net', admin, ['news@example.net', 'user/luke/Sent@example.net', 'user/luke@example.net']],
    [false, '', 'user/%@example.net', admin, ['user/luke@example.net']],
    [false, '', 'user/%', admin, ['user/fred', 'user/joe']],
    [false, '', '*@default.org', admin, ['news', 'news/local', 'user/fred', 'user/fred/INBOX/kid', 'user/fred/Sent', 'user/fred/Sent/2024', 'user/joe', 'user/joe/Drafts']],
    [true, '', '*', admin, [
      'news', 'news/local', 'news@example.net', 'user/fred', 'user/fred/INBOX/kid', 'user/fred/Sent', 'user/fred/Sent/2024',
      'user/joe', 'user/joe/Drafts', 'user/luke/Sent@example.net', 'user/luke@example.net', 'user/x@other.org',
    ]],
  ] as Array<[boolean, string, string, Identity, string[]]>)('alt=%s LIST %j %j as %o', (alt, ref, pattern, who, expected) => {
    expect(list(space(alt), ref, pattern, who)).toEqual([...expected].sort());
  });

  it('scans only the prefixes that can match', () => {
    expect(space(false).listPatternToInternal('', 'INBOX/Sent/%', fred).internalPrefixes).toEqual(['user.fred.Sent.']);
    expect(space(true).listPatternToInternal('', 'Other Users/joe/*', fred).internalPrefixes).toEqual(['user.joe.']);
    expect(space(true).listPatternToInternal('', 'Other Users/%', fred).internalPrefixes).toEqual(['user.']);
    expect(space(false).listPatternToInternal('', '*', luke).internalPrefixes).toEqual(['example.net!']);
    expect(space(false).listPatternToInternal('', 'user/%@example.net', admin).internalPrefixes).toEqual(['example.net!user.']);
  });

  it('reports matching parents for %', () => {
    const plan = space(false).listPatternToInternal('', '%', admin);
    expect(plan.matchingAncestors('user.fred.Sent')).toEqual(['user']);
    expect(plan.matchingAncestors('example.net!user.luke')).toEqual(['user@example.net']);
    const alt = space(true).listPatternToInternal('', '%', fred);
    expect(alt.matchingAncestors('user.joe.Drafts')).toEqual(['Other Users']);
    expect(alt.matchingAncestors('user.fred.Sent.2024')).toEqual(['Sent']);
  });
});
