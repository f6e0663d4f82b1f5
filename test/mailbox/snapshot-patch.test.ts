/**
 * After a change, the next snapshot of a big mailbox patches the columns kept from the last one
 * with the records changed and expunged since (src/mailbox/snapshot-patch.ts) instead of reading
 * every record again; it reads everything again only when expunged records were forgotten past the
 * kept columns (deletedmodseq). Each patched snapshot must equal a full read.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Mailbox, MailboxSnapshot } from '../../src/mailbox/index.js';
import { CACHE_FROM, forgetColumns } from '../../src/mailbox/snapshot-cache.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('expunge_mode: immediate\nfsync_disabled: yes');
  store = env.open();
});
afterEach(() => env.cleanup());

const COUNT = CACHE_FROM + 10;

interface Internals {
  index: { file: string; stmts: { snapshotColumns: { get(...args: unknown[]): unknown } } };
}

function fullReads(box: Mailbox) {
  return vi.spyOn((box as unknown as Internals).index.stmts.snapshotColumns, 'get');
}

/** The snapshot as a full read gives it (the kept columns forgotten first). */
function fullSnapshot(box: Mailbox, userid: string): MailboxSnapshot {
  forgetColumns((box as unknown as Internals).index.file);
  return box.snapshot(userid);
}

function plain(s: MailboxSnapshot) {
  return {
    highestModseq: s.highestModseq, uidNext: s.uidNext, uids: Array.from(s.uids), modseqs: Array.from(s.modseqs),
    flags: Array.from(s.systemFlags), keywords: [...s.keywords], dates: Array.from(s.internalDates), sizes: Array.from(s.sizes),
  };
}

async function bigMailbox(): Promise<Mailbox> {
  store.createMailbox('user.fred');
  const box = store.openMailbox('user.fred');
  const items = [];
  for (let i = 1; i <= COUNT; i++) items.push({ content: message(`m${i}`), flags: i % 3 === 0 ? ['\\Seen', '$Later'] : [] });
  await box.append(items, { userid: 'fred' });
  return box;
}

describe('snapshot after a change', () => {
  it('patches the kept columns from changes made through another store', async () => {
    const box = await bigMailbox();
    const other = env.open().openMailbox('user.fred');
    try {
      box.snapshot('fred');
      const reads = fullReads(box);
      await other.append([{ content: message('late'), flags: ['$Work'] }], { userid: 'fred' });
      other.setFlags([2, 5], 'add', ['\\Flagged', '$Urgent'], { userid: 'fred' });
      other.setFlags([3], 'remove', ['$Later', '\\Seen'], { userid: 'fred' });
      other.setFlags([4, 7], 'add', ['\\Deleted'], { userid: 'fred' });
      other.expunge({ uids: [4] });
      const patched = box.snapshot('fred');
      expect(reads).not.toHaveBeenCalled();
      expect(patched.count).toBe(COUNT);
      expect(patched.indexOfUid(4)).toBe(-1);
      expect(patched.uids[COUNT - 1]).toBe(COUNT + 1);
      expect(patched.flags(patched.indexOfUid(5))).toEqual(['\\Flagged', '$Urgent']);
      expect(patched.flags(patched.indexOfUid(3))).toEqual([]);
      expect(patched.flags(COUNT - 1)).toEqual(['$Work']);
      // and another one on top of the patched columns
      other.expunge({ uids: [7] });
      const again = box.snapshot('fred');
      expect(reads).not.toHaveBeenCalled();
      expect(again.count).toBe(COUNT - 1);
      expect(plain(again)).toEqual(plain(fullSnapshot(box, 'fred')));
      expect(reads).toHaveBeenCalledTimes(1);
    } finally {
      other.close();
      box.close();
    }
  });

  it('reads everything again once expunged records were forgotten past the kept columns', async () => {
    const box = await bigMailbox();
    try {
      box.setFlags([10], 'add', ['\\Deleted'], { userid: 'fred' });
      box.snapshot('fred');
      box.expunge({ uids: [10] });
      expect(box.pruneExpunged(0)).toEqual([10]);
      const reads = fullReads(box);
      const s = box.snapshot('fred');
      expect(reads).toHaveBeenCalledTimes(1);
      expect(s.indexOfUid(10)).toBe(-1);
      expect(s.count).toBe(COUNT - 1);
    } finally {
      box.close();
    }
  });
});
