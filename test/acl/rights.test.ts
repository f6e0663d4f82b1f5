import { describe, expect, it } from 'vitest';
import { ALL_RIGHTS, hasRights, inboxNameOf, requireRights, rightsOn } from '../../src/acl/rights.js';
import { isMailError } from '../../src/common/errors.js';

const fred = { userid: 'fred', isAdmin: false, domain: null };
const admin = { userid: 'admin', isAdmin: true, domain: null };
const exFred = { userid: 'fred@example.com', isAdmin: false, domain: 'example.com' };
const exAdmin = { userid: 'admin@example.com', isAdmin: true, isDomainAdmin: true, domain: 'example.com' };

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
    [admin, 'user.joe', null, ALL_RIGHTS],
    [exFred, 'example.com!user.fred.x', null, ALL_RIGHTS],
    [exFred, 'user.fred', null, ''],
    [exFred, 'other.org!shared', 'anyone\tlr\t', ''],
    [exAdmin, 'example.com!user.joe', null, ALL_RIGHTS],
    [exAdmin, 'other.org!user.joe', null, ''],
  ])('%o on %s with %j', (who, name, acl, expected) => {
    const got = rightsOn(who, { name, acl });
    expect([...got].sort().join('')).toBe([...expected].sort().join(''));
  });

  it('hides a mailbox without lookup rights and refuses with NoPerm otherwise', () => {
    const noLookup = () => requireRights(fred, { name: 'user.joe' }, 'r');
    expect(noLookup).toThrow();
    try { noLookup(); } catch (e) { expect(isMailError(e, 'NotFound')).toBe(true); }
    try { requireRights(fred, { name: 'user.joe', acl: 'fred\tl\t' }, 'i'); } catch (e) { expect(isMailError(e, 'NoPerm')).toBe(true); }
    expect(hasRights(fred, { name: 'user.joe', acl: 'fred\tlri\t' }, 'li')).toBe(true);
  });
});
