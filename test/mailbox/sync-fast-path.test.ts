/**
 * The sync after every IMAP command (Mailbox.changesSince): when highestmodseq has not moved it
 * answers from the mailbox row alone, without the changes query and without reading the user's
 * seen state; when it has, the changes query uses the modseq index and a change made through
 * another store (another process) is still seen. After a write of its own that followed its last
 * look with no other commit in between, it answers from the records the write made, without
 * reading them back; a commit of another connection before or after that write is still seen.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Mailbox, MailboxSnapshot } from '../../src/mailbox/index.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('expunge_mode: immediate\nfsync_disabled: yes');
  store = env.open();
});
afterEach(() => env.cleanup());

interface Statement {
  all(...args: unknown[]): unknown[];
  source: string;
}

/** The prepared changes query of a mailbox handle. */
function changesQuery(box: Mailbox): Statement {
  return (box as unknown as { index: { stmts: { changedSince: Statement } } }).index.stmts.changedSince;
}

async function filled(): Promise<Mailbox> {
  store.createMailbox('user.fred');
  const box = store.openMailbox('user.fred');
  await box.append([1, 2, 3].map((i) => ({ content: message(`m${i}`), flags: i === 2 ? ['\\Seen'] : [] })), { userid: 'fred' });
  return box;
}

describe('changesSince', () => {
  it('reads neither the records nor the seen state when nothing changed', async () => {
    const box = await filled();
    try {
      const known = box.status().highestModseq;
      const query = vi.spyOn(changesQuery(box), 'all');
      const seen = vi.spyOn(store.seen, 'seen');
      const changes = box.changesSince(known, 'fred');
      expect(changes).toEqual({ highestModseq: known, uidNext: 4, records: [], expunged: [] });
      expect(query).not.toHaveBeenCalled();
      expect(seen).not.toHaveBeenCalled();
    } finally {
      box.close();
    }
  });

  it('reads no row while no connection committed since its last look, and sees the next commit of either', async () => {
    const box = await filled();
    const other = env.open().openMailbox('user.fred');
    try {
      const known = box.status().highestModseq;
      box.changesSince(known, 'fred');
      const index = (box as unknown as { index: { mailbox: () => unknown } }).index;
      const rowRead = vi.spyOn(index, 'mailbox');
      expect(box.changesSince(known, 'fred')).toEqual({ highestModseq: known, uidNext: 4, records: [], expunged: [] });
      expect(rowRead).not.toHaveBeenCalled();

      // Another connection's commit moves data_version.
      other.setFlags([3], 'add', ['\\Flagged'], { userid: 'fred' });
      const afterOther = box.changesSince(known, 'fred');
      expect(afterOther.records.map((r) => r.uid)).toEqual([3]);
      expect(box.changesSince(afterOther.highestModseq, 'fred').records).toEqual([]);

      // This connection's own write moves total_changes.
      box.setFlags([1], 'add', ['\\Answered'], { userid: 'fred' });
      const afterOwn = box.changesSince(afterOther.highestModseq, 'fred');
      expect(afterOwn.records.map((r) => r.uid)).toEqual([1]);
      expect(afterOwn.highestModseq).toBe(afterOther.highestModseq + 1);
    } finally {
      other.close();
      box.close();
    }
  });

  it('still sees a change made through another store, through the modseq index', async () => {
    const box = await filled();
    const other = env.open().openMailbox('user.fred');
    try {
      const known = box.status().highestModseq;
      other.setFlags([3], 'add', ['\\Flagged'], { userid: 'fred' });
      other.setFlags([1], 'add', ['\\Seen'], { userid: 'fred' });
      const query = vi.spyOn(changesQuery(box), 'all');
      const changes = box.changesSince(known, 'fred');
      expect(query).toHaveBeenCalledTimes(1);
      expect(changes.records.map((r) => [r.uid, r.flags])).toEqual([[1, ['\\Seen']], [3, ['\\Flagged']]]);
      expect(changes.highestModseq).toBe(known + 2);
      expect(changesQuery(box).source).toMatch(/INDEXED BY messages_modseq/);

      await other.append([{ content: message('late') }], { userid: 'fred' });
      expect(other.expunge({ uids: [3], force: true })).toEqual([3]);
      const later = box.changesSince(changes.highestModseq, 'fred');
      expect(later.records.map((r) => r.uid)).toEqual([4]);
      expect(later.expunged).toEqual([3]);
      expect(later.uidNext).toBe(5);
    } finally {
      other.close();
      box.close();
    }
  });

  it('gets no change from a REPLACE naming the same keywords in another order', async () => {
    const box = await filled();
    try {
      box.setFlags([1], 'add', ['$Label1', 'Work'], { userid: 'fred' });
      const known = box.status().highestModseq;
      const result = box.setFlags([1], 'replace', ['work', '$Label1'], { userid: 'fred' });
      expect(result.changed).toEqual([]);
      expect(box.changesSince(known, 'fred').records).toEqual([]);
    } finally {
      box.close();
    }
  });
});

