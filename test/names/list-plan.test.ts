import { describe, expect, it } from 'vitest';
import { makeIdentity, type Identity } from '../../src/auth/index.js';
import { Namespace, type ListPlan } from '../../src/names/index.js';

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

/** Sources as "pattern" (every mailbox) or "acl:pattern@domain" (by the identity's ACL identifiers). */
const sourcesOf = (plan: ListPlan) => plan.sources.map((s) => (s.byAcl ? `acl:${s.pattern}@${s.byAcl.domain ?? ''}` : s.pattern));

describe('LIST plan sources', () => {
  const ns = (alt: boolean, unix: boolean, domains: 'off' | 'userid' = 'userid') => new Namespace({
    altNamespace: alt, unixHierarchySep: unix, userPrefix: 'Other Users', sharedPrefix: 'Shared Folders', virtDomains: domains, defaultDomain: 'default.org',
  });
  const WHO = { fred, luke, boss, admin };
  const OWN = ['user.fred', 'user.fred.*'];
  const LUKE = ['example.net!user.luke', 'example.net!user.luke.*'];
  const ADMIN = ['user.admin', 'user.admin.*'];
  it.each([
    // alt, unix, virtdomains, who, pattern, sources
    [true, true, 'userid', 'fred', '*', [...OWN, 'acl:*@']],
    [true, true, 'userid', 'fred', '%', [...OWN, 'acl:*@']],
    [true, true, 'userid', 'fred', 'INBOX', OWN],
    [true, true, 'userid', 'fred', 'INBOX*', OWN],
    [true, true, 'userid', 'fred', 'Sent', OWN],
    [true, true, 'userid', 'fred', 'Other Users/%', [...OWN, 'acl:user.*@']],
    [true, true, 'userid', 'fred', 'Other Users/*', [...OWN, 'acl:user.*@']],
    [true, true, 'userid', 'fred', 'Other Users/joe/*', ['acl:user.joe.*@']],
    [true, true, 'userid', 'fred', 'Shared Folders/*', [...OWN, 'acl:*@']],
    [true, true, 'userid', 'fred', 'Shared Folders/news/%', ['acl:news.*@']],
    [true, false, 'userid', 'fred', 'Other Users.%', [...OWN, 'acl:user.*@']],
    [true, false, 'off', 'fred', 'INBOX.%', ['user.fred.*']],
    [false, true, 'userid', 'fred', '*', [...OWN, 'acl:*@']],
    [false, true, 'userid', 'fred', '%', [...OWN, 'acl:*@']],
    [false, true, 'userid', 'fred', 'INBOX', OWN],
    [false, true, 'userid', 'fred', 'INBOX*', [...OWN, 'acl:*@']],
    [false, true, 'userid', 'fred', 'INBOX/%', ['user.fred.*']],
    [false, true, 'userid', 'fred', 'Sent', [...OWN, 'acl:*@']],
    [false, true, 'userid', 'fred', 'user/%', [...OWN, 'acl:user.*@']],
    [false, true, 'userid', 'fred', 'user/fred/*', ['user.fred.*']],
    [false, true, 'userid', 'fred', 'user/joe/*', ['acl:user.joe.*@']],
    [false, false, 'off', 'fred', 'user.%', [...OWN, 'acl:user.*@']],
    [false, false, 'userid', 'luke', '*', [...LUKE, 'acl:example.net!*@example.net']],
    [true, true, 'userid', 'luke', 'Other Users/%', [...LUKE, 'acl:example.net!user.*@example.net']],
    [false, true, 'userid', 'luke', '*@other.org', []],
    [false, true, 'userid', 'boss', '*', ['example.net!user.boss', 'example.net!user.boss.*', 'example.net!*']],
    [false, true, 'off', 'admin', '*', [...ADMIN, '*']],
    [false, true, 'off', 'admin', '%', [...ADMIN, '%']],
    [false, true, 'off', 'admin', 'user/%/Sent', [...ADMIN, 'user.%.Sent']],
    [false, true, 'off', 'admin', 'a.b/%', ['a^b.%']],
    [false, false, 'off', 'admin', 'a.b.%', ['a.b.%']],
    [true, true, 'off', 'admin', '%', [...ADMIN, '%']],
    [false, true, 'userid', 'admin', '%', [...ADMIN, '*']],
    [false, true, 'userid', 'admin', '*@example.com', ['example.com!*']],
    [false, true, 'userid', 'admin', 'user/%@example.com', ['example.com!user.%']],
    [false, true, 'userid', 'admin', 'INBOX', [...ADMIN, 'INBOX']],
  ] as Array<[boolean, boolean, 'off' | 'userid', keyof typeof WHO, string, string[]]>)('alt=%s unix=%s virtdomains=%s as %s: %j', (alt, unix, domains, who, pattern, expected) => {
    expect(sourcesOf(ns(alt, unix, domains).listPatternToInternal('', pattern, WHO[who]))).toEqual(expected);
  });

  it('an anonymous user has no personal part', () => {
    const anonymous = makeIdentity({ localPart: 'anonymous', domain: null, isAnonymous: true });
    expect(sourcesOf(ns(true, true).listPatternToInternal('', '*', anonymous))).toEqual(['acl:*@']);
  });
});


describe('hostile LIST patterns through a plan (issue 17: these hung the worker)', () => {
  // A backtracking matcher takes exponential time on these (the run never ends); the automaton
  // answers at once.
  const deep = `user.fred.${'a'.repeat(30)}.b`;
  it.each([
    ['%'.repeat(30), null],
    [`INBOX/${'%'.repeat(30)}`, null],
    [`${'*a'.repeat(30)}b`, null],
    [`${'*a'.repeat(30)}*b`, `INBOX/${'a'.repeat(30)}/b`],
    [`${'%'.repeat(10_000)}/${'*'.repeat(10_000)}`, `INBOX/${'a'.repeat(30)}/b`],
  ] as Array<[string, string | null]>)('%j', (pattern, expected) => {
    const plan = space(false).listPatternToInternal('', pattern, fred);
    expect(plan.match(deep)).toBe(expected);
    expect(plan.matchingAncestors(deep).length).toBeLessThanOrEqual(2);
  });
});
