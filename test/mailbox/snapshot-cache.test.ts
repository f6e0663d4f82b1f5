/**
 * Snapshots of big mailboxes reuse the index columns read last time (src/mailbox/snapshot-cache.ts)
 * while the mailbox row is unchanged: every change, through this handle or another connection,
 * must show in the next snapshot, and each user's \Seen is applied per snapshot. "Another
 * connection" is a second MailStore on the same directory: its own mailbox handle and its own
 * SQLite connection, so nothing this handle holds in memory learns of the change.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CACHE_FROM } from '../../src/mailbox/snapshot-cache.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('expunge_mode: immediate\nfsync_disabled: yes');
  store = env.open();
});
afterEach(() => env.cleanup());

/** The mailbox opened through a second store (as another imapd process would): a separate handle. */
function openElsewhere(name: string): ReturnType<MailStore['openMailbox']> {
  return env.open().openMailbox(name);
}

const COUNT = CACHE_FROM + 10;

/** `userid`'s \Seen on even messages: the owner fred's in the records, another user's in seen.db. */
async function bigMailbox(userid = 'fred'): Promise<void> {
  store.createMailbox('user.fred');
  const box = store.openMailbox('user.fred');
  const items = [];
  for (let i = 1; i <= COUNT; i++) items.push({ content: message(`m${i}`), flags: i % 2 === 0 ? ['\\Seen'] : [] });
  await box.append(items, { userid });
  box.close();
}

describe('snapshot of a big mailbox', () => {
  it('follows flag changes, appends and expunges from this handle and from another store', async () => {
    await bigMailbox();
    const box = store.openMailbox('user.fred');
    const other = openElsewhere('user.fred');
    expect(other).not.toBe(box);
    try {
      const first = box.snapshot('fred');
      expect(first.count).toBe(COUNT);
      expect(first.flags(0)).toEqual([]);
      expect(first.flags(1)).toEqual(['\\Seen']);
      // a caller changing its copy does not change the next snapshot
      first.systemFlags[0] = 0xff;
      expect(box.snapshot('fred').flags(0)).toEqual([]);

      box.setFlags([1], 'add', ['\\Flagged', '$Work'], { userid: 'fred' });
      let s = box.snapshot('fred');
      expect(s.flags(0)).toEqual(['\\Flagged', '$Work']);
      expect(s.highestModseq).toBeGreaterThan(first.highestModseq);

      other.setFlags([3], 'add', ['\\Deleted'], { userid: 'fred' });
      s = box.snapshot('fred');
      expect(s.flags(2)).toEqual(['\\Deleted']);

      await other.append([{ content: message('late') }], { userid: 'fred' });
      s = box.snapshot('fred');
      expect(s.count).toBe(COUNT + 1);
      expect(s.uids[COUNT]).toBe(COUNT + 1);

      expect(other.expunge({ uids: [3] })).toEqual([3]);
      s = box.snapshot('fred');
      expect(s.count).toBe(COUNT);
      expect(s.indexOfUid(3)).toBe(-1);
      expect(Array.from(s.uids.subarray(0, 3))).toEqual([1, 2, 4]);
    } finally {
      other.close();
      box.close();
    }
  });

  it("applies each user's \\Seen to the same columns", async () => {
    await bigMailbox();
    const box = store.openMailbox('user.fred');
    try {
      const fred = box.snapshot('fred');
      const nobody = box.snapshot('barney');
      expect(fred.isSeen(1)).toBe(true);
      expect(nobody.isSeen(1)).toBe(false);
      box.setFlags([1], 'add', ['\\Seen'], { userid: 'barney' });
      expect(box.snapshot('barney').isSeen(0)).toBe(true);
      expect(box.snapshot('fred').isSeen(0)).toBe(false);
    } finally {
      box.close();
    }
  });

  // wilma's \Seen (many ranges) is in seen.db; the owner fred's would be the row's counters.
  it('gives STATUS counts from the columns that agree with the index, for many seen ranges', async () => {
    await bigMailbox('wilma');
    const box = store.openMailbox('user.fred');
    const other = openElsewhere('user.fred');
    expect(other).not.toBe(box);
    try {
      const sizes = box.records([3, 4]).map((r) => r.size);
      const unseen = Math.ceil(COUNT / 2);
      // before any snapshot: counts from SQL
      const first = box.status('wilma');
      const expectedSize = first.size;
      expect(first).toMatchObject({ messages: COUNT, unseen });
      expect(expectedSize).toBeGreaterThan(COUNT * message('m1').length);
      box.snapshot('wilma');
      expect(box.status('wilma')).toMatchObject({ messages: COUNT, unseen, size: expectedSize });
      expect(box.status('barney')).toMatchObject({ messages: COUNT, unseen: COUNT });
      box.setFlags([1], 'add', ['\\Seen'], { userid: 'wilma' });
      expect(box.status('wilma').unseen).toBe(unseen - 1);
      expect(other.expunge({ uids: [3, 4], force: true })).toEqual([3, 4]);
      const after = box.status('wilma');
      expect(after).toMatchObject({ messages: COUNT - 2, unseen: unseen - 2, size: expectedSize - sizes[0]! - sizes[1]! });
      expect(after.recent).toBe(other.status('wilma').recent);
    } finally {
      other.close();
      box.close();
    }
  });

  // The user's \Seen merged into the kept columns is kept too (mailbox.ts withSeen), and carried
  // through a patch (snapshot-patch.ts): only while that user's seen ranges are unchanged.
  // The owner's \Seen is the records' bit (no merge): the same answers.
  it.each(['barney', 'fred'])("keeps %s's merged \\Seen only while the seen state is the same, across patches, whoever changes it", async (who) => {
    await bigMailbox(who);
    const box = store.openMailbox('user.fred');
    const other = openElsewhere('user.fred');
    try {
      let s = box.snapshot(who);
      expect([s.isSeen(0), s.isSeen(1), s.isSeen(2)]).toEqual([false, true, false]);
      // an append elsewhere without \Seen: patched columns, the merged \Seen patched along
      await other.append([{ content: message('late') }], { userid: who });
      s = box.snapshot(who);
      expect(s.count).toBe(COUNT + 1);
      expect([s.isSeen(0), s.isSeen(1), s.isSeen(COUNT)]).toEqual([false, true, false]);
      // \Seen set and cleared by another process (its own seen.db connection)
      other.setFlags([1], 'add', ['\\Seen'], { userid: who });
      other.setFlags([2], 'remove', ['\\Seen'], { userid: who });
      s = box.snapshot(who);
      expect([s.isSeen(0), s.isSeen(1), s.isSeen(3)]).toEqual([true, false, true]);
      // an append with \Seen: new seen ranges and a patch at once
      await other.append([{ content: message('later'), flags: ['\\Seen'] }], { userid: who });
      s = box.snapshot(who);
      expect([s.isSeen(0), s.isSeen(1), s.isSeen(COUNT), s.isSeen(COUNT + 1)]).toEqual([true, false, false, true]);
      // another user's snapshot of the same columns: none of theirs
      expect(box.snapshot('anne').isSeen(0)).toBe(false);
      expect(box.snapshot(who).isSeen(0)).toBe(true);
    } finally {
      other.close();
      box.close();
    }
  });
});