describe('changesSince after a write of the same handle', () => {
  /** changesSince of `box`, and the same asked of a fresh handle of another store, which reads the index. */
  function bothAnswers(box: Mailbox, modseq: number, userid: string): { own: unknown; fresh: unknown } {
    const fresh = env.open().openMailbox('user.fred');
    try {
      return { own: box.changesSince(modseq, userid), fresh: fresh.changesSince(modseq, userid) };
    } finally {
      fresh.close();
    }
  }

  it('answers from what the write made: append, flag change and expunge, for the owner and another user', async () => {
    const box = await filled();
    try {
      let known = box.changesSince(0, 'fred').highestModseq;
      const query = vi.spyOn(changesQuery(box), 'all');

      await box.append([{ content: message('m4'), flags: ['\\Seen', '$Work'] }, { content: message('m5') }], { userid: 'fred' });
      let { own, fresh } = bothAnswers(box, known, 'fred');
      expect(own).toEqual(fresh);
      expect((own as { records: unknown[] }).records).toHaveLength(2);
      expect(bothAnswers(box, known, 'barney').own).toEqual(bothAnswers(box, known, 'barney').fresh);
      known = box.status().highestModseq;

      box.setFlags([5, 2], 'add', ['\\Flagged', '\\Seen'], { userid: 'fred' });
      ({ own, fresh } = bothAnswers(box, known, 'fred'));
      expect(own).toEqual(fresh);
      expect((own as { records: Array<{ uid: number }> }).records.map((r) => r.uid)).toEqual([2, 5]);
      known = box.status().highestModseq;

      box.setFlags([1, 4], 'add', ['\\Deleted'], { userid: 'fred' });
      known = box.changesSince(known, 'fred').highestModseq;
      expect(box.expunge()).toEqual([1, 4]);
      ({ own, fresh } = bothAnswers(box, known, 'fred'));
      expect(own).toEqual(fresh);
      expect((own as { expunged: number[] }).expunged).toEqual([1, 4]);
      expect(query).not.toHaveBeenCalled();
    } finally {
      box.close();
    }
  });

  it('answers from a run of its writes a session missed several of, each session as far as it is behind', async () => {
    const box = await filled();
    try {
      const start = box.changesSince(0, 'fred').highestModseq;
      const query = vi.spyOn(changesQuery(box), 'all');
      // Writes of the handle one after another (the sessions of one user in one process), nobody syncing in between.
      box.setFlags([1], 'add', ['\\Flagged'], { userid: 'fred' });
      const afterFirst = box.status().highestModseq;
      await box.append([{ content: message('m4') }, { content: message('m5'), flags: ['\\Seen'] }], { userid: 'fred' });
      box.setFlags([1, 4], 'add', ['\\Answered'], { userid: 'fred' });
      box.setFlags([2, 5], 'add', ['\\Deleted'], { userid: 'fred' });
      const beforeExpunge = box.status().highestModseq;
      expect(box.expunge()).toEqual([2, 5]);
      box.setFlags([3], 'add', ['$Work'], { userid: 'fred' });
      box.setFlags([4], 'remove', ['\\Answered'], { userid: 'fred' });
      // A session that saw none of them, one that saw the first, one that saw all but the expunge and after.
      for (const known of [start, afterFirst, beforeExpunge]) {
        for (const userid of ['fred', 'barney']) {
          const { own, fresh } = bothAnswers(box, known, userid);
          expect(own).toEqual(fresh);
        }
      }
      const all = box.changesSince(start, 'fred');
      expect(all.records.map((r) => [r.uid, r.flags])).toEqual([[1, ['\\Answered', '\\Flagged']], [3, ['$Work']], [4, []]]);
      expect(all.expunged).toEqual([2, 5]);
      expect(box.changesSince(beforeExpunge, 'fred').records.map((r) => r.uid)).toEqual([3, 4]);
      expect(query).not.toHaveBeenCalled();
    } finally {
      box.close();
    }
  });

  it('keeps the run of its writes across a read by a session further behind, and ends it at another connection\'s commit', async () => {
    const box = await filled();
    const other = env.open().openMailbox('user.fred');
    try {
      const start = box.changesSince(0, 'fred').highestModseq;
      box.setFlags([1], 'add', ['\\Flagged'], { userid: 'fred' });
      const afterFirst = box.status().highestModseq;
      box.setFlags([2], 'add', ['\\Flagged'], { userid: 'fred' });
      const query = vi.spyOn(changesQuery(box), 'all');
      // Behind the run (modseq before the mailbox was filled): reads the index ...
      expect(box.changesSince(0, 'fred').records.map((r) => r.uid)).toEqual([1, 2, 3]);
      expect(query).toHaveBeenCalledTimes(1);
      // ... which leaves the run to the sessions inside it.
      expect(box.changesSince(start, 'fred').records.map((r) => r.uid)).toEqual([1, 2]);
      expect(box.changesSince(afterFirst, 'fred').records.map((r) => r.uid)).toEqual([2]);
      expect(query).toHaveBeenCalledTimes(1);
      // Another connection's commit: the next write starts no run on top of it; the index is read.
      other.setFlags([3], 'add', ['\\Answered'], { userid: 'fred' });
      box.setFlags([1], 'add', ['\\Seen'], { userid: 'fred' });
      const { own, fresh } = bothAnswers(box, afterFirst, 'fred');
      expect(own).toEqual(fresh);
      expect((own as { records: Array<{ uid: number }> }).records.map((r) => r.uid)).toEqual([1, 2, 3]);
      expect(query).toHaveBeenCalledTimes(2);
    } finally {
      other.close();
      box.close();
    }
  });

  it('reads the index when another connection committed before or after the write', async () => {
    const box = await filled();
    const other = env.open().openMailbox('user.fred');
    try {
      let known = box.changesSince(0, 'fred').highestModseq;
      const query = vi.spyOn(changesQuery(box), 'all');
      // Before: the write does not follow the last look.
      other.setFlags([3], 'add', ['\\Flagged'], { userid: 'fred' });
      box.setFlags([1], 'add', ['\\Answered'], { userid: 'fred' });
      let changes = box.changesSince(known, 'fred');
      expect(changes.records.map((r) => [r.uid, r.flags])).toEqual([[1, ['\\Answered']], [3, ['\\Flagged']]]);
      expect(query).toHaveBeenCalledTimes(1);
      known = changes.highestModseq;

      // After: the write followed the look, but another commit came after it.
      box.setFlags([2], 'add', ['\\Answered'], { userid: 'fred' });
      await other.append([{ content: message('late') }], { userid: 'fred' });
      changes = box.changesSince(known, 'fred');
      expect(changes.records.map((r) => r.uid)).toEqual([2, 4]);
      expect(changes.uidNext).toBe(5);
      expect(query).toHaveBeenCalledTimes(2);

      // A session that missed an earlier change reads it too.
      box.setFlags([3], 'remove', ['\\Flagged'], { userid: 'fred' });
      expect(box.changesSince(known, 'fred').records.map((r) => r.uid)).toEqual([2, 3, 4]);
      expect(query).toHaveBeenCalledTimes(3);
    } finally {
      other.close();
      box.close();
    }
  });
});

