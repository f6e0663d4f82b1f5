/**
 * Slowing down password guessing: each failed login makes the next answer wait longer, per
 * connection and per client address (auth_failure_delay, doubling, capped by
 * auth_failure_delay_max); after auth_max_failures on one connection the caller closes it.
 * A success on a connection clears its count and its address's count.
 *
 * Per-connection counts live in memory (a connection belongs to one worker). Per-address counts
 * are shared by every process through a small SQLite table (configdirectory/logins.db), so that
 * connections spread over workers, or a worker restart, do not each start afresh; an address's
 * count decays to nothing after `forgetAfterMs` without failures. Without a database file (or
 * when it cannot be opened) the address counts stay in this process's memory.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../common/log.js';
import type { ConnectionContext } from './context.js';

export interface FailureVerdict {
  /** Wait this long before answering the failed attempt. */
  delayMs: number;
  /** The connection has used up its attempts: close it after answering. */
  disconnect: boolean;
}

export interface FailurePolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  maxFailures: number;
  /** An address's count is forgotten after this long without failures. */
  forgetAfterMs?: number;
  /** SQLite file shared by every process for per-address counts; absent: this process's memory. */
  dbFile?: string | null;
  /** Where a database that cannot be opened is reported (then memory is used). */
  logger?: Logger;
}

/** Per-address failure counts: remembered, counted up, forgotten. */
interface AddressCounts {
  /** The count of `address`, 0 when it had no failure in the last `forgetAfterMs`. */
  count(address: string, now: number): number;
  /** One more failure of `address` now; the new count. */
  increment(address: string, now: number): number;
  clear(address: string): void;
  close(): void;
}

const MAX_TRACKED_ADDRESSES = 100_000;
const PRUNE_EVERY_MS = 60_000;

class MemoryCounts implements AddressCounts {
  private readonly byAddress = new Map<string, { count: number; last: number }>();
  constructor(private readonly forgetAfterMs: number) {}

  count(address: string, now: number): number {
    const record = this.byAddress.get(address);
    if (!record) return 0;
    if (now - record.last > this.forgetAfterMs) {
      this.byAddress.delete(address);
      return 0;
    }
    return record.count;
  }

  increment(address: string, now: number): number {
    const count = this.count(address, now) + 1;
    this.byAddress.delete(address); // re-insert: the map stays ordered by last failure
    this.byAddress.set(address, { count, last: now });
    if (this.byAddress.size > MAX_TRACKED_ADDRESSES) {
      const oldest = this.byAddress.keys().next().value;
      if (oldest !== undefined) this.byAddress.delete(oldest);
    }
    return count;
  }

  clear(address: string): void {
    this.byAddress.delete(address);
  }

