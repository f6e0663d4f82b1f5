/**
 * The mailbox indexes and quotas.db wait for locks in pauses of their own (common/sqlite.ts,
 * ownBusyWaits): once an append (the index's write transaction and quotas.db's charge) has run,
 * neither connection has a busy timeout left for SQLite to sleep in, and no PRAGMA switches it
 * around each write.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lockWaits, waitsOwnBusy, type Db } from '../../src/common/sqlite.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('fsync_disabled: yes');
  store = env.open();
});
afterEach(() => env.cleanup());

describe('busy waits of the index and quotas.db', () => {
  it('are ours once a write ran: busy timeout 0, every read and write still answered', async () => {
    store.createMailbox('user.fred');
    store.setQuota('user.fred', { STORAGE: 1000, MESSAGE: null, MAILBOX: null });
    const box = store.openMailbox('user.fred');
    try {
      const index = (box as unknown as { index: { db: Db } }).index.db;
      const quotas = (store.quotas as unknown as { db: Db }).db;
      await box.append([{ content: message('m1') }], { userid: 'fred' });
      box.setFlags([1], 'add', ['\\Flagged'], { userid: 'fred' });
      for (const db of [index, quotas]) {
        expect(waitsOwnBusy(db)).toBe(true);
        expect(db.pragma('busy_timeout', { simple: true })).toBe(0);
      }
      expect(box.changesSince(0, 'fred').records.map((r) => [r.uid, r.flags])).toEqual([[1, ['\\Flagged']]]);
      expect(store.quotas.quotaOf('user.fred')?.usage.messages).toBe(1);
      expect(box.expunge({ uids: [1], force: true })).toEqual([1]);
      expect(store.quotas.quotaOf('user.fred')?.usage).toEqual({ storage: 0, messages: 0, mailboxes: 1 });
    } finally {
      box.close();
    }
  });

  it('read the mailbox row outside a transaction again after a pause when it met a lock (WAL-index recovery)', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    try {
      await box.append([{ content: message('m1') }], { userid: 'fred' });
      const index = (box as unknown as { index: { db: Db; mailbox(): { uidnext: number } } }).index;
      expect(waitsOwnBusy(index.db)).toBe(true);
      const proto = Object.getPrototypeOf(index.db.prepare('SELECT 1')) as { get(...args: unknown[]): unknown };
      const original = proto.get;
      let met = 0;
      vi.spyOn(proto, 'get').mockImplementation(function (this: { source: string }, ...args: unknown[]) {
        if (/FROM mailbox WHERE id = 1$/.test(this.source) && met++ < 2) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY_RECOVERY' });
        return original.apply(this, args);
      });
      const waits = lockWaits.count;
      try {
        expect(index.mailbox().uidnext).toBe(2);
      } finally {
        vi.restoreAllMocks();
      }
      expect(met).toBe(3);
      expect(lockWaits.count - waits).toBe(2);
    } finally {
      box.close();
    }
  });
});
