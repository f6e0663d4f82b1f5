// The internal mailbox-name grammar and its checks (src/names/grammar.ts, validity.ts).
import { describe, expect, it } from 'vitest';
import { isMailError } from '../../src/common/errors.js';
import {
  checkMailboxName,
  checkNameLength,
  checkNewComponent,
  domainOfName,
  inboxName,
  inboxNameOf,
  isOwnedBy,
  isUserInbox,
  isWithin,
  joinName,
  ownerOf,
  parentName,
  prefixSuccessor,
  splitName,
} from '../../src/names/index.js';

/** The MailError kind `fn` throws, or 'none'. */
function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return isMailError(err) ? err.kind : `not a MailError: ${String(err)}`;
  }
  return 'none';
}

describe('split and join', () => {
  it.each([
    ['user.fred.Sent', null, 'user.fred.Sent', ['user', 'fred', 'Sent']],
    ['example.com!user.fred', 'example.com', 'user.fred', ['user', 'fred']],
    ['shared', null, 'shared', ['shared']],
    ['example.com!', 'example.com', '', []],
    ['', null, '', []],
  ] as Array<[string, string | null, string, string[]]>)('%j', (name, domain, local, components) => {
    expect(splitName(name)).toEqual({ domain, local, components });
    expect(joinName(domain, components)).toBe(name);
    expect(domainOfName(name)).toBe(domain);
  });
});

describe('parent, owner, within', () => {
  it.each([
    ['user.fred.Sent', 'user.fred'],
    ['example.com!user.fred', 'example.com!user'],
    ['INBOX', null],
    ['example.com!news', null],
  ])('parent of %s is %s', (name, parent) => expect(parentName(name)).toBe(parent));

  it.each([
    ['user.joe^smith.Sent', 'joe.smith'],
    ['example.com!user.fred', 'fred@example.com'],
    ['shared.x', null],
    ['user', null],
    ['users.fred', null],
  ])('owner of %s is %s', (name, owner) => expect(ownerOf(name)).toBe(owner));

  it.each([
    ['user.fred', 'user.fred', true],
    ['user.fred.Sent', 'user.fred', true],
    ['user.fredx', 'user.fred', false],
    ['user.fre', 'user.fred', false],
    ['example.com!user.fred.x', 'example.com!user.fred', true],
  ])('%s within %s: %s', (name, ancestor, expected) => expect(isWithin(name, ancestor)).toBe(expected));
});

describe('INBOX names', () => {
  it.each([
    ['fred', 'user.fred'],
    ['fred@example.com', 'example.com!user.fred'],
    ['joe.smith', 'user.joe^smith'],
    ['a.b@x.org', 'x.org!user.a^b'],
  ])('inbox of %s is %s', (userid, inbox) => expect(inboxNameOf(userid)).toBe(inbox));

  it('from the parts of a userid', () => {
    expect(inboxName('joe.smith', null)).toBe('user.joe^smith');
    expect(inboxName('fred', 'example.com')).toBe('example.com!user.fred');
  });

  it.each([
    ['user.fred', true],
    ['example.com!user.fred', true],
    ['user.fred.Sent', false],
    ['user', false],
    ['shared.fred', false],
  ])('%s is a user INBOX: %s', (name, expected) => expect(isUserInbox(name)).toBe(expected));

  it.each([
    ['user.fred', 'fred', true],
    ['user.fred.Sent', 'fred', true],
    ['user.fredx', 'fred', false],
    ['example.com!user.fred.x', 'fred@example.com', true],
    ['user.fred', 'fred@example.com', false],
    ['user.joe^smith.x', 'joe.smith', true],
  ])('%s is owned by %s: %s', (name, userid, expected) => expect(isOwnedBy(name, userid)).toBe(expected));
});

describe('checkMailboxName', () => {
  const good = ['INBOX', 'user.fred', 'user.fred.Sent', 'example.com!user.fred', 'user.joe^smith.&AOk-t&AOk-', 'shared.news~x', 'x'.repeat(490)];
  const bad = [
    '', '.user', 'user.', 'user..fred', 'user/fred', '../etc', 'user.fred/../joe', 'user.fr\0ed', 'user.\x01x', 'user.\x7f',
    'bad!dom!user.x', '-x.com!user.a', 'example.com!', 'example.com!.x', 'x'.repeat(491),
    'domain', 'domain.x',
  ];
  it.each(good)('accepts %j', (name) => expect(kindOf(() => checkMailboxName(name, 490))).toBe('none'));
  it.each(bad)('refuses %j with BadName', (name) => expect(kindOf(() => checkMailboxName(name, 490))).toBe('BadName'));
  it('"domain" is reserved only at the top of the default domain', () => {
    expect(kindOf(() => checkMailboxName('shared.domain', 490))).toBe('none');
    expect(kindOf(() => checkMailboxName('localhost!domain.x', 490))).toBe('none');
  });
});

describe('the length limit: maxmailboxnamelength bytes of the internal name', () => {
  it('counts bytes, not characters', () => {
    // 245 two-byte characters are 490 bytes: at the limit; one more byte is over.
    const twoByte = 'é'.repeat(245);
    expect(kindOf(() => checkNameLength(twoByte, 490))).toBe('none');
    expect(kindOf(() => checkNameLength(`${twoByte}x`, 490))).toBe('BadName');
    expect(kindOf(() => checkMailboxName(`user.${'é'.repeat(243)}`, 490))).toBe('BadName');
  });
  it('takes the limit it is given', () => {
    expect(kindOf(() => checkMailboxName('user.fred.Sent', 14))).toBe('none');
    expect(kindOf(() => checkMailboxName('user.fred.Sent', 13))).toBe('BadName');
  });
});

describe('checkNewComponent (what a client may name)', () => {
  it.each(['Sent', 'a^b', '&AOk-t&AOk-', 'x~y', 'a b', 'a*'])('accepts %j', (c) => expect(kindOf(() => checkNewComponent(c))).toBe('none'));
  it.each(['', 'a%', 'a!b', 'a/b', 'a"b', 'a\\b', 'a\x01', 'é', '&AOk', '&Jjo!-', '&A-'])('refuses %j', (c) => {
    expect(kindOf(() => checkNewComponent(c))).toBe('BadName');
  });
});

describe('prefixSuccessor', () => {
  it.each([
    ['user.', 'user/'],
    ['a', 'b'],
    ['a\u{10ffff}', 'b'],
    ['\u{d7ff}', '\u{e000}'],
  ])('%j → %j', (prefix, next) => expect(prefixSuccessor(prefix)).toBe(next));
  it('has none past the last code point', () => expect(prefixSuccessor('\u{10ffff}')).toBeNull());
});
