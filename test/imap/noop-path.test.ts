// The NOOP of an idle session on an unchanged mailbox is answered within the turn that read it, with
// no promise on the way (issue 16, fairness: 500 idle sessions' NOOPs set the young-generation GC
// rate). Checked on a session over an in-memory socket: the tagged answer is written before
// `emit('data')` returns, so no microtask ran in between. Pipelined commands are answered in order,
// a command that must wait (LOGIN) still holds the ones after it, and LOGOUT stops the reading.
import { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseWriter } from '../../src/imap/session/writer.js';
import type { TestServer } from './harness.js';
import { PLAIN, appendTo, startWithMessages } from './message/fixtures.js';

let server: TestServer;
beforeAll(async () => {
  server = await startWithMessages();
}, 60_000);
afterAll(async () => {
  await server.close();
});

/** A session of the test server over a socket that keeps what is written to it. */
function session(): { socket: Duplex; text: () => string; send: (line: string) => void; until: (prefix: string) => Promise<void> } {
  const writes: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      writes.push(Buffer.from(chunk));
      done();
    },
  });
  server.imap.handleConnection(socket, { tls: false, unixSocket: false });
  const text = () => Buffer.concat(writes).toString('latin1');
  return {
    socket,
    text,
    send: (line) => socket.emit('data', Buffer.from(line)),
    async until(prefix) {
      for (let i = 0; i < 500 && !text().split('\r\n').some((l) => l.startsWith(prefix)); i++) await new Promise((r) => setTimeout(r, 10));
    },
  };
}

describe('NOOP without waiting', () => {
  it('answers a NOOP on an unchanged selected mailbox before the data callback returns', async () => {
    const s = session();
    s.send('a LOGIN fred pass\r\n');
    await s.until('a OK');
    s.send('b SELECT INBOX\r\n');
    await s.until('b OK');
    // Synchronously: nothing awaited since the chunk arrived. On a loaded machine the first try
    // may find the SELECT's own after-work (its \Recent claim) or this turn's command share
    // (common/turn-share.ts) still open and answer a turn later; a fresh turn on a settled session
    // must answer at once.
    let answered = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      await new Promise((r) => setTimeout(r, 20));
      const before = s.text().length;
      s.send(`c${attempt} NOOP\r\nd${attempt} NOOP\r\ne${attempt} CHECK\r\n`);
      answered = s.text().slice(before);
      if (answered !== '') break;
      await s.until(`e${attempt} OK`);
    }
    expect(answered).toMatch(/^c\d OK NOOP completed\r\nd\d OK NOOP completed\r\ne\d OK CHECK completed\r\n$/);
    s.socket.destroy();
  });

  it('still tells a change (EXISTS, RECENT) with the NOOP that finds it', async () => {
    const s = session();
    s.send('a LOGIN fred pass\r\nb SELECT INBOX\r\n');
    await s.until('b OK');
    const count = Number(/\* (\d+) EXISTS/.exec(s.text())![1]);
    await appendTo(server, 'user.fred', [{ content: PLAIN }]);
    const before = s.text().length;
    s.send('c NOOP\r\n');
    await s.until('c OK');
    expect(s.text().slice(before)).toBe(`* ${count + 1} EXISTS\r\n* 1 RECENT\r\nc OK NOOP completed\r\n`);
    s.socket.destroy();
  });

  it('holds pipelined commands behind one that waits, answers them in order, and reads nothing after LOGOUT', async () => {
    const s = session();
    s.send('a LOGIN fred pass\r\nb NOOP\r\nc LOGOUT\r\nd NOOP\r\n');
    await s.until('c OK');
    await new Promise((r) => setTimeout(r, 50));
    const tagged = s
      .text()
      .split('\r\n')
      .filter((l) => /^[a-d] /.test(l))
      .map((l) => l.split(' ').slice(0, 2).join(' '));
    expect(tagged).toEqual(['a OK', 'b OK', 'c OK']);
  });

  it('counts BAD answers given without waiting towards the limit of protocol errors', async () => {
    const s = session();
    s.send('a LOGIN fred pass\r\n');
    await s.until('a OK');
    s.send('x NOOP extra\r\n'.repeat(server.imap.deps.limits.maxBadCommands));
    await s.until('* BYE');
    expect(s.text()).toContain('* BYE Too many protocol errors');
  });
});

describe('the response writer keeps its array of parts', () => {
  it('writes only the parts sent since the last write', async () => {
    const writes: string[] = [];
    const socket = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        writes.push(chunk.toString('latin1'));
        done();
      },
    });
    const out = new ResponseWriter(socket);
    out.send('1\r\n');
    out.send('2\r\n');
    out.send('3\r\n');
    await out.flush();
    out.send('4\r\n');
    out.send('5\r\n');
    expect(out.flushNow()).toBeNull();
    out.raw(Buffer.from('6\r\n'));
    out.send('7\r\n');
    await out.flush();
    out.send('8\r\n');
    await out.flush();
    expect(writes).toEqual(['1\r\n2\r\n3\r\n', '4\r\n5\r\n', '6\r\n7\r\n', '8\r\n']);
  });
});
