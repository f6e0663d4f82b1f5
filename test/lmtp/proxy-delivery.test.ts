/**
 * LMTP on a Murder frontend (Cyrus's lmtpproxyd): recipients whose mailboxes the mirror puts on
 * backends are sent there, one connection per backend in a transaction (AUTH as the proxy user),
 * each RCPT answered with the backend's reply, the message given to every backend at DATA and the
 * per-recipient replies put back in RCPT order with the local recipients' own. A backend that is
 * down or fails answers 451 4.4.x for its recipients only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeCommonPort } from '../murder/net.js';
import { LmtpClient, message, startTestLmtp, storedMessages, type TestLmtp } from './harness.js';

const A = '127.0.0.2';
const B = '127.0.0.3';
/** Nothing listens on this one: a backend that is down. */
const DOWN = '127.0.0.4';
const NO_LIMITS = { STORAGE: null, MESSAGE: null, MAILBOX: null };

let backendA: TestLmtp;
let backendB: TestLmtp;
let frontend: TestLmtp;

function backendConf(server: string): string[] {
  return [`servername: ${server}`, 'proxyservers: proxy'];
}

beforeAll(async () => {
  const port = await freeCommonPort([A, B, DOWN]);
  backendA = await startTestLmtp({ users: ['ann', 'full', 'proxy'], conf: backendConf(A), listenHost: A, listenPort: port });
  backendB = await startTestLmtp({ users: ['bob', 'proxy'], conf: backendConf(B), listenHost: B, listenPort: port });
  backendA.store.setQuota('user.full', { ...NO_LIMITS, MESSAGE: 0 });
  backendA.store.createMailbox('user.ann.lists', { acl: 'ann\tlrswipkxtecdan\tanyone\tp\t' });
  frontend = await startTestLmtp({
    users: ['local'],
    conf: ['servername: front.test', 'mupdate_server: mupdate.test', `murder_lmtp_port: ${port}`, 'proxy_password: pass'],
  });
  const mirror = (user: string, server: string) =>
    frontend.store.putRemoteEntry({ name: `user.${user}`, server, partition: 'default', acl: `${user}\tlrswipkxtecdan\t` });
  mirror('ann', A);
  mirror('ann.lists', A);
  mirror('full', A);
  mirror('ghost', A); // the mirror says A, but A has no such user
  mirror('bob', B);
  mirror('dave', DOWN);
}, 60_000);
afterAll(async () => {
  await frontend?.close();
  await backendA?.close();
  await backendB?.close();
});

async function startTransaction(): Promise<LmtpClient> {
  const c = await LmtpClient.connect({ path: frontend.socketPath });
  expect(await c.command('LHLO mx.test')).toMatch(/^250/);
  expect(await c.command('MAIL FROM:<sender@example.com> SIZE=200')).toMatch(/^250/);
  return c;
}

