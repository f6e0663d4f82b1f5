/**
 * The columns of a big mailbox read in slices before a SELECT (src/mailbox/snapshot-load.ts): the
 * next snapshot must equal one read at once, also when the mailbox changed between two slices
 * (flags, keywords, appends and expunges, through another store as another process would).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { INDEX_FILE } from '../../src/mailbox/files.js';
import { parseUidRanges, parseUidRangesInSlices, type MailboxSnapshot } from '../../src/mailbox/index.js';
import { forgetColumns } from '../../src/mailbox/snapshot-cache.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('expunge_mode: immediate\nfsync_disabled: yes');
  store = env.open();
});
afterEach(() => env.cleanup());

/** More records than the first block, so the load takes two slices at least. */
const COUNT = 5000;

/** `userid`'s \Seen on every third message: the owner fred's in the records, another user's in seen.db. */
async function bigMailbox(userid = 'fred'): Promise<void> {
  store.createMailbox('user.fred');
  const box = store.openMailbox('user.fred');
  const items = [];
  for (let i = 1; i <= COUNT; i++) items.push({ content: message(`m${i}`), flags: i % 3 === 0 ? ['\\Seen'] : i % 101 === 0 ? ['$Work'] : [] });
  await box.append(items, { userid });
  box.close();
}

function plain(s: MailboxSnapshot) {
  return {
    uidNext: s.uidNext,
    highestModseq: s.highestModseq,
    uids: Array.from(s.uids),
    modseqs: Array.from(s.modseqs),
    flags: Array.from(s.uids, (_, i) => s.flags(i)),
    dates: Array.from(s.internalDates),
    sizes: Array.from(s.sizes),
  };
}

/** A spy on every statement's get() (all databases' statements share one prototype): each block read is one get() of the group_concat statement. */
function spyOnStatementGet() {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as { get(...args: unknown[]): unknown };
  probe.close();
  return vi.spyOn(proto, 'get');
}

describe('snapshot columns read in slices', () => {
  it('give the same snapshot as one read, with changes made between the slices', async () => {
    await bigMailbox();
    const box = store.openMailbox('user.fred');
    const other = env.open().openMailbox('user.fred');
    try {
      const loading = box.prepareSnapshot();
      // The first block is read on a later turn; these changes land before it or between blocks.
      other.setFlags([7, 4900], 'add', ['\\Flagged', '$Later'], { userid: 'fred' });
      other.setFlags([9, 4950], 'add', ['\\Deleted'], { userid: 'fred' });
      other.expunge({ uids: [9, 4950] });
      await other.append([{ content: message('late'), flags: ['$Work'] }], { userid: 'fred' });
      await loading;
      const sliced = plain(box.snapshot('fred'));
      forgetColumns(join(box.path, INDEX_FILE));
      const whole = plain(box.snapshot('fred'));
      expect(sliced).toEqual(whole);
      expect(whole.uids).toHaveLength(COUNT - 1);
      expect(whole.uids).not.toContain(9);
      expect(whole.flags[whole.uids.indexOf(4900)]).toEqual(expect.arrayContaining(['\\Flagged', '$Later']));
    } finally {
      other.close();
      box.close();
    }
  });

  it('read no record in the turn that asks for them: other sessions run before the first block', async () => {
    await bigMailbox();
    const box = store.openMailbox('user.fred');
    const get = spyOnStatementGet();
    const blocks = () => get.mock.contexts.filter((st) => (st as { source: string }).source.includes('group_concat(uid)')).length;
    try {
      const loading = box.prepareSnapshot();
      // SELECT's own turn (name, rights, opening the index) ends here: no record read in it.
      expect(blocks()).toBe(0);
      const others: number[] = [];
      setImmediate(() => others.push(blocks()));
      await loading;
      expect(others).toEqual([0]);
      expect(blocks()).toBeGreaterThan(1);
      expect(box.snapshot('fred').count).toBe(COUNT);
    } finally {
      get.mockRestore();
      box.close();
    }
  });

  it('read at most 2000 records per block however fast the last block was (one turn each)', async () => {
    await bigMailbox();
    const box = store.openMailbox('user.fred');
    const get = spyOnStatementGet();
    // A clock that never moves: every block looks instant, and the next one is sized to its most.
    const { performance } = await import('node:perf_hooks');
    const now = vi.spyOn(performance, 'now').mockReturnValue(1000);
    try {
      await box.prepareSnapshot();
      const limits = get.mock.calls.filter((_, k) => (get.mock.contexts[k] as { source: string }).source.includes('group_concat(uid)')).map((args) => args[1] as number);
      expect(limits.length).toBeGreaterThan(2);
      expect(Math.max(...limits)).toBe(2000);
      expect(box.snapshot('fred').count).toBe(COUNT);
    } finally {
      now.mockRestore();
      get.mockRestore();
      box.close();
    }
  });

  it('copy the blocks into one set of columns in slices too (a turn for the others between copies)', async () => {
    await bigMailbox();
    const box = store.openMailbox('user.fred');
    const get = spyOnStatementGet();
    // A clock 10 ms further at each look: every slice is used up at once.
    const { performance } = await import('node:perf_hooks');
    let clock = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => (clock += 10));
    // Turns given (giveTurn: two immediates each), in one call order with the blocks' reads.
    const immediate = vi.spyOn(globalThis, 'setImmediate');
    try {
      await box.prepareSnapshot();
      const reads = get.mock.invocationCallOrder.filter((_, k) => (get.mock.contexts[k] as { source: string }).source.includes('group_concat(uid)'));
      expect(reads.length).toBeGreaterThan(2);
      const afterLast = immediate.mock.invocationCallOrder.filter((order) => order > Math.max(...reads)).length;
      // Before: the last block's pause and prepareColumns' own turn (4 immediates), the copy of every block in one turn.
      expect(afterLast).toBeGreaterThanOrEqual(4 + 2 * (reads.length - 1));
      expect(box.snapshot('fred').count).toBe(COUNT);
    } finally {
      immediate.mockRestore();
      now.mockRestore();
      get.mockRestore();
      box.close();
    }
  });

  it('are kept, so that the snapshot after them reads nothing again', async () => {
    await bigMailbox();
    const box = store.openMailbox('user.fred');
    try {
      await box.prepareSnapshot();
      const first = box.snapshot('fred');
      const second = box.snapshot('fred');
      // the same kept columns under both (a fresh read would give new arrays)
      expect(second.uids).toBe(first.uids);
      expect(first.count).toBe(COUNT);
    } finally {
      box.close();
    }
  });
});

