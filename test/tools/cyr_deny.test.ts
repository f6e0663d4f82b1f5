// cyr_deny (Cyrus's cyr_deny(8)): the tool's list in user_deny.db, and a real master whose IMAP, POP3
// and ManageSieve services refuse a denied user's login with the admin's message, for the services
// the list names by their cyrus.conf names, while other services, other users and admins go on; -a
// lets the user in again.
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCyrDeny, type CyrDenyOptions } from '../../src/tools/cyr_deny.js';
import { RawClient } from '../imap/harness.js';
import { CLI, LineClient, type TempServer } from '../master/helpers.js';
import { PopClient } from '../pop3/harness.js';
import { SieveClient } from '../sieve/harness.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';
import { startDenyMaster, type DenyMaster } from './deny-harness.js';

function run(configFile: string, user: string | undefined, opts: Partial<CyrDenyOptions>): { status: number; out: string; err: string } {
  let out = '';
  let err = '';
  const status = runCyrDeny(user, { config: configFile, ...opts }, (t) => (out += t), (t) => (err += t));
  return { status, out, err };
}

describe('cyr_deny, the tool', () => {
  let env: TestEnv;
  afterEach(() => env.cleanup());

  it('denies, lists and allows; userids are canonical', () => {
    env = makeEnv('fsync_disabled: yes');
    expect(run(env.configFile, undefined, { list: true })).toEqual({ status: 0, out: 'Username                       Service(s)           Message\n', err: '' });
    expect(run(env.configFile, 'Fred', { services: 'imap,pop3', message: 'Account on hold' }).status).toBe(0);
    expect(run(env.configFile, 'joe', {}).status).toBe(0);
    const listed = run(env.configFile, undefined, { list: true }).out.split('\n');
    expect(listed[1]).toMatch(/^fred +imap,pop3 +Account on hold$/);
    expect(listed[2]).toMatch(/^joe +\* +Access to this service has been blocked$/);
    expect(run(env.configFile, 'fred', { allow: true })).toEqual({ status: 0, out: '', err: '' });
    expect(run(env.configFile, 'fred', { allow: true }).err).toContain('fred was not denied any service');
    expect(run(env.configFile, undefined, { list: true }).out).not.toContain('fred');
  });

  it('refuses what Cyrus\'s does not take', () => {
    env = makeEnv('fsync_disabled: yes');
    expect(run(env.configFile, undefined, {}).status).toBe(64);
    expect(run(env.configFile, 'fred', { list: true }).status).toBe(64);
    expect(run(env.configFile, 'fred', { allow: true, services: 'imap' }).status).toBe(64);
    expect(run(env.configFile, 'fred', { message: 'two\nlines' }).status).toBe(64);
    expect(run(env.configFile, 'fred', { services: '' }).status).toBe(64);
    // Allowing or listing without a deny list makes none.
    expect(run(env.configFile, 'fred', { allow: true }).status).toBe(0);
  });
});

