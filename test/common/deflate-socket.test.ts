/**
 * DeflateSocket (COMPRESS=DEFLATE's transport) over a real loopback TCP connection; the peer speaks
 * raw DEFLATE with Node's zlib as an IMAP client would.
 */
import { randomBytes } from 'node:crypto';
import { createServer, createConnection, type Server, type Socket } from 'node:net';
import { constants, createDeflateRaw, createInflateRaw, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeflateSocket } from '../../src/common/deflate-socket.js';

let listener: Server;
let accepted: Array<(s: Socket) => void> = [];
beforeAll(async () => {
  listener = createServer((s) => accepted.shift()!(s));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => listener.close(() => resolve()));
});

/** A connected pair: the server's end and the client's. */
async function pair(): Promise<{ server: Socket; client: Socket }> {
  const serverSide = new Promise<Socket>((resolve) => accepted.push(resolve));
  const client = createConnection({ port: (listener.address() as { port: number }).port, host: '127.0.0.1' });
  await new Promise<void>((resolve) => client.once('connect', resolve));
  return { server: await serverSide, client };
}

/** The client's side of the compression: what it read so far, inflated; and a compressor of its own. */
function peer(client: Socket) {
  const inflate = createInflateRaw();
  const received: Buffer[] = [];
  let total = 0;
  const waiters: Array<() => void> = [];
  client.on('data', (chunk: Buffer) => inflate.write(chunk));
  inflate.on('data', (d: Buffer) => {
    received.push(d);
    total += d.length;
    for (const w of waiters.splice(0)) w();
  });
  const deflate = createDeflateRaw();
  deflate.on('data', (d: Buffer) => client.write(d));
  return {
    get total() {
      return total;
    },
    text: () => Buffer.concat(received).toString('latin1'),
    bytes: () => Buffer.concat(received),
    async until(bytes: number): Promise<void> {
      while (total < bytes) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    send(data: string | Buffer): Promise<void> {
      return new Promise<void>((resolve) => {
        deflate.write(data);
        deflate.flush(constants.Z_SYNC_FLUSH, () => resolve());
      });
    },
  };
}

function collect(socket: DeflateSocket) {
  const chunks: Buffer[] = [];
  let total = 0;
  const waiters: Array<() => void> = [];
  socket.on('data', (d: Buffer) => {
    chunks.push(d);
    total += d.length;
    for (const w of waiters.splice(0)) w();
  });
  return {
    bytes: () => Buffer.concat(chunks),
    async until(bytes: number): Promise<void> {
      while (total < bytes) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

const writeDone = (socket: DeflateSocket, data: string | Buffer) => new Promise<void>((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));

describe('DeflateSocket', () => {
  it('sends each write whole at once (a sync flush after every write), many writes in order', async () => {
    const { server, client } = await pair();
    const socket = new DeflateSocket(server, null);
    const p = peer(client);
    let expected = '';
    for (let i = 0; i < 500; i++) {
      const line = `* ${i} FETCH (UID ${1000 + i} FLAGS (\\Seen) RFC822.SIZE ${i * 37})\r\n`.repeat(1 + (i % 7));
      expected += line;
      socket.write(line);
      // Every write can be decoded on its own as soon as it arrives: nothing waits for later output.
      await p.until(Buffer.byteLength(expected));
      expect(p.text()).toBe(expected);
    }
    socket.destroy();
    client.destroy();
  });

  it('frees an idle compressor and goes on with a new one whose blocks continue the stream', async () => {
    const { server, client } = await pair();
    const socket = new DeflateSocket(server, null, { idleMs: 1 });
    const p = peer(client);
    let expected = '';
    for (let i = 0; i < 5; i++) {
      const answer = `* ${i} EXISTS\r\n${'* OK [UIDNEXT 4] Predicted next UID\r\n'.repeat(3)}`;
      expected += answer;
      await writeDone(socket, answer);
      expect(socket.compressorHeld).toBe(true);
      while (socket.compressorHeld) await new Promise((r) => setTimeout(r, 5));
      await p.until(Buffer.byteLength(expected));
    }
    expect(p.text()).toBe(expected);
    // The end of a stream whose compressor was freed: a final block of its own, valid for the peer.
    const ended = new Promise<void>((resolve) => client.once('end', resolve));
    socket.end();
    await ended;
    client.destroy();
  });

  it('reads a large literal compressed with a full 32 KiB window, and early bytes first', async () => {
    const { server, client } = await pair();
    const p = peer(client);
    // What the client sent before the switch, read by the session and handed over.
    const early = deflateRawSync(Buffer.from('a NOOP\r\n'), { finishFlush: constants.Z_SYNC_FLUSH });
    const socket = new DeflateSocket(server, early);
    const got = collect(socket);
    const text = Array.from({ length: 60_000 }, (_, i) => `line ${i} of a long message body, ${'x'.repeat(i % 50)}\r\n`).join('');
    const body = Buffer.concat([Buffer.from(`b APPEND INBOX {${Buffer.byteLength(text)}}\r\n`), Buffer.from(text), randomBytes(100_000)]);
    await p.send(body);
    await got.until(8 + body.length);
    expect(got.bytes().equals(Buffer.concat([Buffer.from('a NOOP\r\n'), body]))).toBe(true);
    socket.destroy();
    client.destroy();
  });

  it('holds writes while the peer does not read: writableLength, false from write, drain, all in order', async () => {
    const { server, client } = await pair();
    const socket = new DeflateSocket(server, null);
    client.pause();
    const data = randomBytes(64 * 1024);
    let writes = 0;
    // Incompressible data until the socket says it is full (kernel buffers are a few MiB at most).
    let full = false;
    while (writes < 1000 && !full) {
      full = !socket.write(data);
      writes++;
    }
    expect(full).toBe(true);
    for (let i = 0; i < 40; i++) socket.write(data);
    writes += 40;
    expect(socket.writableLength).toBeGreaterThan(0);
    const drained = new Promise<void>((resolve) => socket.once('drain', resolve));
    const p = peer(client);
    client.resume();
    await drained;
    await p.until(writes * data.length);
    const all = p.bytes();
    expect(all.length).toBe(writes * data.length);
    expect(all.subarray((writes - 1) * data.length).equals(data)).toBe(true);
    socket.destroy();
    client.destroy();
  });

  it('calls back a zero-length write only after every write before it went out', async () => {
    const { server, client } = await pair();
    const socket = new DeflateSocket(server, null);
    client.pause();
    const order: string[] = [];
    const big = randomBytes(8 * 1024 * 1024);
    socket.write(big, () => order.push('big'));
    socket.write(Buffer.alloc(0), () => order.push('empty'));
    // Eight MiB of incompressible data cannot all be in the kernel's buffers of a paused peer.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]);
    const p = peer(client);
    client.resume();
    await p.until(big.length);
    await writeDone(socket, 'x');
    expect(order).toEqual(['big', 'empty']);
    // With nothing queued the callback comes at once.
    await new Promise<void>((resolve) => socket.write(Buffer.alloc(0), () => resolve()));
    socket.destroy();
    client.destroy();
  });

  it('bounds what a small compressed input may inflate into while nobody reads', async () => {
    const { server, client } = await pair();
    const p = peer(client);
    // No listener: the stream is not flowing; it reads up to its high-water mark and stops.
    const socket = new DeflateSocket(server, null);
    // 16 MiB of zeros: some 16 KiB compressed.
    const zeros = Buffer.alloc(16 * 1024 * 1024);
    await p.send(zeros);
    await new Promise((r) => setTimeout(r, 50));
    // The readable buffer: its high-water mark plus at most one slice's output (about 1 MiB).
    expect(socket.readableLength).toBeLessThan(2 * 1024 * 1024);
    expect(server.isPaused()).toBe(true);
    const got = collect(socket);
    await got.until(zeros.length);
    expect(got.bytes().length).toBe(zeros.length);
    socket.destroy();
    client.destroy();
  });

  it('reports input that is not DEFLATE once, stops reading, and can still write', async () => {
    const { server, client } = await pair();
    const errors: Error[] = [];
    const socket = new DeflateSocket(server, null, { onCorruptInput: (err) => errors.push(err) });
    const got = collect(socket);
    const p = peer(client);
    client.write(Buffer.from([0xff, 0xfe, 0xfd, 0xfc, 0x00, 0x01]));
    client.write('more garbage after it\r\n');
    while (errors.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/invalid compressed input/);
    expect(got.bytes().length).toBe(0);
    const ended = new Promise<void>((resolve) => client.once('end', resolve));
    socket.end('* BYE Invalid compressed data\r\n');
    await p.until(31);
    expect(p.text()).toBe('* BYE Invalid compressed data\r\n');
    await ended;
    client.destroy();
  });

  it('without a handler, corrupt input destroys the stream with an error and a close', async () => {
    const { server, client } = await pair();
    const socket = new DeflateSocket(server, null);
    const events: string[] = [];
    socket.on('error', (err: Error & { code?: string }) => events.push(`error ${err.code}`));
    socket.on('close', () => events.push('close'));
    socket.resume();
    client.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x12]));
    await new Promise<void>((resolve) => socket.once('close', resolve));
    expect(events).toEqual(['error ERR_DEFLATE_INPUT', 'close']);
    expect(server.destroyed).toBe(true);
    client.destroy();
  });

  it('pauses and resumes the socket under it, ends and closes as a socket does', async () => {
    const { server, client } = await pair();
    const socket = new DeflateSocket(server, null);
    const got = collect(socket);
    const p = peer(client);
    socket.pause();
    expect(server.isPaused()).toBe(true);
    socket.resume();
    expect(server.isPaused()).toBe(false);
    await p.send('a LOGOUT\r\n');
    await got.until(10);
    const closed = new Promise<void>((resolve) => socket.once('close', resolve));
    const clientEnded = new Promise<void>((resolve) => client.once('end', resolve));
    socket.end('* BYE\r\n');
    await clientEnded;
    await p.until(7);
    client.end();
    await closed;
    expect(p.text()).toBe('* BYE\r\n');
    expect(server.destroyed).toBe(true);
  });

  it('closes when the peer resets, and fails later writes through their callback', async () => {
    const { server, client } = await pair();
    const socket = new DeflateSocket(server, null);
    socket.on('error', () => {});
    socket.resume();
    const closed = new Promise<void>((resolve) => socket.once('close', resolve));
    client.resetAndDestroy();
    await closed;
    expect(socket.destroyed).toBe(true);
    expect(socket.writable).toBe(false);
  });
});
