/**
 * popminpoll (RFC 2449 LOGIN-DELAY): logins to one maildrop at least popminpoll apart, remembered
 * in pop3.db across processes and restarts; poppollpadding allows a burst.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../imap/harness.js';
import { message, PopClient, startPop3Server, type Pop3TestServer } from './harness.js';

const DIST = resolve(import.meta.dirname, '..', '..', 'dist');

let server: Pop3TestServer;
let child: ChildProcess | null = null;
beforeAll(async () => {
  ensureBuilt();
  server = await startPop3Server({ users: ['fred', 'joe', 'ann'], conf: ['popminpoll: 5', 'popexpiretime: 31'], keepDir: true });
  await server.deliver('fred', [message('one')]);
}, 60_000);
afterAll(async () => {
  child?.stdin?.end();
  await server.close();
});

async function tryLogin(port: number, user = 'fred'): Promise<string> {
  const c = await PopClient.connect(port);
  await c.command(`USER ${user}`);
  const answer = await c.command('PASS pass');
  c.close();
  return answer;
}

function startChild(conf: string): Promise<number> {
  child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'pop3-child.mjs'), DIST, conf], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolvePort, reject) => {
    child!.stdout!.once('data', (d: Buffer) => resolvePort(Number(d.toString().trim())));
    child!.once('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
}

describe('popminpoll', () => {
  it('advertises LOGIN-DELAY in seconds and EXPIRE in days', async () => {
    const c = await PopClient.connect(server.port);
    const capa = await c.listing('CAPA');
    expect(capa.lines).toContain('LOGIN-DELAY 300');
    expect(capa.lines).toContain('EXPIRE 31');
    c.close();
  });

  it('refuses a second login within popminpoll, in another process and after a restart', async () => {
    // The first login happens in another server process.
    const childPort = await startChild(join(server.dir, 'imapd.conf'));
    expect(await tryLogin(childPort)).toMatch(/^\+OK Mailbox locked and ready/);
    expect(await tryLogin(server.port)).toBe('-ERR [LOGIN-DELAY] Logins must be at least 5 minutes apart');
    // A refused login does not leave the session half logged in.
    const c = await PopClient.connect(server.port);
    await c.command('USER fred');
    await c.command('PASS pass');
    expect(await c.command('STAT')).toBe('-ERR Unrecognized command');
    c.close();
    // Restart: a new server on the same directory remembers.
    await server.close();
    server = await startPop3Server({ dir: server.dir, conf: ['popminpoll: 5', 'popexpiretime: 31'] });
    expect(await tryLogin(server.port)).toMatch(/^-ERR \[LOGIN-DELAY\]/);
    // Another maildrop is not affected.
    expect(await tryLogin(server.port, 'joe')).toMatch(/^\+OK/);
  });
});

describe('poppollpadding', () => {
  let padded: Pop3TestServer;
  afterAll(async () => {
    await padded.close();
  });
  it('allows that many logins in a burst, then refuses', async () => {
    padded = await startPop3Server({ conf: ['popminpoll: 10m', 'poppollpadding: 3'] });
    for (let i = 0; i < 3; i++) expect(await tryLogin(padded.port)).toMatch(/^\+OK/);
    expect(await tryLogin(padded.port)).toBe('-ERR [LOGIN-DELAY] Logins must be at least 10 minutes apart');
  });
});
