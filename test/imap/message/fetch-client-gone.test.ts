/**
 * Issue 17: a FETCH still running when its client disconnects ends quietly (a debug line, no
 * error-level line, no "database connection is not open") and stops its work.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fetchCommand } from '../../../src/imap/commands/message/fetch/command.js';
import { MessageReader } from '../../../src/mailbox/reader.js';
import { RawClient, startTestServer, type TestServer } from '../harness.js';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

const MESSAGES = 2000;
const BATCH = 500; // FETCH's batch size
let server: TestServer;
const logged: LogLine[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logged.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  server = await startTestServer({ logger: pino({ level: 'debug' }, sink) });
  server.imap.deps.store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  const mailbox = server.imap.deps.store.openMailbox('user.fred');
  try {
    const body = 'x'.repeat(2000);
    for (let from = 0; from < MESSAGES; from += 500) {
      const items = [];
      for (let i = from; i < from + 500; i++) items.push({ content: Buffer.from(`Subject: message ${i}\r\n\r\n${body}\r\n`) });
      await mailbox.append(items);
    }
  } finally {
    mailbox.close();
  }
}, 60_000);
afterAll(async () => {
  await server.close();
});

describe('FETCH whose client has gone', () => {
  it('stops without an error-level log line', async () => {
    const c = await RawClient.connect(server.port);
    expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
    expect((await c.command('s', 'SELECT INBOX')).at(-1)).toMatch(/^s OK/);
    const started = vi.spyOn(fetchCommand, 'handle');
    const batches = vi.spyOn(MessageReader.prototype, 'renderedForms');
    try {
      const before = logged.length;
      c.write('f UID FETCH 1:* (ENVELOPE BODY.PEEK[])\r\n');
      await vi.waitFor(() => expect(started).toHaveBeenCalled(), { timeout: 5000, interval: 1 });
      c.close();
      // (Before the fix it failed with "database connection is not open", logged as an internal error.)
      await (started.mock.results[0]!.value as Promise<unknown>).catch(() => undefined);
      await vi.waitFor(() => expect(logged.slice(before).some((l) => l.msg === 'connection closed')).toBe(true), { timeout: 5000 });
      const lines = logged.slice(before);
      expect(lines.filter((l) => l.level >= 40)).toEqual([]);
      expect(lines.some((l) => l.level === 20 && /client gone/.test(l.msg))).toBe(true);
      // It stopped: a FETCH to the end loads the cache of every batch.
      expect(batches.mock.calls.length).toBeLessThan(MESSAGES / BATCH);
    } finally {
      started.mockRestore();
      batches.mockRestore();
    }
  });
});
