import { describe, expect, it } from 'vitest';
import { makeIdentity, type Identity } from '../../src/auth/index.js';
import { Namespace, type NamespaceSettings } from '../../src/names/index.js';
import { isMailError } from '../../src/common/errors.js';
import { ImapdConfig } from '../../src/config/index.js';

const fred = makeIdentity({ localPart: 'fred', domain: null });
const admin = makeIdentity({ localPart: 'admin', domain: null, isAdmin: true });
const fredEx = makeIdentity({ localPart: 'fred', domain: 'example.com' });
const domainAdmin = makeIdentity({ localPart: 'boss', domain: 'example.com', isAdmin: true, isDomainAdmin: true });
const anonymous = makeIdentity({ localPart: 'anonymous', domain: null, isAnonymous: true });

function ns(alt: boolean, unix: boolean, virt: NamespaceSettings['virtDomains'] = 'off'): Namespace {
  return new Namespace({
    altNamespace: alt,
    unixHierarchySep: unix,
    userPrefix: 'Other Users',
    sharedPrefix: 'Shared Folders',
    virtDomains: virt,
    defaultDomain: virt === 'off' ? null : 'default.org',
  });
}

/** "|" in a template stands for the separator of the namespace under test. */
const withSep = (template: string, sep: string) => template.replaceAll('|', sep);

function expectBadName(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(isMailError(err, 'BadName')).toBe(true);
    return;
  }
  throw new Error('expected BadName');
}

type Row = [who: Identity, external: string, internal: string];

// The same mapping for both separators; [alt, rows].
const BOTH_SEPARATORS: Array<[boolean, Row[]]> = [
  [false, [
    [fred, 'INBOX', 'user.fred'],
    [fred, 'INBOX|Sent', 'user.fred.Sent'],
    [fred, 'INBOX|Sent|2024', 'user.fred.Sent.2024'],
    [fred, 'user|joe', 'user.joe'],
    [fred, 'user|joe|Drafts', 'user.joe.Drafts'],
    [fred, 'shared|news', 'shared.news'],
    [fred, 'Other Users', 'Other Users'],
    [admin, 'user|fred', 'user.fred'],
    [admin, 'user|fred|Sent', 'user.fred.Sent'],
    [admin, 'INBOX', 'user.admin'],
    [admin, 'news', 'news'],
    [anonymous, 'user|fred', 'user.fred'],
    [anonymous, 'news', 'news'],
  ]],
  [true, [
    [fred, 'INBOX', 'user.fred'],
    [fred, 'Sent', 'user.fred.Sent'],
    [fred, 'Sent|2024', 'user.fred.Sent.2024'],
    [fred, 'INBOX|kid', 'user.fred.INBOX.kid'],
    [fred, 'user|joe', 'user.fred.user.joe'],
    [fred, 'Other Users|joe', 'user.joe'],
    [fred, 'Other Users|joe|Drafts', 'user.joe.Drafts'],
    [fred, 'Shared Folders|news', 'news'],
    [fred, 'Shared Folders|shared|x', 'shared.x'],
    // admins always get the standard namespace
    [admin, 'user|fred', 'user.fred'],
    [admin, 'news', 'news'],
    [admin, 'INBOX|Sent', 'user.admin.Sent'],
    [anonymous, 'Other Users|fred', 'user.fred'],
    [anonymous, 'Shared Folders|news', 'news'],
  ]],
];

describe('Namespace: names without virtual domains', () => {
  for (const unix of [false, true]) {
    for (const [alt, rows] of BOTH_SEPARATORS) {
      const space = ns(alt, unix);
      const sep = unix ? '/' : '.';
      it.each(rows.map(([who, ext, int]) => [who.userid, withSep(ext, sep), int, who] as const))(
        `alt=${alt} unix=${unix}: %s sees %s as %s`,
        (_name, ext, int, who) => {
          expect(space.toInternal(ext, who)).toBe(int);
          expect(space.toExternal(int, who)).toBe(ext);
        },
      );
    }
  }

  it('INBOX is case-insensitive but shown as INBOX', () => {
    expect(ns(false, true).toInternal('inbox/Sent', fred)).toBe('user.fred.Sent');
    expect(ns(true, true).toInternal('Inbox', fred)).toBe('user.fred');
  });

  it('own mailboxes under user. are the INBOX', () => {
    expect(ns(false, true).toInternal('user/fred/Sent', fred)).toBe('user.fred.Sent');
    expect(ns(false, true).toExternal('user.fred.Sent', fred)).toBe('INBOX/Sent');
    expect(ns(true, true).toInternal('Other Users/fred/zz', fred)).toBe('user.fred.zz');
    expect(ns(true, true).toExternal('user.fred.zz', fred)).toBe('zz');
  });

  it('dots inside names with unixhierarchysep become ^ internally', () => {
    const space = ns(false, true);
    expect(space.toInternal('INBOX/a.b', fred)).toBe('user.fred.a^b');
    expect(space.toInternal('user/joe.smith/x.y', fred)).toBe('user.joe^smith.x^y');
    expect(space.toExternal('user.joe^smith.x^y', fred)).toBe('user/joe.smith/x.y');
    const dotted = makeIdentity({ localPart: 'john.smith', domain: null });
    expect(space.inboxOf(dotted)).toBe('user.john^smith');
    expect(space.toExternal('user.john^smith.Sent', dotted)).toBe('INBOX/Sent');
    expect(ns(true, true).toExternal('user.john^smith.a^b', dotted)).toBe('a.b');
  });

  it('with "." as separator a dot splits and "/" is refused', () => {
    const space = ns(false, false);
    expect(space.toInternal('INBOX.a.b', fred)).toBe('user.fred.a.b');
    expectBadName(() => space.toInternal('INBOX.a/b', fred));
  });

  it.each([
    ['', false], ['INBOX/', false], ['/x', false], ['a//b', false], ['x^y', false], ['a*b', true], ['a%b', false],
    ['a!b', false], ['a"b', false], ['a\tb', false], ['caf\u00e9', false], ['&ZeVnLIqe-', true], ['&-', true],
    ['&ZeVnLIqe', false], ['&Ze-', false], ['user', true], ['Shared Folders', false], ['Other Users', false],
    ['INBOX/INBOX', false], ['x'.repeat(491), false],
  ])('policy in the alternate namespace: %j valid=%s', (name, valid) => {
    const call = () => ns(true, true).toInternal(name, fred);
    if (valid) expect(call()).toMatch(/^user\.fred\./);
    else expectBadName(call);
  });

  it('invisible internal names map to null', () => {
    expect(ns(true, true).toExternal('user.fred.INBOX', fred)).toBeNull();
    expect(ns(false, true).toExternal('user', fred)).toBeNull();
    expect(ns(false, true).toExternal('DELETED.user.fred.x.5F0000', fred)).toBeNull();
    expect(ns(false, true).toExternal('DELETED.user.fred.x.5F0000', admin)).toBe('DELETED/user/fred/x/5F0000');
  });

  it('anonymous has no INBOX and no personal folders', () => {
    expect(ns(false, true).inboxOf(anonymous)).toBeNull();
    expectBadName(() => ns(false, true).toInternal('INBOX', anonymous));
    expectBadName(() => ns(true, true).toInternal('Sent', anonymous));
    expect(ns(false, true).toExternal('user.anonymous', anonymous)).toBe('user/anonymous');
  });
});

