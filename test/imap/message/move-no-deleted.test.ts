import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAG_DELETED } from '../../../src/mailbox/index.js';
import type { TestServer } from '../harness.js';
import { fredIn, startWithMessages } from './fixtures.js';

let server: TestServer;
beforeAll(async () => {
  server = await startWithMessages();
}, 60_000);
afterAll(async () => {
  await server.close();
});

function highestModseq(name: string): number {
  const mailbox = server.imap.deps.store.openMailbox(name);
  try {
    return mailbox.status().highestModseq;
  } finally {
    mailbox.close();
  }
}

describe('MOVE leaves no \\Deleted window', () => {
  it('an idling session gets only EXPUNGEs, no commit ever shows the moved messages \\Deleted, one modseq', async () => {
    const store = server.imap.deps.store;
    // What any session (in this process or another) would read if it synced at each commit.
    const flaggedAtSomeCommit: number[] = [];
    const stop = store.onChange((name) => {
      if (name !== 'user.fred') return;
      const mailbox = store.openMailbox(name);
      try {
        const snap = mailbox.snapshot('fred');
        for (let i = 0; i < snap.count; i++) if ((snap.systemFlags[i]! & FLAG_DELETED) !== 0) flaggedAtSomeCommit.push(snap.uids[i]!);
      } finally {
        mailbox.close();
      }
    });
    const watcher = await fredIn(server);
    watcher.write('w IDLE\r\n');
    expect(await watcher.readLine()).toBe('+ idling');
    const mover = await fredIn(server);
    const before = highestModseq('user.fred');
    const move = await mover.command('m1', 'MOVE 2:3 Archive');
    expect(move[0]).toMatch(/^\* OK \[COPYUID \d+ 2:3 \d+:\d+\] Moved$/);
    expect(move.slice(1)).toEqual(['* 3 EXPUNGE', '* 2 EXPUNGE', 'm1 OK MOVE completed']);
    const pushed = await watcher.readUntil((l) => l === '* 2 EXPUNGE');
    watcher.write('DONE\r\n');
    pushed.push(...(await watcher.readUntil((l) => l.startsWith('w '))));
    stop();
    expect(pushed.at(-1)).toMatch(/^w OK/);
    expect(pushed.filter((l) => l.includes('\\Deleted'))).toEqual([]);
    expect(pushed.filter((l) => l.endsWith('EXPUNGE'))).toEqual(['* 3 EXPUNGE', '* 2 EXPUNGE']);
    expect(flaggedAtSomeCommit).toEqual([]);
    // One store step on the source: the expunge's modseq, no flag change before it.
    expect(highestModseq('user.fred')).toBe(before + 1);
    expect(await watcher.command('f', 'FETCH 1:* (FLAGS)')).toEqual(['* 1 FETCH (FLAGS (\\Seen \\Recent))', 'f OK FETCH completed']);
    const archive = await fredIn(server, 'EXAMINE Archive');
    expect((await archive.command('a', 'FETCH 1:* (FLAGS)')).slice(0, 2)).toEqual(['* 1 FETCH (FLAGS (\\Flagged $Important \\Recent))', '* 2 FETCH (FLAGS (\\Recent))']);
    archive.close();
    mover.close();
    watcher.close();
  });
});
