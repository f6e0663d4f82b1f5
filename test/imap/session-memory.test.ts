/**
 * What an idle session keeps (issue 16: memory per idle connection): nothing is left behind once
 * it ends, and sessions on the same mailbox share its UID column until their views part.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/imap/session/session.js';
import { RawClient, startTestServer, type TestServer } from './harness.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let server: TestServer;
/** Every session the server starts, weakly held. */
const started: Array<WeakRef<Session>> = [];

beforeAll(async () => {
  server = await startTestServer({ users: ['fred', 'wilma'] });
  const handle = server.imap.handleConnection.bind(server.imap);
  server.imap.handleConnection = (socket, options) => {
    const session = handle(socket, options);
    started.push(new WeakRef(session));
    return session;
  };
});
afterAll(async () => {
  await server.close();
});

async function collected(refs: Array<WeakRef<object>>): Promise<number> {
  for (let i = 0; i < 10 && refs.some((r) => r.deref() !== undefined); i++) {
    await new Promise((r) => setTimeout(r, 20));
    gc();
  }
  return refs.filter((r) => r.deref() === undefined).length;
}

describe('an idle session', () => {
  it('is released with all it held after IDLE, DONE and LOGOUT, or a dropped connection', async () => {
    const from = started.length;
    const polite = await RawClient.connect(server.port);
    await polite.command('a', 'LOGIN fred pass');
    await polite.command('b', 'SELECT INBOX');
    polite.write('i IDLE\r\n');
    expect(await polite.readLine()).toBe('+ idling');
    polite.write('DONE\r\n');
    expect((await polite.readUntil((l) => l.startsWith('i '))).at(-1)).toMatch(/^i OK/);
    await polite.command('z', 'LOGOUT');
    const rude = await RawClient.connect(server.port);
    await rude.command('a', 'LOGIN wilma pass');
    await rude.command('b', 'SELECT INBOX');
    rude.write('i IDLE\r\n');
    expect(await rude.readLine()).toBe('+ idling');
    // one process-wide IDLE safety poll: the idler waits in it, and leaves it when it goes
    expect(server.imap.deps.idlePoller.size).toBe(1);
    rude.close();
    polite.close();
    const refs = started.slice(from);
    expect(refs).toHaveLength(2);
    for (let i = 0; i < 100 && server.imap.activeSessions > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.imap.activeSessions).toBe(0);
    expect(server.imap.deps.idlePoller.size).toBe(0);
    expect(await collected(refs)).toBe(2);
  });
});

describe('sessions on the same mailbox', () => {
  it('share its UID column until one expunges or hears of new messages, and never see the other\'s numbers', async () => {
    // Big enough for the process to keep one snapshot of it (snapshot-cache.ts), which SELECT hands out.
    const count = 1200;
    const mailbox = server.imap.deps.store.openMailbox('user.fred');
    await mailbox.append(Array.from({ length: count }, (_, i) => ({ content: Buffer.from(`Subject: m${i + 1}\r\n\r\nbody\r\n`) })));
    mailbox.close();
    const a = await RawClient.connect(server.port);
    const b = await RawClient.connect(server.port);
    for (const c of [a, b]) {
      await c.command('l', 'LOGIN fred pass');
      expect(await c.command('s', 'SELECT INBOX')).toContain(`* ${count} EXISTS`);
    }
    // a expunges messages 5 and 7: its own numbers shift at once...
    await a.command('d', 'STORE 5,7 +FLAGS.SILENT (\\Deleted)');
    expect(await a.command('e', 'EXPUNGE')).toEqual(['* 7 EXPUNGE', '* 5 EXPUNGE', 'e OK EXPUNGE completed']);
    expect(await a.command('f', 'FETCH 5:6 (UID)')).toEqual(['* 5 FETCH (UID 6)', '* 6 FETCH (UID 8)', 'f OK FETCH completed']);
    // ...b's stay as they were until b may be told (FETCH by number holds EXPUNGE back; the expunged
    // messages themselves give nothing)
    expect(await b.command('f', 'FETCH 5:8 (UID)')).toEqual(['* 6 FETCH (UID 6)', '* 8 FETCH (UID 8)', 'f OK [EXPUNGEISSUED] Some of the requested messages no longer exist']);
    expect(await b.command('n', 'NOOP')).toEqual(['* 7 EXPUNGE', '* 5 EXPUNGE', 'n OK NOOP completed']);
    expect(await b.command('g', `FETCH 5,${count - 2} (UID)`)).toEqual(['* 5 FETCH (UID 6)', `* ${count - 2} FETCH (UID ${count})`, 'g OK FETCH completed']);
    // a new message: both number it after the rest
    expect(await a.command('p', `APPEND INBOX {19+}\r\nSubject: new\r\n\r\nb\r\n`)).toContain(`* ${count - 1} EXISTS`);
    expect(await b.command('n', 'NOOP')).toContain(`* ${count - 1} EXISTS`);
    expect(await b.command('h', `FETCH ${count - 1} (UID)`)).toEqual([`* ${count - 1} FETCH (UID ${count + 1})`, 'h OK FETCH completed']);
    // a third session selecting now sees the mailbox as it is
    const c = await RawClient.connect(server.port);
    await c.command('l', 'LOGIN fred pass');
    expect(await c.command('s', 'SELECT INBOX')).toContain(`* ${count - 1} EXISTS`);
    expect(await c.command('f', 'FETCH 5:6 (UID)')).toEqual(['* 5 FETCH (UID 6)', '* 6 FETCH (UID 8)', 'f OK FETCH completed']);
    for (const client of [a, b, c]) client.close();
  });
});