describe("another user's \\Seen (seen.db) read and merged in slices before the snapshot", () => {
  it('gives the same flags as a snapshot made at once, also when \\Seen changes meanwhile', async () => {
    await bigMailbox('joe');
    const box = store.openMailbox('user.fred');
    const other = env.open().openMailbox('user.fred');
    try {
      await box.prepareSnapshot();
      const loading = box.prepareSnapshot('joe');
      // After the seen row was read: the merge made from it must not be taken for the new ranges.
      other.setFlags([1, 2, 4999], 'add', ['\\Seen'], { userid: 'joe' });
      other.setFlags([3, 4998], 'remove', ['\\Seen'], { userid: 'joe' });
      await loading;
      const prepared = plain(box.snapshot('joe'));
      forgetColumns(join(box.path, INDEX_FILE));
      const whole = plain(box.snapshot('joe'));
      expect(prepared).toEqual(whole);
      const seenAt = (uid: number) => whole.flags[whole.uids.indexOf(uid)]!.includes('\\Seen');
      expect([1, 2, 3, 6, 4998, 4999, 5000].map(seenAt)).toEqual([true, true, false, true, false, true, false]);
    } finally {
      other.close();
      box.close();
    }
  });

  it('parses a big seen row a piece at a time into the ranges a parse at once gives', async () => {
    // Every third UID of 60,000: about 150 KB of text, so several pieces; one set out of order too.
    const ordered = Array.from({ length: 20_000 }, (_, i) => (i % 7 === 0 ? `${3 * i + 1}:${3 * i + 2}` : `${3 * i + 1}`)).join(',');
    const unordered = `${ordered},5:9,59990:60010`;
    for (const text of [ordered, unordered]) {
      let pauses = 0;
      const sliced = await parseUidRangesInSlices(text, async () => void pauses++);
      expect(sliced).toEqual(parseUidRanges(text));
      expect(pauses).toBeGreaterThan(2);
    }
  });
});
