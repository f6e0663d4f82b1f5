/**
 * COMPRESS=DEFLATE (RFC 4978) on the wire: a raw client that deflates its commands and inflates the
 * answers with Node's zlib, and imapflow, which compresses by itself when the server offers it.
 */
import { constants, deflateRawSync } from 'node:zlib';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/imap/session/session.js';
import { CompressClient as Client, last } from './compress-client.js';
import { startTestServer, type TestServer } from './harness.js';

let server: TestServer;
const sessions: Session[] = [];

beforeAll(async () => {
  server = await startTestServer({ users: ['fred', 'wilma'] });
  const handle = server.imap.handleConnection.bind(server.imap);
  server.imap.handleConnection = (socket, options) => {
    const session = handle(socket, options);
    sessions.push(session);
    return session;
  };
});
afterAll(async () => {
  await server.close();
});


describe('COMPRESS=DEFLATE', () => {
  it('is offered before and after login, refused before login and for an unknown mechanism', async () => {
    const c = await Client.connect(server.port);
    expect(last(await c.command('a', 'CAPABILITY'))).toBe('a OK CAPABILITY completed');
    const before = (await c.command('b', 'CAPABILITY'))[0]!;
    expect(before.split(' ')).toContain('COMPRESS=DEFLATE');
    expect(last(await c.command('c', 'COMPRESS DEFLATE'))).toBe('c BAD Please login first');
    const login = last(await c.command('d', 'LOGIN fred pass'));
    expect(login).toMatch(/^d OK/);
    const after = (await c.command('e', 'CAPABILITY'))[0]!;
    expect(after.split(' ')).toContain('COMPRESS=DEFLATE');
    expect(last(await c.command('f', 'COMPRESS FOO'))).toMatch(/^f BAD /);
    expect(last(await c.command('g', 'COMPRESS'))).toMatch(/^g BAD /);
    // Still plain after the refusals.
    expect(last(await c.command('h', 'NOOP'))).toBe('h OK NOOP completed');
    c.close();
  });

  it('compresses both ways after the OK: commands, a large APPEND, FETCH of it, a second COMPRESS, LOGOUT', async () => {
    const c = await Client.connect(server.port);
    await c.command('a', 'LOGIN fred pass');
    expect(await c.startCompression('b')).toBe('b OK DEFLATE active');
    const session = sessions.at(-1)!;
    expect(session.compressed).toBe(true);
    const caps = (await c.command('c', 'CAPABILITY'))[0]!;
    expect(caps.split(' ')).not.toContain('COMPRESS=DEFLATE');
    expect(last(await c.command('d', 'COMPRESS DEFLATE'))).toBe('d BAD [COMPRESSIONACTIVE] DEFLATE active via COMPRESS');
    const body = `Subject: big\r\n\r\n${Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'abcdefghij'.repeat(i % 9)}`).join('\r\n')}\r\n`;
    c.write(`e APPEND INBOX {${body.length}}\r\n`);
    expect(await c.readUntil(() => true)).toEqual(['+ go ahead']);
    const before = c.wireBytes;
    c.write(`${body}\r\n`);
    expect(last(await c.readUntil((l) => l.startsWith('e ')))).toMatch(/^e OK \[APPENDUID/);
    await c.command('f', 'SELECT INBOX');
    c.write('g FETCH 1 BODY.PEEK[]\r\n');
    const lines = await c.readUntil((l) => l.startsWith('g '));
    expect(last(lines)).toBe('g OK FETCH completed');
    const fetched = lines.join('\r\n');
    expect(fetched).toContain(`BODY[] {${body.length}}\r\n${body}`);
    // The body came compressed: far fewer bytes on the wire than in the answer.
    expect(c.wireBytes - before).toBeLessThan(body.length / 3);
    expect(await c.command('z', 'LOGOUT')).toEqual(['* BYE LOGOUT received', 'z OK LOGOUT completed']);
    await c.closedByServer();
  });

  it('reads the compressed bytes a client sent right behind the COMPRESS line', async () => {
    const c = await Client.connect(server.port);
    await c.command('a', 'LOGIN fred pass');
    // One write: the COMPRESS line in plain text, then a command already deflated (the client did
    // not wait for the OK). The server reads both in one chunk.
    const early = deflateRawSync(Buffer.from('c NOOP\r\n'), { finishFlush: constants.Z_SYNC_FLUSH });
    expect(await c.startCompression('b', early)).toBe('b OK DEFLATE active');
    expect(await c.readUntil((l) => l.startsWith('c '))).toEqual(['c OK NOOP completed']);
    // A fresh compressor's blocks continue the stream (the sync flush ended on a byte boundary).
    expect(await c.command('d', 'NOOP')).toEqual(['d OK NOOP completed']);
    c.close();
  });

  it('ends the session with a compressed BYE when the client sends what is not DEFLATE', async () => {
    const c = await Client.connect(server.port);
    await c.command('a', 'LOGIN fred pass');
    await c.startCompression('b');
    expect(await c.command('c', 'NOOP')).toEqual(['c OK NOOP completed']);
    c.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x12, 0x34]));
    expect(await c.readUntil(() => true)).toEqual(['* BYE Invalid compressed data']);
    await c.closedByServer();
    const session = sessions.at(-1)!;
    expect(session.isClosed).toBe(true);
  });

  it('keeps compression across UNAUTHENTICATE, and offers no STARTTLS over it', async () => {
    const c = await Client.connect(server.port);
    await c.command('a', 'LOGIN fred pass');
    await c.startCompression('b');
    expect(last(await c.command('c', 'UNAUTHENTICATE'))).toMatch(/^c OK/);
    const caps = (await c.command('d', 'CAPABILITY'))[0]!;
    expect(caps.split(' ')).not.toContain('COMPRESS=DEFLATE');
    expect(last(await c.command('e', 'LOGIN wilma pass'))).toMatch(/^e OK/);
    expect(last(await c.command('f', 'COMPRESS DEFLATE'))).toMatch(/^f BAD \[COMPRESSIONACTIVE\]/);
    c.close();
  });

  it('is negotiated by imapflow by itself, which then works as usual', async () => {
    const from = sessions.length;
    const client = new ImapFlow({ host: '127.0.0.1', port: server.port, secure: false, auth: { user: 'wilma', pass: 'pass' }, logger: false });
    await client.connect();
    expect((client as unknown as { _deflate?: unknown })._deflate).toBeTruthy();
    expect(sessions.slice(from).map((s) => s.compressed)).toEqual([true]);
    await client.append('INBOX', `Subject: hello\r\n\r\n${'Hello compressed world. '.repeat(2000)}\r\n`);
    const lock = await client.getMailboxLock('INBOX');
    try {
      const messages = [];
      for await (const m of client.fetch('1:*', { envelope: true, source: true })) messages.push(m);
      expect(messages.at(-1)!.envelope!.subject).toBe('hello');
      expect(messages.at(-1)!.source!.toString()).toContain('Hello compressed world. Hello');
    } finally {
      lock.release();
    }
    await client.logout();
  });
});