describe('a denied user at login, over the wire', () => {
  let deny: DenyMaster;
  let server: TempServer;
  let ports: Record<string, number>;

  beforeAll(async () => {
    deny = await startDenyMaster(['imap', 'imapalt', 'pop3', 'sieve', 'lmtp']);
    ({ server, ports } = deny);
  }, 60_000);
  afterAll(() => deny?.stop());

  /** cyr_deny as an admin runs it: the built command line against the server's imapd.conf. */
  function cyrDeny(...args: string[]): string {
    const result = spawnSync(process.execPath, [CLI, 'cyr_deny', '-C', server.imapdConf, ...args], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return result.stdout;
  }

  async function imapLogin(service: string, user: string, how: 'LOGIN' | 'PLAIN' = 'LOGIN'): Promise<string> {
    const c = await RawClient.connect(ports[service]!);
    try {
      const command = how === 'LOGIN' ? `LOGIN ${user} pass` : `AUTHENTICATE PLAIN ${Buffer.from(`\0${user}\0pass`).toString('base64')}`;
      return (await c.command('a', command)).at(-1)!;
    } finally {
      c.close();
    }
  }

  async function popLogin(user: string): Promise<string> {
    const c = await PopClient.connect(ports.pop3!);
    try {
      expect(await c.command(`USER ${user}`)).toMatch(/^\+OK/);
      return await c.command('PASS pass');
    } finally {
      c.socket.destroy();
    }
  }

  async function sieveLogin(user: string): Promise<string> {
    const c = await SieveClient.connect({ host: '127.0.0.1', port: ports.sieve! });
    try {
      return (await c.login(user)).status;
    } finally {
      c.socket.destroy();
    }
  }

  /** Deliver one message to `user` over LMTP; the reply to its DATA. */
  async function lmtpDeliver(user: string): Promise<string> {
    const c = await LineClient.connect(`127.0.0.1:${ports.lmtp}`);
    try {
      const replies = async (n: number): Promise<string> => {
        for (;;) {
          const done = c.received.filter((l) => /^\d{3} /.test(l));
          if (done.length >= n) return done[n - 1]!;
          await c.line(new RegExp(`^\\d{3} `), 10_000);
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      await replies(1);
      c.send(`LHLO test\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<${user}>\r\nDATA\r\n`);
      expect(await replies(5)).toMatch(/^354/);
      c.send('Subject: while denied\r\n\r\nbody\r\n.\r\n');
      return await replies(6);
    } finally {
      c.close();
    }
  }

  it('refuses the services the list names, with the admin\'s message; the rest, other users and admins go on; -a lets in again', async () => {
    // Sessions that logged in before the entry was written are ended: cyr_deny-sessions.test.ts.
    cyrDeny('-s', '*,!imapalt', '-m', 'Your account is on hold: call the help desk', 'fred');
    expect(cyrDeny('-l')).toMatch(/^fred +\*,!imapalt +Your account is on hold: call the help desk$/m);

    expect(await imapLogin('imap', 'fred')).toBe('a NO [AUTHORIZATIONFAILED] Your account is on hold: call the help desk');
    expect(await imapLogin('imap', 'fred', 'PLAIN')).toBe('a NO [AUTHORIZATIONFAILED] Your account is on hold: call the help desk');
    expect(await popLogin('fred')).toBe('-ERR [SYS/TEMP] Your account is on hold: call the help desk');
    expect(await sieveLogin('fred')).toBe('NO "Your account is on hold: call the help desk"');
    // The service the wildmat excepts, another user, an admin acting as fred.
    expect(await imapLogin('imapalt', 'fred')).toMatch(/^a OK/);
    expect(await imapLogin('imap', 'joe')).toMatch(/^a OK/);
    expect(await popLogin('joe')).toMatch(/^\+OK/);
    expect(await sieveLogin('joe')).toMatch(/^OK/);
    const proxy = await RawClient.connect(ports.imap!);
    expect((await proxy.command('p', `AUTHENTICATE PLAIN ${Buffer.from('fred\0admin\0pass').toString('base64')}`)).at(-1)).toMatch(/^p OK/);
    proxy.close();
    // Delivery is no login: a denied user's mail still arrives.
    expect(await lmtpDeliver('fred')).toMatch(/^250 /);

    // Only pop3, with the default message.
    cyrDeny('-s', 'pop3', 'fred');
    expect(await popLogin('fred')).toBe('-ERR [SYS/TEMP] Access to this service has been blocked');
    expect(await imapLogin('imap', 'fred')).toMatch(/^a OK/);

    cyrDeny('-a', 'fred');
    expect(await popLogin('fred')).toMatch(/^\+OK/);
    const after = await RawClient.connect(ports.imap!);
    expect((await after.command('a', 'LOGIN fred pass')).at(-1)).toMatch(/^a OK/);
    expect((await after.command('b', 'SELECT INBOX')).at(-1)).toMatch(/^b OK/);
    expect(await after.command('c', 'SEARCH SUBJECT "while denied"')).toContain('* SEARCH 1');
    after.close();
    expect(await sieveLogin('fred')).toMatch(/^OK/);
  }, 60_000);
});
