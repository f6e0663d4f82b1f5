/**
 * Issue 17 for POP3 and LMTP: a login logs exactly one "login" line (the auth module's, naming
 * the session), the login penalty comes before the check there too, and a client that leaves
 * mid-AUTH is counted as a failed attempt.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionContext } from '../../src/auth/index.js';
import { startTestLmtp, type TestLmtp } from '../lmtp/harness.js';
import { startPop3Server, type Pop3TestServer } from '../pop3/harness.js';
import { LineClient, until } from './login-wire.js';

type LogLine = Record<string, unknown>;
const logged: LogLine[] = [];
const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line) as LogLine) });
const plain = (user: string, password: string) => Buffer.from(`\0${user}\0${password}`).toString('base64');
const from = (service: string, remoteAddress: string): ConnectionContext => ({ service, tls: false, unixSocket: false, remoteAddress });

describe('POP3', () => {
  let server: Pop3TestServer;
  beforeAll(async () => {
    server = await startPop3Server({ users: ['fred'], logger, conf: ['auth_failure_delay: 30s', 'auth_failure_delay_max: 10m'] });
  }, 60_000);
  afterAll(() => server.close());
  const delayOf = (address: string) => server.pop3.deps.auth.failureDelay(from('pop3', address));

  async function greeted(address: string): Promise<LineClient> {
    const c = await LineClient.connect(server.port, address);
    await c.line((l) => l.startsWith('+OK'));
    return c;
  }

  it.each([
    ['USER/PASS', ['USER fred', 'PASS pass']],
    ['AUTH PLAIN', [`AUTH PLAIN ${plain('fred', 'pass')}`]],
  ])('%s logs one "login" line, with the session id', async (_, commands) => {
    logged.length = 0;
    const c = await greeted('127.0.0.1');
    for (const command of commands) expect(await c.ask(command, '')).toMatch(/^\+OK/);
    expect(await c.ask('QUIT', '')).toMatch(/^\+OK/);
    const logins = logged.filter((l) => l.msg === 'login');
    expect(logins).toHaveLength(1);
    expect(logins[0]).toMatchObject({ service: 'pop3', userid: 'fred', sid: logged.find((l) => l.msg === 'connection opened')?.sid });
    expect(JSON.stringify(logged)).not.toContain('"pass"');
    c.close();
  });

  it('holds a right PASS from a penalised address behind its penalty', async () => {
    const attacker = await greeted('127.0.0.2');
    await attacker.ask('USER fred', '+OK');
    expect(await attacker.ask('PASS wrong', '-ERR')).toBe('-ERR [AUTH] Invalid login');
    expect(delayOf('127.0.0.2')).toBe(30_000);
    await attacker.ask('USER fred', '+OK');
    attacker.send('PASS pass');
    const honest = await greeted('127.0.0.1');
    await honest.ask('USER fred', '+OK');
    expect(await honest.ask('PASS pass', '')).toMatch(/^\+OK/);
    expect(await honest.ask('QUIT', '')).toMatch(/^\+OK/);
    await expect(attacker.line(() => true, 1500)).rejects.toThrow(/timeout/);
    attacker.close();
    await until(() => delayOf('127.0.0.2') === 60_000);
  }, 30_000);

  it('a client gone mid-AUTH counts as a failure', async () => {
    const c = await greeted('127.0.0.3');
    expect(await c.ask('AUTH PLAIN', '+')).toMatch(/^\+/);
    c.close();
    await until(() => delayOf('127.0.0.3') === 30_000);
  }, 30_000);
});

describe('LMTP', () => {
  let server: TestLmtp;
  beforeAll(async () => {
    server = await startTestLmtp({ users: ['fred'], logger, conf: ['auth_failure_delay: 30s', 'auth_failure_delay_max: 10m'] });
  }, 60_000);
  afterAll(() => server.close());
  const delayOf = (address: string) => server.lmtp.deps.auth.failureDelay(from('lmtp', address));

  async function hello(address: string): Promise<LineClient> {
    const c = await LineClient.connect(server.port, address);
    await c.line((l) => l.startsWith('220'));
    await c.ask('LHLO client.test', '250 ');
    return c;
  }

  it('AUTH logs one "login" line, with the session id', async () => {
    logged.length = 0;
    const c = await hello('127.0.0.1');
    expect(await c.ask(`AUTH PLAIN ${plain('fred', 'pass')}`, '')).toMatch(/^235 /);
    await c.ask('QUIT', '221');
    const logins = logged.filter((l) => l.msg === 'login' || l.msg === 'authenticated');
    expect(logins).toHaveLength(1);
    expect(logins[0]).toMatchObject({ msg: 'login', service: 'lmtp', userid: 'fred', sid: logged.find((l) => l.msg === 'connection opened')?.sid });
    c.close();
  });

  it('a client gone mid-AUTH counts as a failure', async () => {
    const c = await hello('127.0.0.3');
    expect(await c.ask('AUTH PLAIN', '334')).toMatch(/^334/);
    expect(delayOf('127.0.0.3')).toBe(0);
    c.close();
    await until(() => delayOf('127.0.0.3') === 30_000);
  }, 30_000);
});
