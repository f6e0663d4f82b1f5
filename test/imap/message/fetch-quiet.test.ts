// FETCH of a few messages answers from the columns the process keeps, without a read transaction,
// while no connection committed to the index since the session's last sync (Mailbox.quietSnapshot):
// a commit by another process (its own SQLite connection) or by another session in between must
// show in the answer, and a message expunged elsewhere (still numbered here) must not be answered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailStore } from '../../../src/store/index.js';
import type { TestServer } from '../harness.js';
import { PLAIN, appendTo, fredIn, rawCommand, startWithMessages } from './fixtures.js';

let server: TestServer;
let elsewhere: MailStore;
beforeAll(async () => {
  server = await startWithMessages();
  await appendTo(server, 'user.fred', Array.from({ length: 20 }, () => ({ content: PLAIN })));
  elsewhere = MailStore.open({ config: server.config });
}, 60_000);
afterAll(async () => {
  elsewhere.close();
  await server.close();
});

function inOtherProcess(fn: (box: ReturnType<MailStore['openMailbox']>) => void): void {
  const box = elsewhere.openMailbox('user.fred');
  try {
    fn(box);
  } finally {
    box.close();
  }
}

/** The FLAGS of the FETCH responses that carry RFC822.SIZE (the sync's own flag updates left out), by UID. */
function answeredFlags(lines: string[]): Record<number, string> {
  const out: Record<number, string> = {};
  for (const l of lines) {
    const m = /FETCH \(UID (\d+) FLAGS \(([^)]*)\) RFC822\.SIZE/.exec(l);
    if (m) out[Number(m[1])] = m[2]!;
  }
  return out;
}

describe('FETCH between syncs', () => {
  it('answers flags changed by another process since the last sync', async () => {
    const c = await fredIn(server);
    try {
      await c.command('n1', 'NOOP');
      expect(answeredFlags(await c.command('a', 'UID FETCH 5:7 (UID FLAGS RFC822.SIZE)'))).toEqual({ 5: '\\Recent', 6: '\\Recent', 7: '\\Recent' });
      expect(answeredFlags(await c.command('b', 'UID FETCH 6 (UID FLAGS RFC822.SIZE)'))).toEqual({ 6: '\\Recent' });
      inOtherProcess((box) => box.setFlags([6], 'add', ['\\Flagged'], { userid: 'fred' }));
      expect(answeredFlags(await c.command('c', 'UID FETCH 5:7 (UID FLAGS RFC822.SIZE)'))).toEqual({ 5: '\\Recent', 6: '\\Flagged \\Recent', 7: '\\Recent' });
      await c.command('n2', 'NOOP');
      inOtherProcess((box) => box.setFlags([7], 'add', ['\\Answered'], { userid: 'fred' }));
      expect(answeredFlags(await c.command('d', 'UID FETCH 7 (UID FLAGS RFC822.SIZE)'))).toEqual({ 7: '\\Answered \\Recent' });
    } finally {
      c.close();
    }
  });

  it('answers flags changed by another session of this process since the last sync', async () => {
    const c = await fredIn(server);
    const other = await fredIn(server);
    try {
      await c.command('n1', 'NOOP');
      expect(answeredFlags(await c.command('a', 'UID FETCH 8 (UID FLAGS RFC822.SIZE)'))).toEqual({ 8: '' });
      await other.command('s', 'UID STORE 8 +FLAGS.SILENT (\\Draft)');
      expect(answeredFlags(await c.command('b', 'UID FETCH 8 (UID FLAGS RFC822.SIZE)'))).toEqual({ 8: '\\Draft' });
    } finally {
      c.close();
      other.close();
    }
  });

  it('answers flags changed by another process after this session\'s own write', async () => {
    const c = await fredIn(server);
    try {
      await c.command('s', 'UID STORE 9 +FLAGS.SILENT (\\Answered)');
      expect(answeredFlags(await c.command('a', 'UID FETCH 9 (UID FLAGS RFC822.SIZE)'))).toEqual({ 9: '\\Answered' });
      inOtherProcess((box) => box.setFlags([9], 'add', ['\\Flagged'], { userid: 'fred' }));
      expect(answeredFlags(await c.command('b', 'UID FETCH 9 (UID FLAGS RFC822.SIZE)'))).toEqual({ 9: '\\Answered \\Flagged' });
    } finally {
      c.close();
    }
  });

  it('answers ENVELOPE of a few messages from a kept range only for messages still there', async () => {
    const c = await fredIn(server);
    try {
      await c.command('n1', 'NOOP');
      const envelopes = (lines: string[]) => lines.filter((l) => l.includes('ENVELOPE ('));
      const first = envelopes(await c.command('a', 'UID FETCH 14:16 (UID ENVELOPE)'));
      expect(first).toHaveLength(3);
      expect(envelopes(await c.command('b', 'UID FETCH 14:16 (UID ENVELOPE)'))).toEqual(first);
      inOtherProcess((box) => box.expunge({ uids: [15], force: true }));
      await c.command('n2', 'NOOP');
      const after = envelopes(await c.command('c', 'UID FETCH 14:16 (UID ENVELOPE)'));
      expect(after.map((l) => /UID (\d+)/.exec(l)![1])).toEqual(['14', '16']);
      expect(after).toEqual([first[0]!, first[2]!.replace(/^\* \d+/, (m) => `* ${Number(m.slice(2)) - 1}`)]);
    } finally {
      c.close();
    }
  });

  it('does not answer the body of a message expunged by another process since the last sync', async () => {
    const c = await fredIn(server);
    try {
      await c.command('n1', 'NOOP');
      const whole = await rawCommand(c, 'a', 'UID FETCH 12 (BODY.PEEK[])');
      expect(whole).toContain(`BODY[] {${PLAIN.length}}`);
      inOtherProcess((box) => box.expunge({ uids: [12], force: true }));
      const seq = /^\* (\d+) FETCH/m.exec(whole)![1];
      const gone = await c.command('b', `FETCH ${seq} (BODY.PEEK[])`);
      expect(gone.filter((l) => l.includes('BODY[]'))).toEqual([]);
      expect(gone.at(-1)).toBe('b OK [EXPUNGEISSUED] Some of the requested messages no longer exist');
      expect(await c.command('n2', 'NOOP')).toContain(`* ${seq} EXPUNGE`);
    } finally {
      c.close();
    }
  });
});
