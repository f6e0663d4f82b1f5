// SELECT of a mailbox whose index saw no commit since the process last looked answers from the
// columns the process keeps, reading nothing (Mailbox.quietSnapshot, and the \Recent claim from the
// row of that look): changes committed by another process or session in between must show.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailStore } from '../../src/store/index.js';
import type { TestServer } from './harness.js';
import { PLAIN, appendTo, fredIn, startWithMessages } from './message/fixtures.js';

let server: TestServer;
let elsewhere: MailStore;
beforeAll(async () => {
  server = await startWithMessages();
  await appendTo(server, 'user.fred', Array.from({ length: 7 }, () => ({ content: PLAIN })));
  elsewhere = MailStore.open({ config: server.config });
}, 60_000);
afterAll(async () => {
  elsewhere.close();
  await server.close();
});

function inOtherProcess(fn: (box: ReturnType<MailStore['openMailbox']>) => unknown): Promise<unknown> {
  const box = elsewhere.openMailbox('user.fred');
  return Promise.resolve(fn(box)).finally(() => box.close());
}

/** The counts a SELECT answered. */
function counts(lines: string[]): { exists: number; recent: number; unseen: number | null; uidNext: number } {
  const n = (re: RegExp): number | null => {
    const m = lines.map((l) => re.exec(l)).find((x) => x !== null);
    return m ? Number(m[1]) : null;
  };
  return { exists: n(/^\* (\d+) EXISTS/)!, recent: n(/^\* (\d+) RECENT/)!, unseen: n(/\[UNSEEN (\d+)\]/), uidNext: n(/\[UIDNEXT (\d+)\]/)! };
}

describe('SELECT again', () => {
  it('shows what another process appended, flagged and expunged since the last look', async () => {
    const c = await fredIn(server);
    try {
      // Mailbox 10 messages, the first \Seen (fixtures), the SELECT claimed them all as \Recent.
      await c.command('n1', 'NOOP');
      expect(counts(await c.command('s1', 'SELECT INBOX'))).toEqual({ exists: 10, recent: 0, unseen: 2, uidNext: 11 });
      expect(counts(await c.command('s2', 'SELECT INBOX'))).toEqual({ exists: 10, recent: 0, unseen: 2, uidNext: 11 });
      await inOtherProcess((box) => box.append([{ content: PLAIN }], { userid: 'fred' }));
      expect(counts(await c.command('s3', 'SELECT INBOX'))).toEqual({ exists: 11, recent: 1, unseen: 2, uidNext: 12 });
      expect(counts(await c.command('s4', 'SELECT INBOX'))).toEqual({ exists: 11, recent: 0, unseen: 2, uidNext: 12 });
      await inOtherProcess((box) => box.setFlags([2], 'add', ['\\Seen'], { userid: 'fred' }));
      expect(counts(await c.command('s5', 'SELECT INBOX'))).toEqual({ exists: 11, recent: 0, unseen: 3, uidNext: 12 });
      await inOtherProcess((box) => box.expunge({ uids: [1], force: true }));
      expect(counts(await c.command('s6', 'SELECT INBOX'))).toEqual({ exists: 10, recent: 0, unseen: 2, uidNext: 12 });
    } finally {
      c.close();
    }
  });

  it('shows what another session of this process appended since the last look', async () => {
    const c = await fredIn(server);
    // Not selecting: the \Recent of what it appends is left to c.
    const other = await fredIn(server, 'NOOP');
    try {
      const before = counts(await c.command('s1', 'SELECT INBOX'));
      const literal = PLAIN.toString('latin1');
      await other.command('a', `APPEND INBOX {${PLAIN.length}+}\r\n${literal}`);
      const after = counts(await c.command('s2', 'SELECT INBOX'));
      expect(after).toEqual({ ...before, exists: before.exists + 1, recent: 1, uidNext: before.uidNext + 1 });
    } finally {
      c.close();
      other.close();
    }
  });
});
