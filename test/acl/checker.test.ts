// RightsChecker: requireRights's errors (NotFound hides a mailbox, NoPerm otherwise), the cache per
// (identity, mailbox, ACL text), and implicit_owner_rights read from the configuration.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RIGHTS_POLICY, Rights, RightsChecker, type RightsHolder } from '../../src/acl/index.js';
import { isMailError } from '../../src/common/errors.js';

/** The MailError kind `fn` throws, or 'none'. */
function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return isMailError(err) ? err.kind : `not a MailError: ${String(err)}`;
  }
  return 'none';
}

const fred = { userid: 'fred', isAdmin: false, domain: null };
const admin = { userid: 'admin', isAdmin: true, domain: null };

/** A holder that counts how often its rights are worked out (the calculation asks for its groups once). */
function countingHolder(): { holder: RightsHolder; calculations: () => number } {
  let count = 0;
  const holder = { userid: 'bob', isAdmin: false, domain: null, groups: () => (count++, ['staff']) };
  return { holder, calculations: () => count };
}

const settings = (values: Record<string, string>) => ({ string: (name: string) => values[name] ?? null });

describe('requireRights', () => {
  const checker = new RightsChecker(DEFAULT_RIGHTS_POLICY);

  it.each<[string, RightsHolder, string, string | null, string, string]>([
    ['admin reading another user\'s mail', admin, 'user.joe', 'joe\tlrswipkxtecdan\t', 'r', 'NoPerm'],
    ['admin looking it up', admin, 'user.joe', 'joe\tlrswipkxtecdan\t', 'l', 'none'],
    ['no rights at all: hidden', fred, 'user.joe', null, 'r', 'NotFound'],
    ['lookup only, insert wanted', fred, 'user.joe', 'fred\tl\t', 'i', 'NoPerm'],
    ['read without lookup, insert wanted', fred, 'user.joe', 'fred\tr\t', 'i', 'NoPerm'],
    ['post only: hidden', fred, 'user.joe', 'fred\tp\t', 'i', 'NotFound'],
    ['every right needed held', fred, 'user.joe', 'fred\tlrte\t', 'rte', 'none'],
    ['one of several missing', fred, 'user.joe', 'fred\tlrt\t', 'rte', 'NoPerm'],
    ['owner without an ACL entry reads nothing', fred, 'user.fred.Sent', null, 'r', 'NoPerm'],
    ['owner creates', fred, 'user.fred.Sent', null, 'k', 'none'],
    ['nothing needed', fred, 'user.joe', null, '', 'none'],
  ])('%s', (_case, who, name, acl, needed, expected) => {
    expect(kindOf(() => checker.requireRights(who, { name, acl }, needed))).toBe(expected);
    expect(checker.hasRights(who, { name, acl }, needed)).toBe(expected === 'none');
  });

  it('names the missing rights and returns the rights held', () => {
    expect(() => checker.requireRights(fred, { name: 'user.joe', acl: 'fred\tlr\t' }, 'rte')).toThrow(/missing rights ted on user\.joe/);
    expect(checker.requireRights(fred, { name: 'user.joe', acl: 'fred\tlri\t' }, Rights.parse('i'))).toBe(Rights.parse('lri'));
  });
});

describe('the cache', () => {
  it('works a mailbox out once per identity and ACL text', () => {
    const checker = new RightsChecker(DEFAULT_RIGHTS_POLICY);
    const { holder, calculations } = countingHolder();
    const shared = { name: 'shared', acl: 'group:staff\tlrs\t' };
    expect(checker.rightsOn(holder, shared).format()).toBe('lrs');
    checker.requireRights(holder, shared, 'r');
    checker.hasRights(holder, { ...shared }, 's');
    expect(calculations()).toBe(1);
    // A changed ACL is a different text: worked out again, never the stale answer.
    expect(checker.rightsOn(holder, { name: 'shared', acl: 'group:staff\tl\t' }).format()).toBe('l');
    expect(calculations()).toBe(2);
    expect(checker.rightsOn(holder, { name: 'other', acl: 'group:staff\tlrs\t' }).format()).toBe('lrs');
    expect(calculations()).toBe(3);
  });

  it('keeps identities apart', () => {
    const checker = new RightsChecker(DEFAULT_RIGHTS_POLICY);
    const acl = 'fred\tlrs\t';
    expect(checker.rightsOn(fred, { name: 'shared', acl }).format()).toBe('lrs');
    expect(checker.rightsOn({ ...fred, userid: 'joe' }, { name: 'shared', acl }).format()).toBe('');
    expect(checker.rightsOn(admin, { name: 'shared', acl }).format()).toBe('la');
  });

  it('forgets the oldest mailboxes of an identity past its size', () => {
    const checker = new RightsChecker(DEFAULT_RIGHTS_POLICY);
    const { holder, calculations } = countingHolder();
    for (let i = 0; i < 1000; i++) checker.rightsOn(holder, { name: `shared.${i}`, acl: 'anyone\tl\t' });
    expect(calculations()).toBe(1000);
    checker.rightsOn(holder, { name: 'shared.999', acl: 'anyone\tl\t' });
    expect(calculations()).toBe(1000);
    checker.rightsOn(holder, { name: 'shared.0', acl: 'anyone\tl\t' });
    expect(calculations()).toBe(1001);
  });
});

describe('RightsChecker.fromConfig', () => {
  it.each([
    [{}, 'lkxcan'],
    [{ implicit_owner_rights: 'lrswipkxtecdan' }, 'lrswipkxtecdan'],
    [{ implicit_owner_rights: 'lrs' }, 'lrsa'],
    [{ implicit_owner_rights: '' }, 'la'],
  ])('%j gives the owner %s on a folder without ACL', (values, expected) => {
    const checker = RightsChecker.fromConfig(settings(values));
    const got = checker.rightsOn(fred, { name: 'user.fred.Sent', acl: '' }).format();
    expect([...got].sort().join('')).toBe([...expected].sort().join(''));
  });

  it('refuses an unknown letter with Invalid', () => {
    expect(kindOf(() => RightsChecker.fromConfig(settings({ implicit_owner_rights: 'lkq' })))).toBe('Invalid');
  });
});
