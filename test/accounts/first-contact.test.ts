// A user's first contact against a real store: INBOX, autocreate folders, special use, subscriptions.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/index.js';
import { Accounts, specialUseOf } from '../../src/accounts/index.js';
import { ImapdConfig } from '../../src/config/index.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
afterEach(() => env.cleanup());

const AUTOCREATE = ['autocreate_quota: 0', 'autocreate_inbox_folders: Sent|Drafts|Spam|My.Notes', 'autocreate_subscribe_folders: Sent Drafts', 'xlist-sent: Sent', 'xlist-junk: Spam', 'xlist-drafts: My.Notes'].join('\n');

function setup(conf = AUTOCREATE) {
  env = makeEnv(`fsync_disabled: yes\n${conf}`);
  const store = env.open();
  return { store, accounts: new Accounts({ store, config: env.config, logger: silentLogger() }) };
}
const user = (userid: string, more: { isAdmin?: boolean; isAnonymous?: boolean } = {}) => ({ userid, isAdmin: false, isAnonymous: false, ...more });

describe('firstContact', () => {
  it('creates the INBOX and the folders with ACL, special use and subscriptions', () => {
    const { store, accounts } = setup();
    expect(accounts.firstContact(user('fred'))).toEqual({ kind: 'created', inbox: 'user.fred', folders: ['user.fred.Sent', 'user.fred.Drafts', 'user.fred.Spam', 'user.fred.My^Notes'] });
    expect(store.list('user.fred*').map((e) => [e.name, e.acl, e.specialUse])).toEqual([
      ['user.fred', 'fred\tlrswipkxtecdan\t', null],
      ['user.fred.Drafts', 'fred\tlrswipkxtecdan\t', null],
      ['user.fred.My^Notes', 'fred\tlrswipkxtecdan\t', '\\Drafts'],
      ['user.fred.Sent', 'fred\tlrswipkxtecdan\t', '\\Sent'],
      ['user.fred.Spam', 'fred\tlrswipkxtecdan\t', '\\Junk'],
    ]);
    expect(store.subscriptions('fred')).toEqual(['user.fred', 'user.fred.Drafts', 'user.fred.Sent']);
  });

  it('is idempotent: a second contact creates nothing and keeps what the user changed', () => {
    const { store, accounts } = setup();
    accounts.firstContact(user('fred'));
    store.deleteMailbox('user.fred.Spam');
    expect(accounts.firstContact(user('fred'))).toEqual({ kind: 'skipped', reason: 'exists', inbox: 'user.fred' });
    expect(store.lookup('user.fred.Spam')).toBeNull();
  });

  it('never autocreates for administrators, anonymous, or with autocreate_quota below 0', () => {
    const { store, accounts } = setup();
    expect(accounts.firstContact(user('admin', { isAdmin: true }))).toMatchObject({ kind: 'skipped', reason: 'admin' });
    expect(accounts.firstContact(user('anonymous', { isAnonymous: true }))).toMatchObject({ kind: 'skipped', reason: 'anonymous' });
    expect(store.list('*')).toEqual([]);
    env.cleanup();
    const off = setup('autocreate_quota: -1');
    expect(off.accounts.firstContact(user('fred'))).toMatchObject({ kind: 'skipped', reason: 'disabled' });
    expect(off.store.list('*')).toEqual([]);
  });

  it('makes a virtual-domain user its domain INBOX', () => {
    const { store, accounts } = setup('autocreate_quota: 0\nautocreate_inbox_folders: Sent');
    accounts.firstContact(user('a.b@example.com'));
    expect(store.list('*').map((e) => [e.name, e.acl])).toEqual([
      ['example.com!user.a^b', 'a.b@example.com\tlrswipkxtecdan\t'],
      ['example.com!user.a^b.Sent', 'a.b@example.com\tlrswipkxtecdan\t'],
    ]);
  });
});

describe('specialUseOf', () => {
  const config = ImapdConfig.fromText('specialuse_extra: \\Important');
  const cases: Array<[string, string[], string | null | RegExp]> = [
    ['user.fred.Sent', [], null],
    ['user.fred.Sent', ['\\sent', '\\SENT', '\\Archive'], '\\Sent \\Archive'],
    ['user.fred.Sent', ['\\important'], '\\Important'],
    ['user.fred.Sent', ['\\Bogus'], /Unsupported special-use attribute \\Bogus/],
    ['user.fred.Sent', ['Sent'], /Unsupported/],
    ['user.fred', ['\\Sent'], /only for personal folders/],
    ['shared.Sent', ['\\Sent'], /only for personal folders/],
  ];
  for (const [name, uses, expected] of cases) {
    it(`${name} ${uses.join(' ') || '(none)'}`, () => {
      if (!(expected instanceof RegExp)) return expect(specialUseOf(config, name, uses)).toBe(expected);
      let caught: unknown;
      try {
        specialUseOf(config, name, uses);
      } catch (err) {
        caught = err;
      }
      expect(caught).toMatchObject({ kind: 'Invalid', detail: { specialUse: true }, message: expect.stringMatching(expected) });
    });
  }

});

describe('firstContact with autocreate_sieve_script', () => {
  it('installs autocreate_sieve_script as the new user\'s active script, and never over scripts the user has', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cyrusts-autosieve-'));
    try {
      const file = join(dir, 'spam-filter.sieve');
      writeFileSync(file, 'require "fileinto";\r\nif header :contains "X-Spam-Flag" "YES" { fileinto "Spam"; }\r\n');
      const { store, accounts } = setup(`${AUTOCREATE}\nsievedir: {configdirectory}/sieve\nautocreate_sieve_script: ${file}`);
      store.sieveScripts.put('joe', 'mine', Buffer.from('keep;\r\n'));
      accounts.firstContact(user('fred'));
      accounts.firstContact(user('joe'));
      expect(store.sieveScripts.list('fred')).toEqual([{ name: 'spam-filter', active: true }]);
      expect(store.sieveScripts.active('fred')!.content.toString()).toContain('X-Spam-Flag');
      expect(store.sieveScripts.list('joe')).toEqual([{ name: 'mine', active: false }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('creates the INBOX even when autocreate_sieve_script cannot be read', () => {
    const { store, accounts } = setup(`${AUTOCREATE}\nsievedir: {configdirectory}/sieve\nautocreate_sieve_script: /nonexistent/default.script`);
    expect(accounts.firstContact(user('fred'))).toMatchObject({ kind: 'created', inbox: 'user.fred' });
    expect(store.sieveScripts.list('fred')).toEqual([]);
  });
});
