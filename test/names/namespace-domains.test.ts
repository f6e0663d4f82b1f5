import { describe, expect, it } from 'vitest';
import { makeIdentity, type Identity } from '../../src/auth/index.js';
import { Namespace } from '../../src/names/index.js';
import { isMailError } from '../../src/common/errors.js';

// virtdomains: userid, defaultdomain default.org; the seed page's cases.
const fred = makeIdentity({ localPart: 'fred', domain: null });
const globalAdmin = makeIdentity({ localPart: 'admin', domain: null, isAdmin: true });
const luke = makeIdentity({ localPart: 'lukecage', domain: 'example.net' });
const domainAdmin = makeIdentity({ localPart: 'lukecage.admin', domain: 'example.net', isAdmin: true, isDomainAdmin: true });

function ns(alt: boolean, unix: boolean): Namespace {
  return new Namespace({
    altNamespace: alt, unixHierarchySep: unix, userPrefix: 'Other Users', sharedPrefix: 'Shared Folders',
    virtDomains: 'userid', defaultDomain: 'default.org',
  });
}

function expectBadName(fn: () => unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(isMailError(caught, 'BadName')).toBe(true);
}

type Row = [who: Identity, external: string, internal: string];
const ROWS: Array<[alt: boolean, rows: Row[]]> = [
  [false, [
    [luke, 'INBOX', 'example.net!user.lukecage'],
    [luke, 'INBOX|Sent', 'example.net!user.lukecage.Sent'],
    [luke, 'user|mercedes', 'example.net!user.mercedes'],
    [luke, 'news', 'example.net!news'],
    [fred, 'user|joe', 'user.joe'],
    [globalAdmin, 'user|lukecage@example.net', 'example.net!user.lukecage'],
    [globalAdmin, 'user|lukecage|Sent@example.net', 'example.net!user.lukecage.Sent'],
    [globalAdmin, 'news@example.net', 'example.net!news'],
    [globalAdmin, 'user|fred', 'user.fred'],
    [domainAdmin, 'user|lukecage', 'example.net!user.lukecage'],
    [domainAdmin, 'news', 'example.net!news'],
  ]],
  [true, [
    [luke, 'INBOX', 'example.net!user.lukecage'],
    [luke, 'Sent', 'example.net!user.lukecage.Sent'],
    [luke, 'Other Users|mercedes', 'example.net!user.mercedes'],
    [luke, 'Shared Folders|news', 'example.net!news'],
    [globalAdmin, 'user|lukecage@example.net', 'example.net!user.lukecage'],
    [domainAdmin, 'user|lukecage', 'example.net!user.lukecage'],
  ]],
];

describe('Namespace with virtual domains', () => {
  for (const unix of [false, true]) {
    for (const [alt, rows] of ROWS) {
      const space = ns(alt, unix);
      const sep = unix ? '/' : '.';
      it.each(rows.map(([who, ext, int]) => [who.userid, ext.replaceAll('|', sep), int, who] as const))(
        `alt=${alt} unix=${unix}: %s sees %s as %s`,
        (_n, ext, int, who) => {
          expect(space.toInternal(ext, who)).toBe(int);
          expect(space.toExternal(int, who)).toBe(ext);
        },
      );
    }
  }

  it('a user may qualify names with its own domain; the default domain is the unqualified one', () => {
    const space = ns(false, true);
    expect(space.toInternal('user/mercedes@example.net', luke)).toBe('example.net!user.mercedes');
    expect(space.toInternal('user/joe@default.org', fred)).toBe('user.joe');
    expect(space.toInternal('user/joe@DEFAULT.ORG', globalAdmin)).toBe('user.joe');
  });

  it('domains are mutually exclusive for users and domain admins', () => {
    for (const space of [ns(false, true), ns(true, true), ns(false, false)]) {
      expectBadName(() => space.toInternal('user/x@other.org', luke));
      expectBadName(() => space.toInternal('user/x@other.org', domainAdmin));
      expectBadName(() => space.toInternal('user/x@example.net', fred));
      expect(space.toExternal('other.org!user.x', luke)).toBeNull();
      expect(space.toExternal('other.org!user.x', domainAdmin)).toBeNull();
      expect(space.toExternal('user.joe', luke)).toBeNull();
      expect(space.toExternal('user.joe', domainAdmin)).toBeNull();
      expect(space.toExternal('example.net!user.lukecage', fred)).toBeNull();
    }
  });

  it('a global admin reaches every domain and the INBOX of another domain is not its own', () => {
    const space = ns(false, true);
    expect(space.toInternal('user/x@other.org', globalAdmin)).toBe('other.org!user.x');
    expectBadName(() => space.toInternal('INBOX@other.org', globalAdmin));
  });

  it('inboxOf is domain-qualified', () => {
    const space = ns(true, true);
    expect(space.inboxOf(luke)).toBe('example.net!user.lukecage');
    expect(space.inboxOf(domainAdmin)).toBe('example.net!user.lukecage^admin');
    expect(space.inboxOf(fred)).toBe('user.fred');
  });
});
