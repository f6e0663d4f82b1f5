/**
 * The tools take the mailbox names an administrator sees (issue 13): "user/fred", "user.fred",
 * "user/fred/Sent@example.com", with either separator, and internal names as before.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MailStore } from '../../src/store/index.js';
import { runCyrExpire } from '../../src/tools/cyr_expire.js';
import { toolNames } from '../../src/tools/mailbox-names.js';
import { runMbpath } from '../../src/tools/mbpath.js';
import { runReconstruct } from '../../src/tools/reconstruct.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

for (const separator of ['/', '.'] as const) {
  describe(`tool mailbox names (unixhierarchysep ${separator === '/' ? 'on' : 'off'})`, () => {
    let env: TestEnv;
    let store: MailStore;
    beforeEach(() => {
      env = makeEnv(`virtdomains: userid\ndefaultdomain: main.test\nunixhierarchysep: ${separator === '/' ? 'yes' : 'no'}\nfsync_disabled: yes\nexpunge_mode: delayed`);
      store = env.open();
      for (const name of ['user.fred', 'user.fred.Sent', 'user.fred.a^b', 'example.com!user.fred', 'example.com!user.fred.Sent', 'shared']) store.createMailbox(name);
    });
    afterEach(() => env.cleanup());

    it('resolves the names admins see, with either separator, and internal names', () => {
      const names = toolNames(env.config, store);
      const cases: Array<[string, string]> = [
        ['user/fred', 'user.fred'], ['user.fred', 'user.fred'], ['user/fred/Sent', 'user.fred.Sent'], ['user.fred.Sent', 'user.fred.Sent'],
        ['user/fred@example.com', 'example.com!user.fred'], ['user.fred.Sent@example.com', 'example.com!user.fred.Sent'],
        ['user/fred/Sent@main.test', 'user.fred.Sent'], ['example.com!user.fred', 'example.com!user.fred'], ['shared', 'shared'],
      ];
      if (separator === '/') cases.push(['user/fred/a.b', 'user.fred.a^b']);
      for (const [given, internal] of cases) expect(names.resolve(given), given).toBe(internal);
    });

    it('mbpath and reconstruct accept them', () => {
      let out = '';
      let err = '';
      const status = runMbpath(['user/fred', 'user.fred.Sent@example.com', 'user/nobody'], { config: env.configFile }, (t) => (out += t), (t) => (err += t));
      expect(status).toBe(1);
      expect(out.trim().split('\n')).toEqual([store.directoryOf('user.fred', 'default'), store.directoryOf('example.com!user.fred.Sent', 'default')]);
      expect(err).toContain('user/nobody');
      out = '';
      expect(runReconstruct(['user/fred@example.com'], { config: env.configFile, recursive: true }, (t) => (out += t), (t) => (err += t))).toBe(0);
      expect(out).toBe('example.com!user.fred: ok\nexample.com!user.fred.Sent: ok\n');
    });

    it('cyr_expire -p and -u limit the expunge pass to a mailbox tree or a user', async () => {
      for (const name of ['user.fred.Sent', 'shared']) {
        const box = store.openMailbox(name);
        await box.append([{ content: message('x'), flags: ['\\Deleted'] }]);
        box.expunge();
        box.close();
      }
      let out = '';
      const status = runCyrExpire({ config: env.configFile, expunge: 0, verbose: true, prefix: `user${separator}fred` }, (t) => (out += t), () => undefined);
      expect(status).toBe(0);
      expect(out).toContain('user.fred.Sent: removed 1 expunged message file(s)');
      expect(out).not.toContain('shared:');
      out = '';
      runCyrExpire({ config: env.configFile, expunge: 0, verbose: true, user: 'fred' }, (t) => (out += t), () => undefined);
      expect(out).not.toContain('shared:');
    });
  });
}
