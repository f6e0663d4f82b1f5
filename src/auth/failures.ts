/**
 * Slowing down password guessing: each failed login makes the next answer wait longer, per
 * connection and per client address (auth_failure_delay, doubling, capped by
 * auth_failure_delay_max); after auth_max_failures on one connection the caller closes it.
 * A success on a connection clears its count and its address's count.
 */
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
}

interface AddressRecord {
  count: number;
  last: number;
}

const MAX_TRACKED_ADDRESSES = 100_000;

export class FailureTracker {
  private readonly byConnection = new WeakMap<ConnectionContext, number>();
  private readonly byAddress = new Map<string, AddressRecord>();
  private readonly forgetAfterMs: number;

  constructor(private readonly policy: FailurePolicy, private readonly now: () => number = Date.now) {
    this.forgetAfterMs = policy.forgetAfterMs ?? 15 * 60_000;
  }

  private addressCount(address: string | undefined): number {
    if (address === undefined) return 0;
    const record = this.byAddress.get(address);
    if (!record) return 0;
    if (this.now() - record.last > this.forgetAfterMs) {
      this.byAddress.delete(address);
      return 0;
    }
    return record.count;
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
    let addressFailures = 0;
    if (ctx.remoteAddress !== undefined) {
      addressFailures = this.addressCount(ctx.remoteAddress) + 1;
      this.byAddress.delete(ctx.remoteAddress); // re-insert: the map stays ordered by last failure
      this.byAddress.set(ctx.remoteAddress, { count: addressFailures, last: this.now() });
      if (this.byAddress.size > MAX_TRACKED_ADDRESSES) {
        const oldest = this.byAddress.keys().next().value;
        if (oldest !== undefined) this.byAddress.delete(oldest);
      }
    }
    return {
      delayMs: this.delayFor(Math.max(connectionFailures, addressFailures)),
      disconnect: connectionFailures >= this.policy.maxFailures,
    };
  }

  recordSuccess(ctx: ConnectionContext): void {
    this.byConnection.delete(ctx);
    if (ctx.remoteAddress !== undefined) this.byAddress.delete(ctx.remoteAddress);
  }
}
