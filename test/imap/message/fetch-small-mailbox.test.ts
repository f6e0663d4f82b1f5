// FETCH of a few messages of a small mailbox answers from a snapshot (the process keeps small
// mailboxes' columns: mailbox/snapshot-cache.ts) instead of reading each record: its answers must
// follow every change since SELECT, made by another session or by another process (a second store
// on the same directory: its own SQLite connection), and stay the records path's for a message
// expunged elsewhere but still numbered for this session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailStore } from '../../../src/store/index.js';
import type { TestServer } from '../harness.js';
import { PLAIN, appendTo, fredIn, startWithMessages } from './fixtures.js';

let server: TestServer;
let elsewhere: MailStore;
beforeAll(async () => {
  server = await startWithMessages();
  await appendTo(server, 'user.fred', Array.from({ length: 20 }, (_, i) => ({ content: PLAIN, flags: i % 2 === 0 ? ['\\Seen'] : [] })));
  elsewhere = MailStore.open({ config: server.config });
}, 60_000);
afterAll(async () => {
  elsewhere.close();
  await server.close();
});

/** FETCH lines for `uids` only (the untagged updates of the sync dropped). */
const fetchLines = (lines: string[], uids: number[]) => lines.filter((l) => uids.some((u) => l.includes(`FETCH (UID ${u} `)));

describe('FETCH of a few messages of a small mailbox', () => {
  it('answers flags as changed since SELECT by another session and by another process', async () => {
    const c = await fredIn(server);
    const other = await fredIn(server);
    try {
      const before = await c.command('a', 'UID FETCH 5:7 (UID FLAGS)');
      expect(fetchLines(before, [5, 6, 7]).map((l) => /FLAGS \(([^)]*)\)/.exec(l)![1])).toEqual(['\\Recent', '\\Seen \\Recent', '\\Recent']);
      await other.command('b', 'UID STORE 5 +FLAGS.SILENT (\\Answered Later)');
      const box = elsewhere.openMailbox('user.fred');
      try {
        box.setFlags([7], 'add', ['\\Flagged'], { userid: 'fred' });
      } finally {
        box.close();
      }
      const after = await c.command('c', 'UID FETCH 5:7 (UID FLAGS INTERNALDATE)');
      const flags = fetchLines(after, [5, 6, 7]).filter((l) => l.includes('INTERNALDATE')).map((l) => /FLAGS \(([^)]*)\)/.exec(l)![1]);
      expect(flags).toEqual(['\\Answered Later \\Recent', '\\Seen \\Recent', '\\Flagged \\Recent']);
      expect(after.at(-1)).toBe('c OK FETCH completed');
    } finally {
      c.close();
      other.close();
    }
  });

  it('answers a message expunged by another process as the records path does', async () => {
    const c = await fredIn(server);
    try {
      const box = elsewhere.openMailbox('user.fred');
      try {
        box.expunge({ uids: [10], force: true });
      } finally {
        box.close();
      }
      // FETCH by sequence number may not announce the expunge: the message is still numbered, and
      // the others are answered.
      const answer = await c.command('f', 'FETCH 8:11 (UID FLAGS)');
      expect(answer.filter((l) => l.includes('FETCH (UID 10 '))).toEqual([]);
      expect(fetchLines(answer, [9, 11]).map((l) => /^\* (\d+) /.exec(l)![1])).toEqual(['9', '11']);
      expect(answer.at(-1)).toBe('f OK [EXPUNGEISSUED] Some of the requested messages no longer exist');
      // The next command that may announce it does.
      expect(await c.command('n', 'NOOP')).toContain('* 10 EXPUNGE');
    } finally {
      c.close();
    }
  });
});
