/** Changing an ACL and choosing its identifiers (src/acl/edit.ts): table tests. */
import { describe, expect, it } from 'vitest';
import { MailError } from '../../src/common/errors.js';
import { aclFromPairs, aclWithChange, aclWithout, canonicalIdentifier, entryRights, initialAcl, Rights } from '../../src/acl/index.js';

const ACL = 'fred\tlrswipkxtecdan\tbob\tlr\t';

describe('aclWithChange', () => {
  it.each([
    ['replace', 'bob', 'lrs', 'fred\tlrswipkxtecdan\tbob\tlrs\t'],
    ['add', 'bob', 'sw', 'fred\tlrswipkxtecdan\tbob\tlrsw\t'],
    ['remove', 'bob', 'r', 'fred\tlrswipkxtecdan\tbob\tl\t'],
    ['remove', 'bob', 'lr', 'fred\tlrswipkxtecdan\t'],
    ['replace', 'bob', '', 'fred\tlrswipkxtecdan\t'],
    ['add', 'ann', 'l', `${ACL}ann\tl\t`],
    ['replace', '-bob', 'w', `${ACL}-bob\tw\t`],
    ['remove', 'nobody', 'l', ACL],
    ['replace', 'bob', 'lrd', 'fred\tlrswipkxtecdan\tbob\tlrted\t'],
  ] as const)('%s %s %s', (mode, id, letters, want) => {
    expect(aclWithChange(ACL, id, { mode, rights: Rights.parse(letters) })).toBe(want);
  });

  it('removes an entry and reads an entry\'s rights', () => {
    expect(aclWithout(ACL, 'bob')).toBe('fred\tlrswipkxtecdan\t');
    expect(aclWithout(ACL, 'ann')).toBe(ACL);
    expect(entryRights(ACL, 'bob').format()).toBe('lr');
    expect(entryRights(ACL, 'ann').isEmpty).toBe(true);
  });

  it('reads defaultacl pairs', () => {
    expect(aclFromPairs('anyone lrs')).toBe('anyone\tlrs\t');
    expect(aclFromPairs('  anyone  lrs group:staff lrswi  ')).toBe('anyone\tlrs\tgroup:staff\tlrswi\t');
    expect(aclFromPairs('')).toBe('');
    expect(() => aclFromPairs('anyone lrZ')).toThrow(MailError);
  });
});

describe('canonicalIdentifier', () => {
  const domains = { virtDomains: 'userid', defaultDomain: 'main.test' } as const;
  it.each([
    ['bob', null, 'bob'],
    ['bob@main.test', null, 'bob'],
    ['bob', 'example.com', 'bob@example.com'],
    ['bob@EXAMPLE.com', 'example.com', 'bob@example.com'],
    ['-bob', 'example.com', '-bob@example.com'],
    ['anyone', 'example.com', 'anyone'],
    ['Anonymous', null, 'anonymous'],
    ['group:staff', 'example.com', 'group:staff'],
  ] as const)('%s on a mailbox of %s is %s', (id, domain, want) => {
    expect(canonicalIdentifier(id, domain, domains)).toBe(want);
  });

  it('refuses a user of another domain (the seed\'s virtual domains example)', () => {
    expect(() => canonicalIdentifier('lukecage@hisdomain.com', 'herdomain.com', domains)).toThrow(/another|domain/);
    expect(() => canonicalIdentifier('bob@example.com', null, domains)).toThrow(MailError);
    expect(() => canonicalIdentifier('bob', 'example.com', { virtDomains: 'off', defaultDomain: null })).not.toThrow();
    expect(() => canonicalIdentifier('', null, domains)).toThrow(MailError);
  });
});

describe('initialAcl', () => {
  it.each([
    ['copies the nearest ancestor', 'bob\tlr\t', 'fred', 'anyone lrs', 'bob\tlr\t'],
    ['gives the owner every right at the top of user.X', null, 'fred', 'anyone lrs', 'fred\tlrswipkxtecdan\t'],
    ['takes defaultacl outside user.*', null, null, 'anyone lr group:staff lrsw', 'anyone\tlr\tgroup:staff\tlrsw\t'],
    ['falls back to Cyrus\'s "anyone lrs"', null, null, null, 'anyone\tlrs\t'],
  ])('%s', (_what, ancestor, owner, defaultAcl, expected) => {
    expect(initialAcl(ancestor, owner, defaultAcl)).toBe(expected);
  });
});
