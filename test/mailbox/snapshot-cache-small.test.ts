/**
 * Small mailboxes' snapshot columns are kept per process too (src/mailbox/snapshot-cache.ts, apart
 * from the big ones, within a budget of records): a repeated SELECT of an unchanged 50-message
 * mailbox shares the columns read before, and every change, through this handle or another
 * store's, shows in the next snapshot.
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

const COUNT = 50;

async function smallMailbox(name: string): Promise<void> {
  store.createMailbox(name);
  const box = store.openMailbox(name);
  const items = [];
  for (let i = 1; i <= COUNT; i++) items.push({ content: message(`m${i}`), flags: i % 2 === 0 ? ['\\Seen'] : [] });
  await box.append(items, { userid: 'fred' });
  box.close();
}

describe('snapshot of a small mailbox', () => {
  it('shares the columns read before while the mailbox is unchanged', async () => {
    expect(COUNT).toBeLessThan(CACHE_FROM);
    await smallMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    try {
      const first = box.snapshot('fred');
      const second = box.snapshot('fred');
      expect(second.count).toBe(COUNT);
      expect(second.uids.buffer).toBe(first.uids.buffer);
      expect(second.internalDates.buffer).toBe(first.internalDates.buffer);
    } finally {
      box.close();
    }
  });

  it('follows flag changes, appends and expunges from this handle and from another store', async () => {
    await smallMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    const other = env.open().openMailbox('user.fred');
    expect(other).not.toBe(box);
    try {
      const first = box.snapshot('fred');
      expect([first.flags(0), first.flags(1)]).toEqual([[], ['\\Seen']]);
      box.setFlags([1], 'add', ['\\Flagged', '$Work'], { userid: 'fred' });
      let s = box.snapshot('fred');
      expect(s.flags(0)).toEqual(['\\Flagged', '$Work']);
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
      expect(Array.from(s.uids.subarray(0, 3))).toEqual([1, 2, 4]);
      // another user's \Seen on the same kept columns
      expect(box.snapshot('barney').isSeen(1)).toBe(false);
      expect(box.snapshot('fred').isSeen(1)).toBe(true);
      // what the first snapshot handed out did not change under its holder
      expect(first.count).toBe(COUNT);
      expect(first.flags(0)).toEqual([]);
      expect(first.uids[2]).toBe(3);
    } finally {
      other.close();
      box.close();
    }
  });

  it('keeps many small mailboxes apart', async () => {
    for (let k = 0; k < 3; k++) await smallMailbox(`user.fred.box${k}`);
    const boxes = [0, 1, 2].map((k) => store.openMailbox(`user.fred.box${k}`));
    try {
      const firsts = boxes.map((b) => b.snapshot('fred'));
      boxes[1]!.setFlags([5], 'add', ['\\Answered'], { userid: 'fred' });
      const again = boxes.map((b) => b.snapshot('fred'));
      expect(again[0]!.uids.buffer).toBe(firsts[0]!.uids.buffer);
      expect(again[2]!.uids.buffer).toBe(firsts[2]!.uids.buffer);
      expect(again[1]!.flags(4)).toEqual(['\\Answered']);
      expect(again[0]!.flags(4)).toEqual([]);
    } finally {
      for (const b of boxes) b.close();
    }
  });
});