  close(): void {}
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS login_failures (
  address TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  last INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_last ON login_failures (last);`;

/** Counts in a SQLite table shared by every process (WAL; losing a count in a crash is harmless). */
class SqliteCounts implements AddressCounts {
  private readonly db: Database.Database;
  private readonly get: Database.Statement<[string, number], { count: number }>;
  private readonly bump: Database.Statement<{ address: string; now: number; cutoff: number }, { count: number }>;
  private readonly has: Database.Statement<[string], { one: number }>;
  private readonly remove: Database.Statement<[string]>;
  private readonly pruneOld: Database.Statement<[number]>;
  private readonly pruneMany: Database.Statement<[number]>;
  private lastPrune = 0;

  constructor(file: string, private readonly forgetAfterMs: number) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: 5000 });
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(SCHEMA);
      this.get = this.db.prepare('SELECT count FROM login_failures WHERE address = ? AND last >= ?');
      this.bump = this.db.prepare(`INSERT INTO login_failures (address, count, last) VALUES (@address, 1, @now)
        ON CONFLICT (address) DO UPDATE SET count = CASE WHEN last < @cutoff THEN 1 ELSE count + 1 END, last = @now
        RETURNING count`);
      this.has = this.db.prepare('SELECT 1 AS one FROM login_failures WHERE address = ?');
      this.remove = this.db.prepare('DELETE FROM login_failures WHERE address = ?');
      this.pruneOld = this.db.prepare('DELETE FROM login_failures WHERE last < ?');
      this.pruneMany = this.db.prepare('DELETE FROM login_failures WHERE address IN (SELECT address FROM login_failures ORDER BY last DESC LIMIT -1 OFFSET ?)');
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  count(address: string, now: number): number {
    return this.get.get(address, now - this.forgetAfterMs)?.count ?? 0;
  }

  increment(address: string, now: number): number {
    if (now - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = now;
      this.pruneOld.run(now - this.forgetAfterMs);
      this.pruneMany.run(MAX_TRACKED_ADDRESSES);
    }
    return this.bump.get({ address, now, cutoff: now - this.forgetAfterMs })!.count;
  }

  clear(address: string): void {
    // Most logins succeed from addresses with no failures: a read, not a write transaction, for them.
    if (this.has.get(address)) this.remove.run(address);
  }

  close(): void {
    this.db.close();
  }
}

export class FailureTracker {
  private readonly byConnection = new WeakMap<ConnectionContext, number>();
  private readonly forgetAfterMs: number;
  private counts: AddressCounts | null = null;

  constructor(private readonly policy: FailurePolicy, private readonly now: () => number = Date.now) {
    this.forgetAfterMs = policy.forgetAfterMs ?? 15 * 60_000;
  }

  /** The address counts, opened on first use (a database that cannot be opened: memory). */
  private get addresses(): AddressCounts {
    if (this.counts) return this.counts;
    if (this.policy.dbFile) {
      try {
        this.counts = new SqliteCounts(this.policy.dbFile, this.forgetAfterMs);
        return this.counts;
      } catch (err) {
        this.policy.logger?.warn({ file: this.policy.dbFile, err: (err as Error).message }, 'login failure counts kept in memory: cannot open the database');
      }
    }
    this.counts = new MemoryCounts(this.forgetAfterMs);
    return this.counts;
  }

  /** Run `fn` on the address counts; a database error is logged and counts as nothing. */
  private safely<T>(fn: (counts: AddressCounts) => T, fallback: T): T {
    try {
      return fn(this.addresses);
    } catch (err) {
      this.policy.logger?.warn({ err: (err as Error).message }, 'login failure counts unavailable');
      return fallback;
    }
  }

  private addressCount(address: string | undefined): number {
    if (address === undefined) return 0;
    return this.safely((counts) => counts.count(address, this.now()), 0);
  }

  private delayFor(failures: number): number {
    if (failures <= 0 || this.policy.baseDelayMs <= 0) return 0;
    const delay = this.policy.baseDelayMs * 2 ** Math.min(failures - 1, 30);
    return Math.min(delay, this.policy.maxDelayMs);
  }

  /** The delay a further failure would cost now (e.g. to wait before even checking). */
  failureDelay(ctx: ConnectionContext): number {
    const failures = Math.max(this.byConnection.get(ctx) ?? 0, this.addressCount(ctx.remoteAddress));
    return this.delayFor(failures);
  }

  recordFailure(ctx: ConnectionContext): FailureVerdict {
    const connectionFailures = (this.byConnection.get(ctx) ?? 0) + 1;
    this.byConnection.set(ctx, connectionFailures);
    const address = ctx.remoteAddress;
    const addressFailures = address === undefined ? 0 : this.safely((counts) => counts.increment(address, this.now()), 0);
    return {
      delayMs: this.delayFor(Math.max(connectionFailures, addressFailures)),
      disconnect: connectionFailures >= this.policy.maxFailures,
    };
  }

  recordSuccess(ctx: ConnectionContext): void {
    this.byConnection.delete(ctx);
    const address = ctx.remoteAddress;
    if (address !== undefined) this.safely((counts) => counts.clear(address), undefined);
  }

  close(): void {
    this.counts?.close();
    this.counts = null;
  }
}
