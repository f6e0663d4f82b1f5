/**
 * The login penalty (as Dovecot's auth penalty): an authentication attempt from an address, or
 * for an account, with recent failures waits BEFORE its password is checked, right or wrong
 * alike; auth_failure_delay doubled per recent failure, capped by auth_failure_delay_max. So a
 * guesser learns nothing sooner by hanging up early, and a right password is no shortcut.
 *
 * Failures are counted under three keys that decay with time (failure-counts.ts): the client
 * address (IPv6 by /64), the account tried (its canonical userid, or the name as given), and the
 * pair of both. The penalty follows the larger of the address's count and the account's count
 * past ACCOUNT_GRACE (an account's own user mistyping from their own address is penalised by
 * the address; the account count is there for guessing spread over many addresses, and its grace
 * keeps a few failures from strangers from delaying the account's user). A
 * success takes the pair's share out of both, so it forgives that account's failures from that
 * address and nothing else: logging in to one's own account does not wipe the guesses made at
 * others. An attempt abandoned (the client left before the answer, or mid-exchange) counts as a
 * failure. Per connection, auth_max_failures failures close the connection.
 *
 * Counts are shared by every process (configdirectory/logins.db), so connections spread over
 * workers, or a worker restart, do not each start afresh.
 */
import type { Logger } from '../common/log.js';
import { clientAddressKey } from './client-address.js';
import type { ConnectionContext } from './context.js';
import { MemoryCounts, SqliteCounts, type FailureCounts } from './failure-counts.js';

export interface FailurePolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  maxFailures: number;
  /** A count halves after this long without failures (default 10 minutes). */
  halfLifeMs?: number;
  /** SQLite file shared by every process; absent or null: this process's memory. */
  dbFile?: string | null;
  /** Where a database that cannot be opened is reported (then memory is used). */
  logger?: Logger;
}

/** What an attempt must go through before its password is checked. */
export interface AttemptPenalty {
  /** Wait this long first. */
  delayMs: number;
  /** The address or account has recent failures: its check queues behind clean ones. */
  penalised: boolean;
}

export interface FailureVerdict {
  /** The connection has used up its attempts: close it after answering. */
  disconnect: boolean;
}

const DEFAULT_HALF_LIFE_MS = 10 * 60_000;
/** Failures on an account (from any address) that cost nothing more than their addresses' penalty. */
export const ACCOUNT_GRACE = 3;

const addressKey = (address: string): string => `a:${address}`;
const accountKey = (account: string): string => `u:${account}`;
const pairKey = (address: string, account: string): string => `p:${address}\n${account}`;

export class FailureTracker {
  private readonly byConnection = new WeakMap<ConnectionContext, number>();
  private readonly halfLifeMs: number;
  private store: FailureCounts | null = null;

  constructor(private readonly policy: FailurePolicy, private readonly now: () => number = Date.now) {
    this.halfLifeMs = policy.halfLifeMs ?? DEFAULT_HALF_LIFE_MS;
  }

  /** The counts, opened on first use (a database that cannot be opened: memory). */
  private get counts(): FailureCounts {
    if (this.store) return this.store;
    if (this.policy.dbFile) {
      try {
        this.store = new SqliteCounts(this.policy.dbFile, this.halfLifeMs);
        return this.store;
      } catch (err) {
        this.policy.logger?.warn({ file: this.policy.dbFile, err: (err as Error).message }, 'login failure counts kept in memory: cannot open the database');
      }
    }
    this.store = new MemoryCounts(this.halfLifeMs);
    return this.store;
  }

  /** Run `fn` on the counts; a database error is logged and counts as nothing. */
  private safely<T>(fn: (counts: FailureCounts) => T, fallback: T): T {
    try {
      return fn(this.counts);
    } catch (err) {
      this.policy.logger?.warn({ err: (err as Error).message }, 'login failure counts unavailable');
      return fallback;
    }
  }

  private delayFor(failures: number): number {
    if (failures < 0.5 || this.policy.baseDelayMs <= 0) return 0;
    const delay = this.policy.baseDelayMs * 2 ** Math.min(Math.round(failures) - 1, 30);
    return Math.min(delay, this.policy.maxDelayMs);
  }

  /** The penalty of an attempt on `account` (null: not known yet) from this connection now. */
  penalty(ctx: ConnectionContext, account: string | null = null): AttemptPenalty {
    const address = clientAddressKey(ctx.remoteAddress);
    const keys = [address === undefined ? null : addressKey(address), account === null ? null : accountKey(account)];
    const wanted = keys.filter((k): k is string => k !== null);
    const read = wanted.length === 0 ? [] : this.safely((c) => c.read(wanted, this.now()), []);
    const countOf = (key: string | null): number => (key === null ? 0 : (read[wanted.indexOf(key)] ?? 0));
    const failures = Math.max(this.byConnection.get(ctx) ?? 0, countOf(keys[0]!), countOf(keys[1]!) - ACCOUNT_GRACE);
    return { delayMs: this.delayFor(failures), penalised: failures >= 0.5 };
  }

  /** The delay an attempt would wait now (tests, logs). */
  failureDelay(ctx: ConnectionContext, account: string | null = null): number {
    return this.penalty(ctx, account).delayMs;
  }

  /** A failed or abandoned attempt on `account` (null: the client left before naming one). */
  recordFailure(ctx: ConnectionContext, account: string | null = null): FailureVerdict {
    const connectionFailures = (this.byConnection.get(ctx) ?? 0) + 1;
    this.byConnection.set(ctx, connectionFailures);
    const address = clientAddressKey(ctx.remoteAddress);
    const keys: string[] = [];
    if (address !== undefined) keys.push(addressKey(address));
    if (account !== null) keys.push(accountKey(account));
    if (address !== undefined && account !== null) keys.push(pairKey(address, account));
    if (keys.length > 0) this.safely((c) => c.add(keys, this.now()), undefined);
    return { disconnect: connectionFailures >= this.policy.maxFailures };
  }

  /** A right password for `account`: forgive that account's failures from this address, only those. */
  recordSuccess(ctx: ConnectionContext, account: string): void {
    this.byConnection.delete(ctx);
    const address = clientAddressKey(ctx.remoteAddress);
    if (address === undefined) return;
    this.safely((c) => c.forgive(pairKey(address, account), [addressKey(address), accountKey(account)], this.now()), undefined);
  }

  close(): void {
    this.store?.close();
    this.store = null;
  }
}
