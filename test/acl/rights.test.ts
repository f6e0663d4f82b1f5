import { describe, expect, it } from 'vitest';
import { ALL_RIGHTS, hasRights, inboxNameOf, mayAdminister, requireRights, rightsOn } from '../../src/acl/rights.js';
import { isMailError } from '../../src/common/errors.js';

const fred = { userid: 'fred', isAdmin: false, domain: null };
const admin = { userid: 'admin', isAdmin: true, domain: null };
const exFred = { userid: 'fred@example.com', isAdmin: false, domain: 'example.com' };
const exAdmin = { userid: 'admin@example.com', isAdmin: true, isDomainAdmin: true, domain: 'example.com' };
const anon = { userid: 'anonymous', isAdmin: false, isAnonymous: true, domain: null };
const grouped = { userid: 'bob', isAdmin: false, domain: null, groups: () => ['staff'] };

describe('rights', () => {
  it.each([
    ['fred', 'user.fred'],
    ['john.smith', 'user.john^smith'],
    ['fred@example.com', 'example.com!user.fred'],
  ])('inbox of %s is %s', (userid, inbox) => expect(inboxNameOf(userid)).toBe(inbox));

  it.each([
    [fred, 'user.fred', null, ALL_RIGHTS],
    [fred, 'user.fred.Sent', null, ALL_RIGHTS],
    [fred, 'user.fredrik', null, ''],
    [fred, 'user.joe', null, ''],
    [fred, 'user.joe', 'joe\tlrswipkxtecdan\tfred\tlr\t', 'lr'],
    [fred, 'shared', 'anyone\tlrs\t-fred\ts\t', 'lr'],
    [fred, 'shared', 'anyone\tlrsd\t', 'lrsted'],
    [fred, 'shared', 'anyone\tlrsd\t-fred\tt\t', 'lrsed'],
    [fred, 'shared', 'anyone\tlrsc\t-fred\tk\t', 'lrs'],
    [fred, 'shared', 'anonymous\tlrp\t', ''],
    [grouped, 'shared', 'group:staff\tlri\t-group:staff\ti\t', 'lr'],
    // Admins: l and a everywhere in reach, whatever the ACL; more only when the ACL grants it.
    [admin, 'user.joe', null, 'la'],
    [admin, 'user.joe', 'joe\tlrswipkxtecdan\t', 'la'],
    [admin, 'user.joe', 'joe\tlrswipkxtecdan\tadmin\tlrs\t', 'lrsa'],
    [admin, 'user.joe', 'anyone\tlr\t-admin\tlra\t', 'la'],
    [admin, 'user.admin.Sent', null, ALL_RIGHTS],
    [admin, 'example.com!user.joe', null, 'la'],
    [admin, 'example.com!shared', 'admin\tx\t', 'lxca'],
    [exFred, 'example.com!user.fred.x', null, ALL_RIGHTS],
    [exFred, 'user.fred', null, ''],
    [exFred, 'other.org!shared', 'anyone\tlr\t', ''],
    [exFred, 'example.com!shared', 'fred@example.com\tlr\tfred\tw\t', 'lr'],
    [exAdmin, 'example.com!user.joe', null, 'la'],
    [exAdmin, 'example.com!user.joe', 'admin@example.com\tr\t', 'lra'],
    [exAdmin, 'other.org!user.joe', null, ''],
    [exAdmin, 'other.org!user.joe', 'anyone\tlr\t', ''],
    [exAdmin, 'user.joe', null, ''],
    // Anonymous: no personal hierarchy; p on users' INBOXes; "anonymous" and "anyone" ACL entries.
    [anon, 'user.anonymous', null, 'p'],
    [anon, 'user.anonymous.x', null, ''],
    [anon, 'user.joe', null, 'p'],
    [anon, 'example.com!user.joe', null, 'p'],
    [anon, 'user.joe.Sent', null, ''],
    [anon, 'shared', 'anyone\tlrsp\tfred\tlwi\t-anonymous\ts\t', 'lrp'],
    [fred, 'shared', 'anyone\tlrsp\tfred\tlwi\t-anonymous\ts\t', 'lrswip'],
  ])('%o on %s with %j', (who, name, acl, expected) => {
    const got = rightsOn(who, { name, acl });
    expect([...got].sort().join('')).toBe([...expected].sort().join(''));
  });

  it.each([
    [admin, 'user.joe', true],
    [admin, 'example.com!user.joe', true],
    [admin, 'shared', true],
    [exAdmin, 'example.com!user.joe', true],
    [exAdmin, 'other.org!user.joe', false],
    [exAdmin, 'user.joe', false],
    [fred, 'user.fred', false],
    [{ ...anon, isAdmin: true }, 'user.joe', false],
  ])('%o may administer %s: %s', (who, name, expected) => expect(mayAdminister(who, name)).toBe(expected));

  it('admins are refused reading other users\' mail without an ACL entry, but see the mailbox', () => {
    try {
      requireRights(admin, { name: 'user.joe', acl: 'joe\tlrswipkxtecdan\t' }, 'r');
      expect.unreachable();
    } catch (e) {
      expect(isMailError(e, 'NoPerm')).toBe(true);
    }
  });

  it('hides a mailbox without lookup rights and refuses with NoPerm otherwise', () => {
    const noLookup = () => requireRights(fred, { name: 'user.joe' }, 'r');
    expect(noLookup).toThrow();
    try { noLookup(); } catch (e) { expect(isMailError(e, 'NotFound')).toBe(true); }
    try { requireRights(fred, { name: 'user.joe', acl: 'fred\tl\t' }, 'i'); } catch (e) { expect(isMailError(e, 'NoPerm')).toBe(true); }
    expect(hasRights(fred, { name: 'user.joe', acl: 'fred\tlri\t' }, 'li')).toBe(true);
  });
});
