/**
 * The duplicate delivery database (Cyrus's deliver.db; `duplicate_db_path`, default
 * configdirectory/deliver.db): which message (by Message-ID, or Resent-Message-ID) was delivered
 * to which mailbox and when, so that an MTA's redelivery after a lost `250` is not stored twice.
 * One SQLite database (WAL) shared by every lmtpd process; `cyr_expire -E` prunes old entries.
 *
 * Commits do not wait for fsync (synchronous=NORMAL, still crash-consistent under WAL): losing the
 * last records in a power cut can only let a redelivered message in once more, never lose one,
 * and it keeps a delivery's only fsyncs those of the message and its index record.
 */
import type { ImapdConfig } from '../config/index.js';
import { join } from 'node:path';
import { openDb, sqliteError, writeTransaction, type Db } from '../common/sqlite.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS deliveries (
  message_id TEXT NOT NULL,
  mailbox TEXT NOT NULL,
  delivered_at INTEGER NOT NULL,
  pending INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (message_id, mailbox)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliveries_age ON deliveries(delivered_at);
`;

/** Where deliver.db lives: duplicate_db_path, else configdirectory/deliver.db. */
export function duplicateDbPath(config: ImapdConfig): string {
  return config.path('duplicate_db_path') ?? join(config.configDirectory, 'deliver.db');
}

/** The mailbox column of a user's Sieve action records: a control character no mailbox name holds. */
function actionOwner(userid: string): string {
  return `\u0001sieve\u0001${userid}`;
}

/** One row of deliver.db as `DuplicateStore.entries` gives it. */
export type DuplicateEntry =
  /** A delivery of `messageId` to `mailbox` (internal name); `pending`: begun, its end never recorded. */
  | { kind: 'delivery'; messageId: string; mailbox: string; at: number; pending: boolean }
  /** A Sieve action of `userid` (vacation reply, redirect, duplicate test) in force until `at`. */
  | { kind: 'sieve'; key: string; userid: string; at: number };

export class DuplicateStore {
  private readonly stmts;

  private constructor(private readonly db: Db) {
    this.stmts = {
      get: db.prepare<[string, string], { pending: number }>('SELECT pending FROM deliveries WHERE message_id = ? AND mailbox = ?'),
      put: db.prepare<[string, string, number, number]>('INSERT OR REPLACE INTO deliveries (message_id, mailbox, delivered_at, pending) VALUES (?, ?, ?, ?)'),
      // Every mailbox but those named in the JSON array (whose own ages apply: pruneMailbox).
      count: db.prepare<[number, string], { n: number }>('SELECT count(*) AS n FROM deliveries WHERE delivered_at < ? AND mailbox NOT IN (SELECT value FROM json_each(?))'),
      prune: db.prepare<[number, string]>('DELETE FROM deliveries WHERE delivered_at < ? AND mailbox NOT IN (SELECT value FROM json_each(?))'),
      countMailbox: db.prepare<[number, string], { n: number }>('SELECT count(*) AS n FROM deliveries WHERE delivered_at < ? AND mailbox = ?'),
      pruneMailbox: db.prepare<[number, string]>('DELETE FROM deliveries WHERE delivered_at < ? AND mailbox = ?'),
      getAction: db.prepare<[string, string], { until: number }>('SELECT delivered_at AS until FROM deliveries WHERE message_id = ? AND mailbox = ?'),
      forget: db.prepare<[string, string]>('DELETE FROM deliveries WHERE message_id = ? AND mailbox = ?'),
      all: db.prepare<[], [string, string, number, number]>('SELECT message_id, mailbox, delivered_at, pending FROM deliveries ORDER BY delivered_at, mailbox, message_id').raw(true),
    };
  }

  /** Open (creating when missing) the database at `file`. `durable: false` drops every fsync (fsync_disabled). */
  static open(file: string, opts: { durable: boolean }): DuplicateStore {
    const db = openDb(file, { durable: opts.durable, cacheKiB: 512 });
    try {
      if (opts.durable) db.pragma('synchronous = NORMAL');
      db.exec(SCHEMA);
      // A deliver.db made before the pending mark: add the column.
      const columns = db.prepare<[], { name: string }>('PRAGMA table_info(deliveries)').all().map((c) => c.name);
      if (!columns.includes('pending')) db.exec('ALTER TABLE deliveries ADD COLUMN pending INTEGER NOT NULL DEFAULT 0');
    } catch (err) {
      db.close();
      throw sqliteError(err, 'deliver.db');
    }
    return new DuplicateStore(db);
  }

  static fromConfig(config: ImapdConfig): DuplicateStore {
    return DuplicateStore.open(duplicateDbPath(config), { durable: !config.bool('fsync_disabled') });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Whether `messageId` was delivered to `mailbox` (internal name) and not pruned since. */
  isDelivered(messageId: string, mailbox: string): boolean {
    return this.deliveryState(messageId, mailbox) === 'delivered';
  }

  /**
   * What deliver.db knows of the pair: nothing, a delivery recorded, or only a delivery begun
   * (`markPending`) whose end was never recorded: its process died, before or after the message
   * was committed; the caller asks the mailbox which.
   */
  deliveryState(messageId: string, mailbox: string): 'none' | 'pending' | 'delivered' {
    try {
      const row = this.stmts.get.get(messageId, mailbox);
      return row === undefined ? 'none' : row.pending === 1 ? 'pending' : 'delivered';
    } catch (err) {
      throw sqliteError(err, 'deliver.db read');
    }
  }

  /** Note that a delivery of the pair begins (before the message is stored). */
  markPending(messageId: string, mailbox: string, at: number = Date.now()): void {
    writeTransaction(this.db, 'deliver.db pending', () => {
      if (this.stmts.get.get(messageId, mailbox) === undefined) this.stmts.put.run(messageId, mailbox, at, 1);
    });
  }

  /** Remember a delivery (a second one of the same pair only moves its time). */
  recordDelivery(messageId: string, mailbox: string, at: number = Date.now()): void {
    writeTransaction(this.db, 'deliver.db record', () => this.stmts.put.run(messageId, mailbox, at, 0));
  }

  /**
   * Whether a Sieve action with this key (a vacation reply to a sender, a redirect of a message)
   * was taken for `userid` and is still in force at `now`. Kept in the same table as deliveries,
   * under a name no mailbox can have, with the time it stays in force as its time: `cyr_expire -E`
   * forgets it that many days after it lapsed.
   */
  actionTaken(userid: string, key: string, now: number = Date.now()): boolean {
    try {
      const row = this.stmts.getAction.get(key, actionOwner(userid));
      return row !== undefined && row.until > now;
    } catch (err) {
      throw sqliteError(err, 'deliver.db read');
    }
  }

  /** Remember a Sieve action of `userid` until `until` (ms since the epoch). */
  recordAction(userid: string, key: string, until: number): void {
    writeTransaction(this.db, 'deliver.db action', () => this.stmts.put.run(key, actionOwner(userid), until, 0));
  }

  /** Forget the delivery of `messageId` to `mailbox` (cyr_dbtool delete): a redelivery is stored again. Whether there was one. */
  forgetDelivery(messageId: string, mailbox: string): boolean {
    return writeTransaction(this.db, 'deliver.db forget', () => this.stmts.forget.run(messageId, mailbox).changes > 0);
  }

  /** Forget a Sieve action of `userid` (cyr_dbtool delete): it may be taken again. Whether there was one. */
  forgetAction(userid: string, key: string): boolean {
    return writeTransaction(this.db, 'deliver.db forget action', () => this.stmts.forget.run(key, actionOwner(userid)).changes > 0);
  }

  /** Every row, oldest first (ctl_deliver -d), read one at a time. */
  *entries(): Generator<DuplicateEntry> {
    const prefix = actionOwner('');
    try {
      for (const [messageId, mailbox, at, pending] of this.stmts.all.iterate()) {
        if (mailbox.startsWith(prefix)) yield { kind: 'sieve', key: messageId, userid: mailbox.slice(prefix.length), at };
        else yield { kind: 'delivery', messageId, mailbox, at, pending: pending === 1 };
      }
    } catch (err) {
      throw sqliteError(err, 'deliver.db read');
    }
  }

  /** Forget deliveries recorded more than `minAgeMs` ago; returns how many (would) go. */
  prune(minAgeMs: number, opts: { dryRun?: boolean; now?: number; perMailbox?: ReadonlyMap<string, number> } = {}): number {
    const now = opts.now ?? Date.now();
    // perMailbox: a mailbox's own age (ms; 0: keep its records) instead of minAgeMs.
    const own = [...(opts.perMailbox ?? new Map<string, number>())];
    const others = JSON.stringify(own.map(([mailbox]) => mailbox));
    const kept = own.filter(([, age]) => age > 0);
    if (opts.dryRun) {
      try {
        let n = this.stmts.count.get(now - minAgeMs, others)!.n;
        for (const [mailbox, age] of kept) n += this.stmts.countMailbox.get(now - age, mailbox)!.n;
        return n;
      } catch (err) {
        throw sqliteError(err, 'deliver.db read');
      }
    }
    return writeTransaction(this.db, 'deliver.db prune', () => {
      let n = this.stmts.prune.run(now - minAgeMs, others).changes;
      for (const [mailbox, age] of kept) n += this.stmts.pruneMailbox.run(now - age, mailbox).changes;
      return n;
    });
  }
}
