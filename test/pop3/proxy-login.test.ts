/**
 * POP3 on a Murder frontend: a user whose INBOX the mirror puts on a backend is logged in there
 * (AUTH PLAIN as the proxy user, the user as authorization id) and the connection is relayed byte
 * for byte; the frontend checks the password itself first; a backend that is down or refuses the
 * proxy login answers -ERR [SYS/TEMP] and leaves the session in AUTHORIZATION.
 */
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeCommonPort } from '../murder/net.js';
import { message, PopClient, runPython, startPop3Server, type Pop3TestServer } from './harness.js';

const BACKEND = '127.0.0.2';
/** Nothing listens here: a backend that is down. */
const DOWN = '127.0.0.3';
const ACL = 'fred\tlrswipkxtecdan\t';
const MESSAGES = [message('first', 'one\r\n.dot line\r\n'), message('second', 'two\r\n')];

let backend: Pop3TestServer;
let frontend: Pop3TestServer;
/** Same mirror, but a proxy password the backend does not take. */
let badFrontend: Pop3TestServer;
/** A frontend with serverlist and autocreate: a new user's first login makes the INBOX on the backend. */
let newFrontend: Pop3TestServer;
const backendLog: Array<Record<string, unknown>> = [];
const frontendLog: Array<Record<string, unknown>> = [];

function frontendConf(port: number, password: string): string[] {
  return ['servername: front.test', 'mupdate_server: mupdate.test', `murder_pop3_port: ${port}`, `proxy_password: ${password}`];
}

beforeAll(async () => {
  const port = await freeCommonPort([BACKEND, DOWN]);
  backend = await startPop3Server({
    users: ['fred', 'proxy', 'newbie'],
    listenHost: BACKEND,
    listenPort: port,
    conf: [`servername: ${BACKEND}`, 'proxyservers: proxy', 'autocreate_quota: 0'],
    logger: pino({ level: 'info' }, { write: (line: string) => void backendLog.push(JSON.parse(line) as Record<string, unknown>) }),
  });
  await backend.deliver('fred', MESSAGES);
  frontend = await startPop3Server({
    users: ['fred', 'carol'],
    conf: [...frontendConf(port, 'pass'), 'popsubfolders: yes'],
    logger: pino({ level: 'info' }, { write: (line: string) => void frontendLog.push(JSON.parse(line) as Record<string, unknown>) }),
  });
  badFrontend = await startPop3Server({ users: ['fred'], conf: frontendConf(port, 'wrong') });
  newFrontend = await startPop3Server({ users: ['newbie'], conf: [...frontendConf(port, 'pass'), `serverlist: ${BACKEND}`, 'autocreate_quota: 0'] });
  for (const front of [frontend, badFrontend]) {
    front.pop3.deps.store.putRemoteEntry({ name: 'user.fred', server: BACKEND, partition: 'default', acl: ACL });
    front.pop3.deps.store.putRemoteEntry({ name: 'user.carol', server: DOWN, partition: 'default', acl: 'carol\tlrswipkxtecdan\t' });
  }
}, 60_000);
afterAll(async () => {
  await frontend?.close();
  await badFrontend?.close();
  await newFrontend?.close();
  await backend?.close();
});

const backendConnections = () => backendLog.filter((l) => l.msg === 'connection opened').length;

