/**
 * Recent login failures, counted under string keys (an address, an account, an address and
 * account pair) and decaying with time: a count halves every `halfLifeMs` without new failures, so
 * an address that stops guessing is forgiven gradually, and one that keeps on never is.
 *
 * Two stores: a SQLite table shared by every process (configdirectory/logins.db, WAL; losing a
 * count in a crash is harmless), and this process's memory (no configdirectory, or a database
 * that cannot be opened).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { retryWhileBusy } from '../common/sqlite.js';

export interface FailureCounts {
  /** The decayed counts of `keys` at `now` (0 for a key with none). */
  read(keys: readonly string[], now: number): number[];
  /** One more failure under each of `keys`. */
  add(keys: readonly string[], now: number): void;
  /** Take `key`'s count out of each of `from` (never below 0), then forget `key`. */
  forgive(key: string, from: readonly string[], now: number): void;
  close(): void;
}

/** Counts stop growing here: the delay reached its cap long before, and a cap bounds the decay time. */
const MAX_COUNT = 32;
/** Below this a count is gone (half a failure). */
const FORGOTTEN = 0.5;
const MAX_TRACKED_KEYS = 200_000;
const PRUNE_EVERY_MS = 60_000;

interface Stamped {
  count: number;
  last: number;
}

export function decayed(row: Stamped | undefined, now: number, halfLifeMs: number): number {
  if (!row) return 0;
  const count = row.count * 2 ** (-Math.max(0, now - row.last) / halfLifeMs);
  return count < FORGOTTEN ? 0 : count;
}

/** How long a count of MAX_COUNT takes to fall under FORGOTTEN: rows older than that are garbage. */
function forgottenAfterMs(halfLifeMs: number): number {
  return Math.ceil(Math.log2(MAX_COUNT / FORGOTTEN)) * halfLifeMs;
}

export class MemoryCounts implements FailureCounts {
  private readonly rows = new Map<string, Stamped>();
  constructor(private readonly halfLifeMs: number) {}

  read(keys: readonly string[], now: number): number[] {
    return keys.map((key) => decayed(this.rows.get(key), now, this.halfLifeMs));
  }

  add(keys: readonly string[], now: number): void {
    for (const key of keys) this.put(key, Math.min(MAX_COUNT, decayed(this.rows.get(key), now, this.halfLifeMs) + 1), now);
  }

  forgive(key: string, from: readonly string[], now: number): void {
    const share = decayed(this.rows.get(key), now, this.halfLifeMs);
    this.rows.delete(key);
    if (share === 0) return;
    for (const other of from) this.put(other, decayed(this.rows.get(other), now, this.halfLifeMs) - share, now);
  }

  private put(key: string, count: number, now: number): void {
    this.rows.delete(key); // re-insert: the map stays ordered by last change
    if (count < FORGOTTEN) return;
    this.rows.set(key, { count, last: now });
    if (this.rows.size > MAX_TRACKED_KEYS) this.rows.delete(this.rows.keys().next().value!);
  }

  close(): void {}
}

const SCHEMA = `
DROP TABLE IF EXISTS login_failures;
CREATE TABLE IF NOT EXISTS login_penalty (
  key TEXT PRIMARY KEY,
  count REAL NOT NULL,
  last INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS login_penalty_last ON login_penalty (last);`;

/** How long opening the counts may wait for other processes' locks. */
const OPEN_TIMEOUT_MS = 5000;

export class SqliteCounts implements FailureCounts {
  private readonly db: Database.Database;
  private readonly get: Database.Statement<[string], Stamped>;
  private readonly set: Database.Statement<[string, number, number]>;
  private readonly remove: Database.Statement<[string]>;
  private readonly pruneOld: Database.Statement<[number]>;
  private readonly pruneMany: Database.Statement<[number]>;
  private readonly addAll: (keys: readonly string[], now: number) => void;
  private readonly forgiveAll: (key: string, from: readonly string[], now: number) => void;
  private lastPrune = 0;

  constructor(file: string, private readonly halfLifeMs: number) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: OPEN_TIMEOUT_MS });
    try {
      // every worker opens it on its first login, often at the same moment as the others
      retryWhileBusy(() => {
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = NORMAL');
        this.db.exec(SCHEMA);
      }, OPEN_TIMEOUT_MS);
      this.get = this.db.prepare('SELECT count, last FROM login_penalty WHERE key = ?');
      this.set = this.db.prepare('INSERT INTO login_penalty (key, count, last) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET count = excluded.count, last = excluded.last');
      this.remove = this.db.prepare('DELETE FROM login_penalty WHERE key = ?');
      this.pruneOld = this.db.prepare('DELETE FROM login_penalty WHERE last < ?');
      this.pruneMany = this.db.prepare('DELETE FROM login_penalty WHERE key IN (SELECT key FROM login_penalty ORDER BY last DESC LIMIT -1 OFFSET ?)');
    } catch (err) {
      this.db.close();
      throw err;
    }
    // Read-modify-write under the write lock, so two processes' failures both count.
    this.addAll = this.db.transaction((keys: readonly string[], now: number) => {
      for (const key of keys) this.put(key, Math.min(MAX_COUNT, this.current(key, now) + 1), now);
    }).immediate;
    this.forgiveAll = this.db.transaction((key: string, from: readonly string[], now: number) => {
      const share = this.current(key, now);
      this.remove.run(key);
      if (share === 0) return;
      for (const other of from) this.put(other, this.current(other, now) - share, now);
    }).immediate;
  }

  private current(key: string, now: number): number {
    return decayed(this.get.get(key), now, this.halfLifeMs);
  }

  private put(key: string, count: number, now: number): void {
    if (count < FORGOTTEN) this.remove.run(key);
    else this.set.run(key, count, now);
  }

  read(keys: readonly string[], now: number): number[] {
    return keys.map((key) => this.current(key, now));
  }

  add(keys: readonly string[], now: number): void {
    if (now - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = now;
      this.pruneOld.run(now - forgottenAfterMs(this.halfLifeMs));
      this.pruneMany.run(MAX_TRACKED_KEYS);
    }
    this.addAll(keys, now);
  }

  forgive(key: string, from: readonly string[], now: number): void {
    // Most logins succeed with nothing to forgive: a read, not a write transaction, for them.
    if (this.get.get(key) === undefined) return;
    this.forgiveAll(key, from, now);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
