/**
 * Issue 17 over IMAP: the login penalty comes BEFORE the check, right password or wrong; an
 * attempt whose client leaves (during the penalty, or mid-AUTHENTICATE) counts as a failure; a
 * flood of wrong LOGINs from one address neither delays an honest LOGIN from another (the check
 * queue serves clean addresses first) nor queues without bound (excess: NO [UNAVAILABLE] at once).
 * Attackers connect from 127.0.0.2..5, the honest client from 127.0.0.1.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionContext } from '../../src/auth/index.js';
import { startTestServer, type TestServer } from '../imap/harness.js';
import { HeldSaslauthd, LineClient, until } from './login-wire.js';

const from = (remoteAddress: string): ConnectionContext => ({ service: 'imap', tls: false, unixSocket: false, remoteAddress });
const plain = (user: string, password: string) => Buffer.from(`\0${user}\0${password}`).toString('base64');

async function greeted(port: number, address: string): Promise<LineClient> {
  const c = await LineClient.connect(port, address);
  await c.line((l) => l.startsWith('* OK'));
  return c;
}

describe('the login penalty', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: ['fred'], conf: ['auth_failure_delay: 30s', 'auth_failure_delay_max: 10m'] });
  }, 60_000);
  afterAll(() => server.close());
  const delayOf = (address: string) => server.imap.deps.auth.failureDelay(from(address));

  it('holds a right password from a penalised address; leaving during the penalty counts as a failure', async () => {
    const attacker = await greeted(server.port, '127.0.0.2');
    expect(await attacker.ask('a LOGIN fred wrong', 'a ')).toBe('a NO [AUTHENTICATIONFAILED] Authentication failed');
    expect(delayOf('127.0.0.2')).toBe(30_000);
    attacker.send('b LOGIN fred pass');
    // An honest client from another address logs in and out meanwhile, at once.
    const honest = await greeted(server.port, '127.0.0.1');
    expect(await honest.ask('h LOGIN fred pass', 'h ')).toMatch(/^h OK /);
    expect(await honest.ask('i LOGOUT', 'i ')).toMatch(/^i OK/);
    // ... and the right password from the penalised address is still unanswered.
    await expect(attacker.line((l) => l.startsWith('b '), 1500)).rejects.toThrow(/timeout/);
    expect(attacker.pending.filter((l) => l.startsWith('b '))).toEqual([]);
    // Hanging up does not escape: the attempt counts as a failure (30 s doubles to 60 s).
    attacker.close();
    await until(() => delayOf('127.0.0.2') === 60_000);
    expect(delayOf('127.0.0.1')).toBe(0);
  }, 30_000);

  it('a connection closed mid-AUTHENTICATE counts as a failure', async () => {
    const c = await greeted(server.port, '127.0.0.3');
    expect(await c.ask('a AUTHENTICATE PLAIN', '+')).toMatch(/^\+/);
    expect(delayOf('127.0.0.3')).toBe(0);
    c.close();
    await until(() => delayOf('127.0.0.3') === 30_000);
  }, 30_000);
});

describe('a flood of wrong logins', () => {
  let server: TestServer;
  let saslauthd: HeldSaslauthd;
  let dir = '';
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'penalty-saslauthd-'));
    saslauthd = await HeldSaslauthd.start(dir);
    server = await startTestServer({
      users: ['fred'],
      conf: ['sasl_pwcheck_method: saslauthd', `sasl_saslauthd_path: ${saslauthd.socketPath}`, 'auth_check_concurrency: 1', 'auth_check_per_address: 3'],
    });
  }, 60_000);
  afterAll(async () => {
    await server.close();
    await saslauthd.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an honest LOGIN from another address is checked before the attacker\'s queued ones; excess is refused at once', async () => {
    const load = () => server.imap.deps.auth.checkLoad;
    // One failure makes 127.0.0.4 a penalised address (auth_failure_delay is 0 here: no wait, only the order).
    const first = await greeted(server.port, '127.0.0.4');
    first.send('a LOGIN mallory wrong');
    await until(() => saslauthd.requests.length === 1);
    saslauthd.releaseOne();
    expect(await first.line((l) => l.startsWith('a '))).toMatch(/^a NO \[AUTHENTICATIONFAILED\]/);

    // Three wrong LOGINs from it at once: one is being checked (held), two wait.
    const flood = await Promise.all([0, 1, 2].map(() => greeted(server.port, '127.0.0.4')));
    flood.forEach((c, i) => c.send(`f${i} LOGIN mallory wrong${i}`));
    await until(() => load().running === 1 && load().waiting === 2);
    // A fourth attempt from that address is over auth_check_per_address: refused at once, while the others are held.
    const excess = await greeted(server.port, '127.0.0.4');
    expect(await excess.ask('x LOGIN mallory wrong', 'x ')).toMatch(/^x NO \[UNAVAILABLE\] /);
    expect(saslauthd.requests).toHaveLength(2);

    // The honest LOGIN arrives last and is checked next.
    const honest = await greeted(server.port, '127.0.0.1');
    honest.send('h LOGIN fred pass');
    await until(() => load().waiting === 3);
    expect(saslauthd.releaseOne()).toBe('mallory');
    await until(() => saslauthd.requests.length === 3);
    expect(saslauthd.requests.at(-1)).toBe('fred');
    saslauthd.releaseOne();
    expect(await honest.line((l) => l.startsWith('h '))).toMatch(/^h OK /);
    // The attacker's other attempts were still waiting when the honest one was answered.
    expect(saslauthd.requests).toEqual(['mallory', 'mallory', 'fred']);
    for (let i = 0; i < 2; i++) {
      await until(() => saslauthd.requests.length === 4 + i);
      saslauthd.releaseOne();
    }
    for (const [i, c] of flood.entries()) expect(await c.line((l) => l.startsWith(`f${i} `))).toMatch(/NO \[AUTHENTICATIONFAILED\]/);
    for (const c of [first, excess, honest, ...flood]) c.close();
  }, 30_000);
});
