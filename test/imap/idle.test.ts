import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

beforeAll(async () => {
  ensureBuilt();
  server = await startTestServer({ notify: true });
});
afterAll(async () => {
  await server.close();
});

describe('IDLE', () => {
  it('pushes EXISTS for a message appended by another process', async () => {
    const c = await RawClient.connect(server.port);
    await c.command('a', 'LOGIN fred pass');
    await c.command('b', 'SELECT INBOX');
    c.write('i IDLE\r\n');
    expect(await c.readLine()).toBe('+ idling');
    // Asynchronous: the notification hub runs in this process and must relay while the child runs.
    await promisify(execFile)(process.execPath, [join(import.meta.dirname, 'fixtures', 'append-child.mjs'), join(server.dir, 'imapd.conf'), 'user.fred', '1']);
    const lines = await c.readUntil((l) => /^\* \d+ EXISTS$/.test(l), 5000);
    expect(lines.at(-1)).toBe('* 1 EXISTS');
    c.write('DONE\r\n');
    expect((await c.readUntil((l) => l.startsWith('i '))).at(-1)).toMatch(/^i OK/);
    c.close();
  });

  it('imapflow sees an append made by another connection while idling', async () => {
    const watcher = new ImapFlow({ host: server.host, port: server.port, secure: false, auth: { user: 'fred', pass: 'pass' }, logger: false });
    await watcher.connect();
    const lock = await watcher.getMailboxLock('INBOX');
    const before = (watcher.mailbox as { exists: number }).exists;
    const seen = new Promise<number>((resolve) => watcher.on('exists', (data: { count: number }) => resolve(data.count)));
    const idling = watcher.idle();
    const writer = new ImapFlow({ host: server.host, port: server.port, secure: false, auth: { user: 'fred', pass: 'pass' }, logger: false });
    await writer.connect();
    await writer.append('INBOX', 'From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n');
    await writer.logout();
    expect(await seen).toBe(before + 1);
    lock.release();
    await watcher.logout();
    await idling.catch(() => undefined);
  });
});