describe('changesSince under commits of another connection', () => {
  /** Where each read of PRAGMA data_version of `box`'s index ran: true inside a transaction. */
  function watchMarks(box: Mailbox): boolean[] {
    const db = (box as unknown as { index: { db: { inTransaction: boolean; prepare(sql: string): object } } }).index.db;
    const proto = Object.getPrototypeOf(db.prepare('SELECT 1')) as { get(...args: unknown[]): unknown };
    const where: boolean[] = [];
    const original = proto.get;
    vi.spyOn(proto, 'get').mockImplementation(function (this: { source: string; database: unknown }, ...args: unknown[]) {
      if (this.database === db && this.source === 'PRAGMA data_version') where.push(db.inTransaction);
      return original.apply(this, args);
    });
    return where;
  }

  it('reads the marks inside its read transaction after a look found them moved, and outside again once quiet', async () => {
    const box = await filled();
    const other = env.open().openMailbox('user.fred');
    try {
      let known = box.changesSince(0, 'fred').highestModseq;
      const where = watchMarks(box);
      // The last look found the marks still: a look before the transaction.
      other.setFlags([3], 'add', ['\\Flagged'], { userid: 'fred' });
      let changes = box.changesSince(known, 'fred');
      expect(changes.records.map((r) => r.uid)).toEqual([3]);
      expect(where.splice(0)).toEqual([false]);
      known = changes.highestModseq;

      // They had moved: read in the transaction only, and every commit is still seen.
      other.setFlags([1], 'add', ['\\Flagged'], { userid: 'fred' });
      changes = box.changesSince(known, 'fred');
      expect(changes.records.map((r) => r.uid)).toEqual([1]);
      expect(where.splice(0)).toEqual([true]);
      known = changes.highestModseq;

      // Nothing committed since: the transaction finds them still ...
      expect(box.changesSince(known, 'fred').records).toEqual([]);
      expect(where.splice(0)).toEqual([true]);
      // ... and the next look needs no transaction.
      const index = (box as unknown as { index: { mailbox: () => unknown } }).index;
      const rowRead = vi.spyOn(index, 'mailbox');
      expect(box.changesSince(known, 'fred')).toEqual({ highestModseq: known, uidNext: 4, records: [], expunged: [] });
      expect(where.splice(0)).toEqual([false]);
      expect(rowRead).not.toHaveBeenCalled();
    } finally {
      other.close();
      box.close();
    }
  });

  it('skips the looks of later quiet checks and before its transaction once a quiet check found the marks moved', async () => {
    const box = await filled();
    const other = env.open().openMailbox('user.fred');
    try {
      const known = box.changesSince(0, 'fred').highestModseq;
      const where = watchMarks(box);
      await other.append([{ content: message('late') }], { userid: 'fred' });
      expect(box.quietSnapshot('fred', known)).toBeNull();
      // Found moved once: a second quiet check does not look again.
      expect(box.quietSnapshot('fred', known)).toBeNull();
      expect(where.splice(0)).toEqual([false]);
      const changes = box.changesSince(known, 'fred');
      expect(changes.records.map((r) => r.uid)).toEqual([4]);
      expect(where.splice(0)).toEqual([true]);
    } finally {
      other.close();
      box.close();
    }
  });
});

