// A command's answer goes out in one socket write, also when new messages arrived meanwhile: the
// EXISTS, the RECENT of the \Recent claim and the tagged line together (issue 16: a second write per
// command cost a loopback send each). Only a claim that must wait for another connection's write
// lock sends EXISTS first; the answer then still tells RECENT once the lock is free.
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ResponseWriter } from '../../src/imap/session/writer.js';
import { INDEX_FILE } from '../../src/mailbox/files.js';
import type { TestServer } from './harness.js';
import { PLAIN, appendTo, fredIn, startWithMessages } from './message/fixtures.js';

let server: TestServer;
beforeAll(async () => {
  server = await startWithMessages();
}, 60_000);
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Count the flushes of the server's writers that had something to write. */
function countWrites(): { readonly count: number } {
  const counter = { count: 0 };
  // flushNow: the write itself (flush calls it; the session calls it directly).
  const flushNow = ResponseWriter.prototype.flushNow;
  vi.spyOn(ResponseWriter.prototype, 'flushNow').mockImplementation(function (this: ResponseWriter) {
    if (this.pending > 0) counter.count++;
    return flushNow.call(this);
  });
  return counter;
}

describe('one write per answer', () => {
  it('NOOP after another session appended: EXISTS, RECENT and OK in one write', async () => {
    const c = await fredIn(server);
    await appendTo(server, 'user.fred', [{ content: PLAIN }]);
    const writes = countWrites();
    const lines = await c.command('n', 'NOOP');
    expect(lines).toEqual(['* 4 EXISTS', '* 4 RECENT', 'n OK NOOP completed']);
    expect(writes.count).toBe(1);
    c.close();
  });

  it('a claim that must wait for the write lock sends EXISTS first, then RECENT and OK', async () => {
    const c = await fredIn(server);
    await appendTo(server, 'user.fred', [{ content: PLAIN }]);
    const box = server.imap.deps.store.openMailbox('user.fred');
    const other = new Database(join(box.path, INDEX_FILE));
    box.close();
    const writes = countWrites();
    other.exec('BEGIN IMMEDIATE');
    c.write('n NOOP\r\n');
    expect(await c.readUntil((line) => line === '* 5 EXISTS')).toEqual(['* 5 EXISTS']);
    // the answer waits for the lock (ordering only: nothing else is written meanwhile)
    expect(writes.count).toBe(1);
    other.exec('COMMIT');
    other.close();
    expect(await c.readUntil((line) => line.startsWith('n '))).toEqual(['* 1 RECENT', 'n OK NOOP completed']);
    expect(writes.count).toBe(2);
    c.close();
  });
});

/** A socket that keeps what is written to it, one entry per write. */
function sink(): { socket: Duplex; writes: Buffer[] } {
  const writes: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      writes.push(Buffer.from(chunk));
      done();
    },
  });
  return { socket, writes };
}

describe('the response writer', () => {
  it('writes text parts as UTF-8 in one write, and text with raw bytes in one write', async () => {
    const { socket, writes } = sink();
    const out = new ResponseWriter(socket);
    out.send('* OK caf\u00e9 ');
    out.send('Gr\u00fc\u00dfe \u{1F600}\r\n');
    out.send('a OK done\r\n');
    await out.flush();
    out.send('* 1 FETCH (BODY[] {3}\r\n');
    out.raw(Buffer.from([0xe9, 0x00, 0xff]));
    out.raw(')\r\n* \u00e9\r\n');
    await out.flush();
    out.raw(Buffer.from('only bytes\r\n'));
    await out.flush();
    expect(writes.map((w) => w.toString('latin1'))).toEqual([
      Buffer.from('* OK caf\u00e9 Gr\u00fc\u00dfe \u{1F600}\r\na OK done\r\n', 'utf8').toString('latin1'),
      `* 1 FETCH (BODY[] {3}\r\n\xe9\x00\xff)\r\n${Buffer.from('* \u00e9', 'utf8').toString('latin1')}\r\n`,
      'only bytes\r\n',
    ]);
  });
});
