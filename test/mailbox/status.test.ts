import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, withIndexFile, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('expunge_mode: immediate');
  store = env.open();
});
afterEach(() => env.cleanup());

describe('status counts \\Deleted', () => {
  it('only when asked, following flag changes and expunges', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append([1, 2, 3, 4, 5].map((i) => ({ content: message(`m${i}`), flags: i <= 2 ? ['\\Deleted'] : [] })));
    expect(box.status().deleted).toBeNull();
    expect(box.status('fred', { deleted: true })).toMatchObject({ messages: 5, deleted: 2, unseen: 5 });
    box.setFlags([3, 4], 'add', ['\\Deleted', '\\Seen'], { userid: 'fred' });
    box.setFlags([1], 'remove', ['\\Deleted']);
    expect(box.status('fred', { deleted: true })).toMatchObject({ deleted: 3, unseen: 3 });
    box.setFlags([5], 'replace', ['\\Flagged']);
    expect(box.status(null, { deleted: true }).deleted).toBe(3);
    expect(box.expunge({ uids: [2] })).toEqual([2]);
    expect(box.status(null, { deleted: true })).toMatchObject({ messages: 4, deleted: 2 });
    box.close();
  });

  it('counts through the partial index, added on open to an index made before it', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    const dir = box.path;
    await box.append([{ content: message('a'), flags: ['\\Deleted'] }, { content: message('b') }]);
    box.close();
    const plan = (db: Database.Database): string =>
      db.prepare<[], { detail: string }>('EXPLAIN QUERY PLAN SELECT count(*) FROM messages WHERE (flags & 4) != 0').all().map((r) => r.detail).join(' ');
    expect(withIndexFile(dir, plan)).toContain('messages_deleted');
    // An index from before the partial index: no such index, user_version 0.
    withIndexFile(dir, (db) => {
      db.exec('DROP INDEX messages_deleted');
      db.pragma('user_version = 0');
    });
    // Opened by a process of the new version (this one keeps its idle handle of the old file open).
    const reopened = env.open().openMailbox('user.fred');
    expect(reopened.status(null, { deleted: true }).deleted).toBe(1);
    reopened.close();
    expect(withIndexFile(dir, plan)).toContain('messages_deleted');
    expect(withIndexFile(dir, (db) => db.pragma('user_version', { simple: true }))).toBeGreaterThan(0);
  });
});

describe('status counts \\Recent', () => {
  it('from the kept snapshot columns, patched after a change, without counting the records', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    try {
      const items = Array.from({ length: 1100 }, (_, i) => ({ content: message(`m${i}`), flags: i % 2 ? ['\\Seen'] : [] }));
      await box.append(items, { userid: 'fred' });
      box.snapshot('fred'); // columns kept (a big mailbox)
      const stmts = (box as unknown as { index: { stmts: { countAbove: { get: (...a: unknown[]) => unknown } } } }).index.stmts;
      const original = stmts.countAbove.get;
      let counts = 0;
      stmts.countAbove.get = (...a: unknown[]) => {
        counts++;
        return original.apply(stmts.countAbove, a);
      };
      try {
        box.setFlags([3], 'add', ['\\Seen'], { userid: 'fred' });
        expect(box.status('fred')).toMatchObject({ messages: 1100, recent: 1100, unseen: 549 });
        box.claimRecent();
        await box.append([{ content: message('late') }], { userid: 'fred' });
        expect(box.status('fred')).toMatchObject({ messages: 1101, recent: 1, unseen: 550 });
        expect(counts).toBe(0);
      } finally {
        stmts.countAbove.get = original;
      }
    } finally {
      box.close();
    }
  });
});

describe('status without a read transaction', () => {
  it('answers from the kept answer only while no connection committed to the index', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    const other = env.open();
    try {
      await box.append([1, 2, 3].map((i) => ({ content: message(`m${i}`) })), { userid: 'fred' });
      expect(box.status('fred')).toMatchObject({ messages: 3, unseen: 3, recent: 3 });
      // Kept: the next answers read no row (no read transaction) while nothing is committed.
      const db = (box as unknown as { index: { db: { inTransaction: boolean; transaction: unknown } } }).index.db;
      const stmts = (box as unknown as { index: { stmts: { mailbox: { get: (...a: unknown[]) => unknown } } } }).index.stmts;
      const original = stmts.mailbox.get;
      let rowReads = 0;
      stmts.mailbox.get = (...a: unknown[]) => {
        rowReads++;
        return original.apply(stmts.mailbox, a);
      };
      try {
        expect(box.status('fred')).toMatchObject({ messages: 3, unseen: 3, recent: 3 });
        expect(box.status('fred', { deleted: true })).toMatchObject({ messages: 3, deleted: 0 });
        expect(rowReads).toBe(0);
        // Another process's commit (its own connection): read again.
        const elsewhere = other.openMailbox('user.fred');
        try {
          elsewhere.setFlags([1], 'add', ['\\Seen', '\\Deleted'], { userid: 'fred' });
          await elsewhere.append([{ content: message('m4') }], { userid: 'fred' });
        } finally {
          elsewhere.close();
        }
        expect(box.status('fred', { deleted: true })).toMatchObject({ messages: 4, unseen: 3, deleted: 1, recent: 4 });
        expect(rowReads).toBe(1);
        expect(box.status('fred')).toMatchObject({ messages: 4, unseen: 3 });
        expect(rowReads).toBe(1);
        // This connection's own write: read again.
        box.setFlags([2], 'add', ['\\Seen'], { userid: 'fred' });
        expect(box.status('fred')).toMatchObject({ messages: 4, unseen: 2 });
        box.claimRecent();
        expect(box.status('fred')).toMatchObject({ messages: 4, unseen: 2, recent: 0 });
        // Another user's answer is kept apart.
        expect(box.status('barney')).toMatchObject({ messages: 4, unseen: 4 });
        expect(box.status('fred')).toMatchObject({ unseen: 2 });
      } finally {
        stmts.mailbox.get = original;
      }
      expect(db.inTransaction).toBe(false);
    } finally {
      box.close();
      other.close();
    }
  });
});