describe('quietSnapshot after writes of the same handle', () => {
  /** What a snapshot says of each message, comparable with toEqual. */
  function contents(s: MailboxSnapshot): unknown {
    const out: unknown[] = [s.uidNext, s.highestModseq];
    for (let p = 0; p < s.count; p++) out.push([s.uids[p], s.modseqs[p], s.flags(p), s.internalDates[p], s.sizes[p]]);
    return out;
  }

  it('patches the kept columns from the writes, reading no changes, as a fresh handle reads the index', async () => {
    const box = await filled();
    try {
      // Enough messages for a patch (a few changes among many).
      await box.append(Array.from({ length: 20 }, (_, i) => ({ content: message(`more${i}`) })), { userid: 'fred' });
      box.snapshot('fred');
      let known = box.changesSince(0, 'fred').highestModseq;
      const query = vi.spyOn(changesQuery(box), 'all');
      box.setFlags([1], 'add', ['\\Flagged', '$Work'], { userid: 'fred' });
      await box.append([{ content: message('m4'), flags: ['\\Seen'] }], { userid: 'fred' });
      box.setFlags([2], 'add', ['\\Deleted'], { userid: 'fred' });
      expect(box.expunge()).toEqual([2]);
      // A session whose view is behind those writes (it syncs after its command) gets the index as it is.
      const behind = box.quietSnapshot('fred', known);
      expect(behind).not.toBeNull();
      expect(behind!.highestModseq).toBe(known + 4);
      for (const userid of ['fred', 'barney']) {
        known = box.changesSince(known, userid).highestModseq;
        const quiet = box.quietSnapshot(userid, known);
        expect(quiet).not.toBeNull();
        const fresh = env.open().openMailbox('user.fred');
        try {
          expect(contents(quiet!)).toEqual(contents(fresh.snapshot(userid)));
        } finally {
          fresh.close();
        }
      }
      const quiet = contents(box.quietSnapshot('fred', known)!) as unknown[];
      expect(contents(behind!)).toEqual(quiet);
      expect(quiet.slice(0, 5)).toEqual([25, known, [1, known - 3, ['\\Flagged', '$Work'], expect.any(Number), expect.any(Number)],
        [3, expect.any(Number), [], expect.any(Number), expect.any(Number)], [4, expect.any(Number), [], expect.any(Number), expect.any(Number)]]);
      expect(quiet.at(-1)).toEqual([24, known - 2, ['\\Seen'], expect.any(Number), expect.any(Number)]);
      expect(query).not.toHaveBeenCalled();
    } finally {
      box.close();
    }
  });

  it('does not patch from the writes after another connection committed', async () => {
    const box = await filled();
    const other = env.open().openMailbox('user.fred');
    try {
      box.snapshot('fred');
      const known = box.changesSince(0, 'fred').highestModseq;
      box.setFlags([1], 'add', ['\\Flagged'], { userid: 'fred' });
      other.setFlags([3], 'add', ['\\Answered'], { userid: 'fred' });
      expect(box.quietSnapshot('fred', known + 1)).toBeNull();
      const synced = box.changesSince(known, 'fred');
      expect(synced.records.map((r) => r.uid)).toEqual([1, 3]);
      expect(box.snapshot('fred').flags(2)).toEqual(['\\Answered']);
    } finally {
      other.close();
      box.close();
    }
  });
});
