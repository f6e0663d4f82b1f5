// The calculation of a holder's rights on a mailbox: ACL entries (positive, negative, groups,
// anyone, anonymous), implicit owner rights, admin additions, anonymous's p on INBOXes, domains.
import { describe, expect, it } from 'vitest';
import { calculateRights, mayAdminister, rightForFlag, Rights, type RightsHolder, type RightsPolicy } from '../../src/acl/index.js';
import { inboxNameOf } from '../../src/names/index.js';

const fred = { userid: 'fred', isAdmin: false, domain: null };
const admin = { userid: 'admin', isAdmin: true, domain: null };
const exFred = { userid: 'fred@example.com', isAdmin: false, domain: 'example.com' };
const exAdmin = { userid: 'admin@example.com', isAdmin: true, isDomainAdmin: true, domain: 'example.com' };
const anon = { userid: 'anonymous', isAdmin: false, isAnonymous: true, domain: null };
const bob = { userid: 'bob', isAdmin: false, domain: null, groups: () => ['staff', 'tech'] };

const OWNER_ACL = 'fred\tlrswipkxtecdan\t';
/** What the seed page calls "Calculating a Users' Rights". */
const SEED_ACL = 'anyone\tlrsp\tfred\tlwi\t-anonymous\ts\t';

/** Rights compared as sets of letters, whatever the order. */
const letters = (rights: string): string => [...rights].sort().join('');

describe('calculateRights', () => {
  it.each<[string, RightsHolder, string, string | null, string]>([
    // The seed page's example.
    ['seed: fred', fred, 'shared', SEED_ACL, 'lrswip'],
    ['seed: anonymous', anon, 'shared', SEED_ACL, 'lrp'],
    ['seed: bob (anyone only)', bob, 'shared', SEED_ACL, 'lrsp'],
    // Positive entries: the userid, anyone, groups; other identifiers count for nothing.
    ['no entry', fred, 'user.joe', null, ''],
    ['own entry', fred, 'user.joe', 'joe\tlrswipkxtecdan\tfred\tlr\t', 'lr'],
    ['anyone', fred, 'shared', 'anyone\tlr\t', 'lr'],
    ['anonymous entry is not fred', fred, 'shared', 'anonymous\tlrp\t', ''],
    ['groups add up', bob, 'shared', 'group:staff\tlr\tgroup:tech\twi\tgroup:other\tx\t', 'lrwi'],
    ['group name is exact', bob, 'shared', 'group:staf\tlr\t', ''],
    // Negative entries: the union of what they take away, after the union of what is granted.
    ['negative for the user', fred, 'shared', 'anyone\tlrs\t-fred\ts\t', 'lr'],
    ['negative for anyone', fred, 'shared', 'fred\tlrsw\t-anyone\tw\t', 'lrs'],
    ['negative for a group', bob, 'shared', 'group:staff\tlri\t-group:tech\ti\t', 'lr'],
    ['negatives add up', bob, 'shared', 'anyone\tlrswi\t-bob\ts\t-group:staff\tw\t', 'lri'],
    ['negative of another id', fred, 'shared', 'anyone\tlrs\t-joe\ts\t', 'lrs'],
    // The legacy macros: d is te, c is kx; what is left of a macro still shows it.
    ['d granted', fred, 'shared', 'anyone\tlrsd\t', 'lrsted'],
    ['d granted, t taken', fred, 'shared', 'anyone\tlrsd\t-fred\tt\t', 'lrsed'],
    ['c granted, k taken', fred, 'shared', 'anyone\tlrsc\t-fred\tk\t', 'lrsxc'],
    ['c taken', fred, 'shared', 'anyone\tlrskx\t-fred\tc\t', 'lrs'],
    // Unknown characters in a stored ACL are ignored.
    ['stored digits', fred, 'shared', 'anyone\tlr0\t', 'lr'],
    // The owner: implicit_owner_rights (lkxan) on top of the ACL, in its whole hierarchy.
    ['owner, no ACL', fred, 'user.fred', null, 'lkxcan'],
    ['owner, sub-folder, no ACL', fred, 'user.fred.Sent', null, 'lkxcan'],
    ['owner, full ACL', fred, 'user.fred', OWNER_ACL, 'lrswipkxtecdan'],
    ['owner, reduced ACL', fred, 'user.fred.Sent', 'fred\tlr\t', 'lrkxcan'],
    ['owner, negative takes ACL rights', fred, 'user.fred', `${OWNER_ACL}-fred\twi\t`, 'lrspkxtecdan'],
    ['owner, negative cannot take implicit', fred, 'user.fred', `${OWNER_ACL}-fred\tla\t`, 'lrswipkxtecdan'],
    ['not an owner by prefix', fred, 'user.fredrik', null, ''],
    ['owner in a domain', exFred, 'example.com!user.fred.x', null, 'lkxcan'],
    ['same local part, other domain', exFred, 'user.fred', null, ''],
    ['owner of dotted userid', { userid: 'john.smith', isAdmin: false, domain: null }, 'user.john^smith.Sent', null, 'lkxcan'],
    // Domains: the ACL counts only inside the holder's own domain.
    ['other domain', exFred, 'other.org!shared', 'anyone\tlr\t', ''],
    ['own domain, full userid', exFred, 'example.com!shared', 'fred@example.com\tlr\tfred\tw\t', 'lr'],
    // Admins: l and a everywhere in reach, whatever the ACL; more only when the ACL grants it.
    ['admin, no ACL', admin, 'user.joe', null, 'la'],
    ['admin, owner-only ACL', admin, 'user.joe', 'joe\tlrswipkxtecdan\t', 'la'],
    ['admin, ACL entry', admin, 'user.joe', 'joe\tlrswipkxtecdan\tadmin\tlrs\t', 'lrsa'],
    ['admin, negative cannot take l a', admin, 'user.joe', 'anyone\tlr\t-admin\tlra\t', 'la'],
    ['admin, own INBOX hierarchy', admin, 'user.admin.Sent', null, 'lkxcan'],
    ['admin, other domain', admin, 'example.com!user.joe', null, 'la'],
    ['admin, other domain ACL', admin, 'example.com!shared', 'admin\tx\t', 'lxca'],
    ['domain admin, its domain', exAdmin, 'example.com!user.joe', null, 'la'],
    ['domain admin, ACL entry', exAdmin, 'example.com!user.joe', 'admin@example.com\tr\t', 'lra'],
    ['domain admin, other domain', exAdmin, 'other.org!user.joe', 'anyone\tlr\t', ''],
    ['domain admin, default domain', exAdmin, 'user.joe', null, ''],
    // Anonymous: no personal hierarchy; p on users' INBOXes; "anonymous" and "anyone" entries.
    ['anonymous, user.anonymous', anon, 'user.anonymous', null, 'p'],
    ['anonymous, below user.anonymous', anon, 'user.anonymous.x', null, ''],
    ['anonymous, an INBOX', anon, 'user.joe', null, 'p'],
    ['anonymous, an INBOX in a domain', anon, 'example.com!user.joe', null, 'p'],
    ['anonymous, a folder', anon, 'user.joe.Sent', null, ''],
    ['anonymous entry', anon, 'shared', 'anonymous\tlr\t', 'lr'],
    ['anonymous by userid only', { userid: 'anonymous', isAdmin: false, domain: null }, 'shared', 'anyone\tl\tanonymous\tr\t', 'lr'],
    ['anonymous never admin', { ...anon, isAdmin: true }, 'user.joe', null, 'p'],
  ])('%s', (_case, who, name, acl, expected) => {
    const got = calculateRights(who, { name, acl }).format();
    expect(letters(got)).toBe(letters(expected));
  });

  const policy = (text: string): RightsPolicy => ({ implicitOwnerRights: Rights.parse(text) });

  it.each([
    ['lkxan', null, 'lkxcan'],
    ['', null, 'la'], // users always have l and a in their own hierarchy
    ['lrswipkxtean', null, 'lrswipkxtecdan'],
    ['lrs', 'fred\twi\t', 'lrswia'],
    ['', 'fred\tlr\t-fred\tl\t', 'lra'],
  ])('implicit_owner_rights %j with ACL %j gives the owner %j', (implicit, acl, expected) => {
    const got = calculateRights(fred, { name: 'user.fred.Sent', acl }, policy(implicit)).format();
    expect(letters(got)).toBe(letters(expected));
    // Someone else's mailbox: the policy changes nothing.
    expect(calculateRights(fred, { name: 'user.joe', acl: 'fred\tlr\t' }, policy(implicit)).format()).toBe('lr');
  });
});

