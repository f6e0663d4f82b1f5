/**
 * Issue 17, item 2: one command's size and literal count are always bounded, far lower before
 * login, so a client that has not logged in cannot grow the worker's memory with tiny literals or
 * a huge LOGIN literal.
 */
import { createConnection, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

/** Write `chunk` repeatedly (respecting back-pressure) until the server closes or `limit` bytes went out. */
async function floodUntilClosed(socket: Socket, chunk: Buffer, limit: number): Promise<{ written: number; closed: boolean }> {
  let closed = false;
  socket.on('error', () => undefined);
  const onClose = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void onClose.then(() => (closed = true));
  let written = 0;
  while (!closed && written < limit) {
    written += chunk.length;
    if (!socket.write(chunk)) await Promise.race([new Promise<void>((resolve) => socket.once('drain', resolve)), onClose]);
  }
  if (!closed) await Promise.race([onClose, new Promise((resolve) => setTimeout(resolve, 2000))]);
  return { written, closed };
}

describe('command bounds before login', () => {
  it('cuts off millions of tiny non-synchronising literals early with BAD [TOOBIG] and BYE', async () => {
    const socket = createConnection({ port: server.port, host: server.host });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => (received += text));
    socket.write('a LOGIN fred');
    const literals = 1000;
    const chunk = Buffer.from(' {1+}\r\nx'.repeat(literals));
    // Two million literals would be 16 MB; the server must hang up long before.
    const { written, closed } = await floodUntilClosed(socket, chunk, 2_000_000 * 8);
    expect(closed).toBe(true);
    expect(written).toBeLessThan(8 * 1024 * 1024);
    expect(received).toMatch(/\r\na BAD \[TOOBIG\] Too many literals in one command\r\n\* BYE /);
  });

  it('refuses a 64 MB LOGIN literal before it is sent and keeps the session', async () => {
    const c = await RawClient.connect(server.port);
    c.write('a LOGIN fred {67108864}\r\n');
    expect(await c.readUntil((l) => l.startsWith('a ') || l.startsWith('+'))).toEqual(['a NO [TOOBIG] Literal too big']);
    expect((await c.command('b', 'LOGIN fred pass')).at(-1)).toMatch(/^b OK/);
    c.close();
  });

  it('still accepts a LOGIN with small literals', async () => {
    const c = await RawClient.connect(server.port);
    c.write('a LOGIN {4+}\r\nfred {4+}\r\npass\r\n');
    expect((await c.readUntil((l) => l.startsWith('a '))).at(-1)).toMatch(/^a OK/);
    c.close();
  });

  it('counts text on every line of a command, not per line between literals', async () => {
    const c = await RawClient.connect(server.port);
    // Six lines of 3,000 bytes (each under the 64K line limit, 5 literals): 18 KB in all, over the 16 KB bound.
    const line = ` "${'y'.repeat(3000)}"`;
    c.write(`a ID (${Array.from({ length: 5 }, () => `${line} {1+}\r\nz`).join('')}${line})\r\n`);
    expect(await c.readUntil((l) => l.startsWith('a '))).toEqual(['a BAD [TOOBIG] Too many arguments']);
    expect((await c.command('b', 'NOOP')).at(-1)).toBe('b OK NOOP completed');
    c.close();
  });
});

describe('command bounds after login', () => {
  it('allows more literals once logged in, and still bounds their number', async () => {
    const c = await RawClient.connect(server.port);
    expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
    await c.command('c', 'CREATE bounds');
    expect((await c.command('s', 'SELECT bounds')).at(-1)).toMatch(/^s OK/);
    const few = Array.from({ length: 20 }, () => 'SUBJECT {1+}\r\nx').join(' ');
    expect((await c.command('f', `SEARCH ${few}`)).at(-1)).toBe('f OK SEARCH completed');
    const socket = c.socket;
    socket.write('g SEARCH ALL');
    const { closed } = await floodUntilClosed(socket, Buffer.from(' SUBJECT {1+}\r\nx'.repeat(1000)), 200 * 16_000);
    expect(closed).toBe(true);
  });
});