describe('Namespace: NAMESPACE data as Cyrus shows it', () => {
  it.each([
    [false, false, fred, '(("INBOX." ".")) (("user." ".")) (("" "."))'],
    [false, true, fred, '(("INBOX/" "/")) (("user/" "/")) (("" "/"))'],
    [true, true, fred, '(("" "/")) (("Other Users/" "/")) (("Shared Folders/" "/"))'],
    [true, false, fred, '(("" ".")) (("Other Users." ".")) (("Shared Folders." "."))'],
    [true, true, admin, '(("INBOX/" "/")) (("user/" "/")) (("" "/"))'],
  ])('alt=%s unix=%s', (alt, unix, who, text) => {
    const data = ns(alt, unix).namespaces(who);
    const show = (list: Array<{ prefix: string; separator: string }>) =>
      list.length === 0 ? 'NIL' : `(${list.map((e) => `("${e.prefix}" "${e.separator}")`).join('')})`;
    expect(`${show(data.personal)} ${show(data.otherUsers)} ${show(data.shared)}`).toBe(text);
  });

  it('no personal namespace without an INBOX (the Cyrus admin case)', () => {
    expect(ns(true, true).namespaces(admin, { inboxExists: false }).personal).toEqual([]);
  });

  it('reads the options from imapd.conf', () => {
    const config = ImapdConfig.fromText('configdirectory: /tmp/x\naltnamespace: no\nunixhierarchysep: no\n');
    const space = Namespace.fromConfig(config);
    expect(space.separator).toBe('.');
    expect(space.toInternal('INBOX.Sent', fred)).toBe('user.fred.Sent');
    const defaults = Namespace.fromConfig(ImapdConfig.fromText('configdirectory: /tmp/x\n'));
    expect(defaults.separator).toBe('/');
    expect(defaults.toInternal('Sent', fred)).toBe('user.fred.Sent');
  });
});

describe('Namespace: the length limit is maxmailboxnamelength bytes of the internal name', () => {
  it('490 by default, counted on the internal name ("user.fred." is 10 bytes)', () => {
    // Two components: one alone may not pass 255 bytes (a directory name on the partition).
    expect(ns(true, true).toInternal(`${'x'.repeat(240)}/${'x'.repeat(239)}`, fred)).toHaveLength(490);
    expectBadName(() => ns(true, true).toInternal(`${'x'.repeat(240)}/${'x'.repeat(240)}`, fred));
    expectBadName(() => ns(true, true).toInternal('x'.repeat(256), fred));
    expect(ns(true, true).toInternal('x'.repeat(255), fred)).toHaveLength(265);
  });

  it('the domain part counts', () => {
    const space = ns(false, true, 'userid');
    expect(space.toInternal(`INBOX/${'x'.repeat(234)}/${'x'.repeat(233)}`, fredEx)).toHaveLength(490);
    expectBadName(() => space.toInternal(`INBOX/${'x'.repeat(234)}/${'x'.repeat(234)}`, fredEx));
  });

  it('takes the limit from imapd.conf', () => {
    const config = ImapdConfig.fromText('configdirectory: /tmp/x\nmaxmailboxnamelength: 32\n');
    const space = Namespace.fromConfig(config);
    expect(space.toInternal('x'.repeat(22), fred)).toBe(`user.fred.${'x'.repeat(22)}`);
    expectBadName(() => space.toInternal('x'.repeat(23), fred));
  });
});
