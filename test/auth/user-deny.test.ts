// cyr_deny's service lists as the login check reads them: wildmat patterns (Cyrus's), read right to
// left with "!" excepting, and the message a refused client is shown.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DENY_MESSAGE, denyMessageText, servicesDeny, wildmatMatches } from '../../src/auth/index.js';
import { UserDenyCheck } from '../../src/auth/user-deny.js';
import { silentLogger } from '../../src/common/log.js';
import { isMailError } from '../../src/common/errors.js';
import { UserDenyList } from '../../src/store/index.js';

describe('wildmat', () => {
  it.each([
    ['imap', 'imap', true],
    ['imaps', 'imap', false],
    ['imaps', 'imap*', true],
    ['imap', 'imap*', true],
    ['pop3', '*', true],
    ['', '*', true],
    ['pop3s', 'pop?', false],
    ['pop3', 'pop?', true],
    ['pop3', 'p*3', true],
    ['pop33', 'p*3', true],
    ['pop3x', 'p*3', false],
    ['sieve', 's*e*e', true],
    ['sieve', '*v*', true],
    ['pop3', 'pop[0-9]', true],
    ['popx', 'pop[0-9]', false],
    ['popx', 'pop[^0-9]', true],
    ['popx', 'pop[!0-9]', true],
    ['pop3', 'pop[!0-9]', false],
    ['a]', 'a[]]', true],
    ['a*', 'a\\*', true],
    ['ab', 'a\\*', false],
    ['a[', 'a[', true],
    ['IMAP', 'imap', false],
    ['lmtp', 'imap', false],
  ])('%j against %j: %s', (text, pattern, expected) => {
    expect(wildmatMatches(text, pattern)).toBe(expected);
  });
});

describe('a deny entry\'s service list', () => {
  it.each([
    ['*', 'imap', true],
    ['*', 'sieve', true],
    ['imap,pop3', 'pop3', true],
    ['imap,pop3', 'sieve', false],
    ['imap*', 'imaps', true],
    // Right to left, the first match decides.
    ['*,!imaps', 'imaps', false],
    ['*,!imaps', 'imap', true],
    ['!imaps,*', 'imaps', true],
    ['!pop3', 'pop3', false],
    ['!pop3', 'imap', false],
    [' imap , pop3 ', 'pop3', true],
  ])('%j denies %j: %s', (services, service, expected) => {
    expect(servicesDeny(services, service)).toBe(expected);
  });

  it('the message shown is one safe line; none means Cyrus\'s default', () => {
    expect(denyMessageText(null)).toBe(DEFAULT_DENY_MESSAGE);
    expect(denyMessageText('  ')).toBe(DEFAULT_DENY_MESSAGE);
    expect(denyMessageText('[ALERT] call us\r\n* BYE')).toBe('ALERT] call us * BYE');
    expect(denyMessageText('x'.repeat(1000))).toHaveLength(400);
  });
});

describe('the login check over user_deny.db', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function denied(check: UserDenyCheck, userid: string, service: string): string | null {
    try {
      check.check(userid, service);
      return null;
    } catch (err) {
      if (!isMailError(err, 'NoPerm')) throw err;
      expect(err.detail?.userDenied).toBe(true);
      return String(err.detail?.denyMessage);
    }
  }

  it('denies nobody without the file, and sees entries written after it first looked', () => {
    dir = mkdtempSync(join(tmpdir(), 'cyrusts-deny-'));
    const file = join(dir, 'user_deny.db');
    const check = new UserDenyCheck(file, false, silentLogger());
    expect(denied(check, 'fred', 'imap')).toBeNull();
    const list = UserDenyList.open(file, { durable: false, create: true })!;
    list.deny('fred', 'imap', 'on hold');
    expect(denied(check, 'fred', 'imap')).toBe('on hold');
    expect(denied(check, 'fred', 'pop3')).toBeNull();
    expect(denied(check, 'joe', 'imap')).toBeNull();
    list.deny('fred', '*', null);
    expect(denied(check, 'fred', 'pop3')).toBe(DEFAULT_DENY_MESSAGE);
    expect(list.allow('fred')).toBe(true);
    expect(denied(check, 'fred', 'imap')).toBeNull();
    list.close();
    check.close();
  });
});