describe('POP3 proxy on a Murder frontend', () => {
  it('lists and retrieves a message of the backend through the frontend (Python poplib)', async () => {
    const result = await runPython(join(import.meta.dirname, 'fixtures', 'proxy_poplib.py'), [frontend.host, String(frontend.port), 'fred', 'pass']);
    expect(result.err).toBe('');
    expect(result.status).toBe(0);
    const seen = JSON.parse(result.out);
    expect(seen.welcome).toMatch(/^\+OK front\.test /);
    expect(seen.pass).toMatch(/^\+OK Mailbox locked and ready/);
    const sizes = MESSAGES.map((m) => Buffer.byteLength(m));
    expect(seen.stat).toEqual([2, sizes[0]! + sizes[1]!]);
    expect(seen.list).toEqual(sizes.map((s, i) => `${i + 1} ${s}`));
    expect(seen.uidl).toHaveLength(2);
    expect(seen.retr.octets).toBe(sizes[0]);
    expect(seen.retr.lines.join('\r\n') + '\r\n').toBe(MESSAGES[0]);
    expect(seen.quit).toMatch(/^\+OK/);
    // The backend saw the proxy user acting for fred.
    expect(backendLog.some((l) => l.msg === 'login' && l.userid === 'fred' && l.authenticatedAs === 'proxy')).toBe(true);
  });

  it('relays byte for byte, commands pipelined after PASS included, over AUTH PLAIN too', async () => {
    const client = await PopClient.connect(frontend.port);
    client.write(`AUTH PLAIN ${Buffer.from('\0fred\0pass').toString('base64')}\r\nSTAT\r\nRETR 1\r\n`);
    expect(await client.line()).toMatch(/^\+OK Mailbox locked and ready/);
    expect(await client.line()).toMatch(/^\+OK 2 \d+$/);
    expect(await client.line()).toMatch(/^\+OK/);
    // Still dot-stuffed as the backend sent it.
    expect((await client.multiline()).toString('latin1')).toBe(MESSAGES[0]!.replace('\r\n.dot', '\r\n..dot'));
    expect(await client.command('QUIT')).toMatch(/^\+OK/);
    await client.closedByServer();
  });

  it("makes a new user's INBOX on the serverlist backend at the first login, and mirrors it", async () => {
    expect(newFrontend.pop3.deps.store.lookup('user.newbie')).toBeNull();
    const client = await PopClient.login(newFrontend.port, 'newbie');
    expect(await client.command('STAT')).toBe('+OK 0 0');
    expect(await client.command('QUIT')).toMatch(/^\+OK/);
    expect(backend.pop3.deps.store.lookup('user.newbie')?.type).toEqual([]);
    expect(newFrontend.pop3.deps.store.lookup('user.newbie')).toMatchObject({ server: BACKEND, type: ['remote'] });
    // The frontend made no mailbox of its own.
    expect(newFrontend.pop3.deps.store.list('*').filter((e) => !e.type.includes('remote'))).toEqual([]);
  });

  it('refuses a wrong password on the frontend without touching the backend', async () => {
    const before = backendConnections();
    const client = await PopClient.connect(frontend.port);
    expect(await client.command('USER fred')).toMatch(/^\+OK/);
    expect(await client.command('PASS nope')).toBe('-ERR [AUTH] Invalid login');
    expect(await client.command('STAT')).toBe('-ERR Unrecognized command');
    client.socket.destroy();
    expect(backendConnections()).toBe(before);
  });

  it('answers -ERR [SYS/TEMP] when the backend is down, and the session stays in AUTHORIZATION', async () => {
    const client = await PopClient.connect(frontend.port);
    expect(await client.command('USER carol')).toMatch(/^\+OK/);
    expect(await client.command('PASS pass')).toMatch(/^-ERR \[SYS\/TEMP\] The server holding your mailbox is not available/);
    expect(frontendLog.some((l) => l.msg === 'backend unavailable' && l.server === DOWN && l.user === 'carol')).toBe(true);
    expect(await client.command('STAT')).toBe('-ERR Unrecognized command');
    expect(await client.command('USER fred')).toMatch(/^\+OK/);
    expect(await client.command('PASS pass')).toMatch(/^\+OK Mailbox locked and ready/);
    expect(await client.command('STAT')).toMatch(/^\+OK 2 /);
    expect(await client.command('QUIT')).toMatch(/^\+OK/);
  });

  it('refuses a popsubfolders login for a mailbox on a backend, clearly', async () => {
    const before = backendConnections();
    const client = await PopClient.connect(frontend.port);
    expect(await client.command('USER fred+Sent')).toMatch(/^\+OK/);
    expect(await client.command('PASS pass')).toBe('-ERR [SYS/PERM] Subfolder logins are not available for this mailbox');
    expect(await client.command('STAT')).toBe('-ERR Unrecognized command');
    client.socket.destroy();
    expect(backendConnections()).toBe(before);
  });

  it('answers -ERR [SYS/TEMP] when the backend refuses the proxy login', async () => {
    const client = await PopClient.connect(badFrontend.port);
    expect(await client.command('USER fred')).toMatch(/^\+OK/);
    expect(await client.command('PASS pass')).toMatch(/^-ERR \[SYS\/TEMP\] The server holding your mailbox refused the login/);
    expect(await client.command('STAT')).toBe('-ERR Unrecognized command');
    client.socket.destroy();
  });
});