describe('LMTP proxy on a Murder frontend', () => {
  it('delivers to recipients on two backends and one local in one transaction, replies in RCPT order', async () => {
    const c = await startTransaction();
    expect(await c.command('RCPT TO:<ann@example.com>')).toMatch(/^250 2\.1\.5 /);
    expect(await c.command('RCPT TO:<ghost@example.com>')).toBe('550 5.1.1 User unknown');
    expect(await c.command('RCPT TO:<local@example.com>')).toMatch(/^250 2\.1\.5 /);
    // Over quota on the backend: answered at RCPT time, with the backend's reply.
    expect(await c.command('RCPT TO:<full@example.com>')).toBe('452 4.2.2 Over quota');
    expect(await c.command('RCPT TO:<bob@example.com>')).toMatch(/^250 2\.1\.5 /);
    expect(await c.command('DATA')).toMatch(/^354/);
    const body = message('<proxied-1@example.com>', 'first line\r\n.dot line\r\n..two dots\r\n');
    // Dot-stuffed on the way in (the client's), unstuffed, and stuffed again towards the backends.
    c.write(body.replace(/\r\n\./g, '\r\n..') + '.\r\n');
    expect(await c.replies(3)).toEqual(['250 2.1.5 Ok delivered', '250 2.1.5 Ok delivered', '250 2.1.5 Ok delivered']);
    for (const [server, mailbox] of [[backendA, 'user.ann'], [backendB, 'user.bob'], [frontend, 'user.local']] as const) {
      const stored = await storedMessages(server.store, mailbox);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toContain('\r\n\r\nfirst line\r\n.dot line\r\n..two dots\r\n');
      expect(stored[0]).toMatch(/^Return-Path: <sender@example\.com>\r\n/);
    }
    expect(await storedMessages(backendA.store, 'user.full')).toHaveLength(0);
    expect(await c.command('QUIT')).toMatch(/^221/);
  });

  it('sends a +detail recipient to the backend, which files it in the folder', async () => {
    const c = await startTransaction();
    expect(await c.command('RCPT TO:<ann+lists@example.com>')).toMatch(/^250 2\.1\.5 /);
    expect(await c.command('DATA')).toMatch(/^354/);
    c.write(message('<proxied-detail@example.com>') + '.\r\n');
    expect(await c.replies(1)).toEqual(['250 2.1.5 Ok delivered']);
    const stored = await storedMessages(backendA.store, 'user.ann.lists');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toContain('proxied-detail@example.com');
    expect(await c.command('QUIT')).toMatch(/^221/);
  });

  it('answers 451 4.4.1 at RCPT for a backend that is down, and delivers the rest', async () => {
    const c = await startTransaction();
    expect(await c.command('RCPT TO:<dave@example.com>')).toBe('451 4.4.1 Remote server unavailable, try again later');
    expect(await c.command('RCPT TO:<ann@example.com>')).toMatch(/^250/);
    expect(await c.command('DATA')).toMatch(/^354/);
    c.write(message('<proxied-2@example.com>') + '.\r\n');
    expect(await c.replies(1)).toEqual(['250 2.1.5 Ok delivered']);
    expect(await c.command('QUIT')).toMatch(/^221/);
  });

  it('answers 451 4.4.2 for the recipients of a backend that fails before DATA, and only for them', async () => {
    const c = await startTransaction();
    expect(await c.command('RCPT TO:<bob@example.com>')).toMatch(/^250/);
    expect(await c.command('RCPT TO:<ann@example.com>')).toMatch(/^250/);
    expect(await c.command('RCPT TO:<local@example.com>')).toMatch(/^250/);
    const before = (await storedMessages(backendA.store, 'user.ann')).length;
    backendB.dropTcpConnections();
    expect(await c.command('DATA')).toMatch(/^354/);
    c.write(message('<proxied-3@example.com>') + '.\r\n');
    expect(await c.replies(3)).toEqual(['451 4.4.2 Connection to the remote server lost, try again later', '250 2.1.5 Ok delivered', '250 2.1.5 Ok delivered']);
    expect(await storedMessages(backendA.store, 'user.ann')).toHaveLength(before + 1);
    expect(await c.command('QUIT')).toMatch(/^221/);
  });

  it('drops the backends\' transaction at RSET; the next transaction starts afresh', async () => {
    const c = await startTransaction();
    expect(await c.command('RCPT TO:<ann@example.com>')).toMatch(/^250/);
    expect(backendA.lmtp.activeSessions).toBe(1);
    expect(await c.command('RSET')).toMatch(/^250/);
    for (let i = 0; i < 100 && backendA.lmtp.activeSessions > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(backendA.lmtp.activeSessions).toBe(0);
    expect(await c.command('MAIL FROM:<other@example.com>')).toMatch(/^250/);
    expect(await c.command('RCPT TO:<ann@example.com>')).toMatch(/^250/);
    expect(await c.command('DATA')).toMatch(/^354/);
    c.write(message('<proxied-4@example.com>') + '.\r\n');
    expect(await c.replies(1)).toEqual(['250 2.1.5 Ok delivered']);
    const stored = await storedMessages(backendA.store, 'user.ann');
    expect(stored.at(-1)).toMatch(/^Return-Path: <other@example\.com>\r\n/);
    expect(await c.command('QUIT')).toMatch(/^221/);
  });

  it("keeps a backend connection for the session's next transaction, and opens a new one when the backend dropped it", async () => {
    const send = async (c: LmtpClient, id: string): Promise<void> => {
      expect(await c.command('MAIL FROM:<keep@example.com>')).toMatch(/^250/);
      expect(await c.command('RCPT TO:<bob@example.com>')).toMatch(/^250/);
      expect(await c.command('DATA')).toMatch(/^354/);
      c.write(message(id) + '.\r\n');
      expect(await c.replies(1)).toEqual(['250 2.1.5 Ok delivered']);
    };
    const c = await LmtpClient.connect({ path: frontend.socketPath });
    expect(await c.command('LHLO mx.test')).toMatch(/^250/);
    const before = backendB.tcpAccepted;
    await send(c, '<kept-1@example.com>');
    await send(c, '<kept-2@example.com>');
    await send(c, '<kept-3@example.com>');
    expect(backendB.tcpAccepted - before).toBe(1);
    backendB.dropTcpConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await send(c, '<kept-4@example.com>');
    expect(backendB.tcpAccepted - before).toBe(2);
    const stored = await storedMessages(backendB.store, 'user.bob');
    expect(stored.filter((m) => /kept-\d@example\.com/.test(m))).toHaveLength(4);
    expect(await c.command('QUIT')).toMatch(/^221/);
  });
});