describe('mayAdminister', () => {
  it.each<[RightsHolder, string, boolean]>([
    [admin, 'user.joe', true],
    [admin, 'example.com!user.joe', true],
    [admin, 'shared', true],
    [exAdmin, 'example.com!user.joe', true],
    [exAdmin, 'other.org!user.joe', false],
    [exAdmin, 'user.joe', false],
    [fred, 'user.fred', false],
    [{ ...anon, isAdmin: true }, 'user.joe', false],
  ])('%o may administer %s: %s', (who, name, expected) => expect(mayAdminister(who, name)).toBe(expected));
});

describe('rightForFlag', () => {
  it.each([
    ['\\Seen', 's'],
    ['\\SEEN', 's'],
    ['\\Deleted', 't'],
    ['\\deleted', 't'],
    ['\\Flagged', 'w'],
    ['\\Answered', 'w'],
    ['$Label', 'w'],
  ])('%s needs %s', (flag, right) => expect(rightForFlag(flag)).toBe(Rights.parse(right)));
});

// The name helpers live in src/names; the owner rule above depends on them.
describe('inboxNameOf', () => {
  it.each([
    ['fred', 'user.fred'],
    ['john.smith', 'user.john^smith'],
    ['fred@example.com', 'example.com!user.fred'],
  ])('inbox of %s is %s', (userid, inbox) => expect(inboxNameOf(userid)).toBe(inbox));
});
