/**
 * Issue 16, fairness: FETCH 1:* (ENVELOPE) reads the cached forms a block of messages per query (a
 * few ms each on a cold mailbox), and a query starts a slice of the event loop rather than ending
 * one already half used: the turn before it is given to the other sessions. Ordering only: the
 * clock of the slices is stubbed (always half used, never due by itself).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LoopSlices, SLICE_MS } from '../../src/common/loop-slices.js';
import { RawClient, startTestServer, type TestServer } from './harness.js';

const COUNT = 1600;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  server.imap.deps.store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  const box = server.imap.deps.store.openMailbox('user.fred');
  const items = [];
  for (let i = 1; i <= COUNT; i++) items.push({ content: Buffer.from(`From: a${i}@example.org\r\nSubject: message ${i}\r\n\r\nbody ${i}\r\n`) });
  await box.append(items, { userid: 'fred' });
  box.close();
}, 60_000);
afterAll(() => server.close());

describe('FETCH 1:* (ENVELOPE) and its reads of forms', () => {
  it('gives a turn before each read of forms once the slice is half used, and answers every message', async () => {
    const c = await RawClient.connect(server.port);
    try {
      expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
      expect((await c.command('s', 'SELECT INBOX')).at(-1)).toMatch(/^s OK/);
      vi.spyOn(LoopSlices.prototype, 'due').mockReturnValue(false);
      vi.spyOn(LoopSlices.prototype, 'spent').mockReturnValue(SLICE_MS / 2);
      const pause = vi.spyOn(LoopSlices.prototype, 'pause');
      const lines = await c.command('f', 'FETCH 1:* (ENVELOPE)');
      expect(lines.at(-1)).toMatch(/^f OK/);
      const fetched = lines.filter((line) => / FETCH \(ENVELOPE /.test(line));
      expect(fetched).toHaveLength(COUNT);
      expect(fetched.map((line) => Number(/^\* (\d+) /.exec(line)![1]))).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
      expect(fetched.at(-1)).toContain(`"message ${COUNT}"`);
      // One read per block of 512 messages (four); a turn before each but the first.
      expect(pause.mock.calls.length).toBeGreaterThanOrEqual(3);
    } finally {
      vi.restoreAllMocks();
      c.close();
    }
  });
});
