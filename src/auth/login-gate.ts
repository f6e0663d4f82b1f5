/**
 * What every authentication attempt goes through, whatever the protocol or mechanism: admission
 * for its client address (check-queue.ts), the login penalty waited out before anything is
 * checked (failures.ts), the costly check in its turn, and the outcome counted: a failure or an
 * abandoned attempt raises the counts, a success forgives that account's failures from that address.
 */
import type { Logger } from '../common/log.js';
import { MailError, isMailError } from '../common/errors.js';
import { CheckQueue, type CheckQueueOptions } from './check-queue.js';
import { clientAddressKey } from './client-address.js';
import type { ConnectionContext } from './context.js';
import { FailureTracker, type FailurePolicy } from './failures.js';
import type { CheckScheduler } from './password-check.js';

/** How often a penalty wait looks whether its client is still there. */
const GONE_POLL_MS = 1000;

/** Wait `ms`, ending early when the client has gone. */
async function penaltyWait(ms: number, gone: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  for (let left = ms; left > 0 && !gone(); left = until - Date.now()) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(left, GONE_POLL_MS)));
  }
}

/** The account an attempt names: its canonical userid, or (malformed) the name as given, bounded. */
export function accountName(login: string, userid: string | null): string {
  return userid ?? login.toLowerCase().slice(0, 255);
}

export class LoginGate {
  private readonly failures: FailureTracker;
  private readonly queue: CheckQueue;

  constructor(policy: FailurePolicy, queue: CheckQueueOptions, private readonly logger: Logger) {
    this.failures = new FailureTracker(policy);
    this.queue = new CheckQueue(queue);
  }

  /**
   * One attempt on `account`: admitted for its address (or MailError Temp, detail.busy), the
   * penalty waited out BEFORE anything is checked, then `check`, given the queue to run its costly
   * part through. A client gone meanwhile gets nothing checked (AuthFailed, detail.abandoned).
   * AuthFailed errors leave with detail.account. Nothing is counted here: see failed().
   */
  async attempt<T>(ctx: ConnectionContext, account: string, check: (schedule: CheckScheduler) => Promise<T>): Promise<T> {
    // Only an address with recent failures is held to auth_check_per_address: a webmail or proxy
    // that logs many users in from one address at once is never refused for it.
    const { delayMs, penalised } = this.failures.penalty(ctx, account);
    const ticket = this.queue.admit(clientAddressKey(ctx.remoteAddress) ?? 'local', penalised);
    const gone = ctx.clientGone ?? (() => false);
    try {
      if (delayMs > 0) await penaltyWait(delayMs, gone);
      if (gone()) throw new MailError('AuthFailed', 'client gone during the login penalty', { abandoned: true });
      return await check((task) => ticket.run(penalised, gone, task));
    } catch (err) {
      if (isMailError(err, 'AuthFailed')) throw new MailError('AuthFailed', err.message, { ...err.detail, account });
      throw err;
    } finally {
      ticket.release();
    }
  }

  /**
   * Count a failed or abandoned attempt (`account`: the one tried, unless the error names it) and
   * return the error to throw: AuthFailed with detail.disconnect (close the connection after the
   * answer). Any other error passes unchanged and uncounted.
   */
  failed(ctx: ConnectionContext, err: unknown, account: string | null): unknown {
    if (!isMailError(err, 'AuthFailed')) return err;
    const tried = typeof err.detail?.account === 'string' ? err.detail.account : account;
    const { disconnect } = this.failures.recordFailure(ctx, tried);
    const abandoned = err.detail?.abandoned === true ? true : undefined;
    this.logger.info({ service: ctx.service, sid: ctx.sessionId, remote: ctx.remoteAddress, account: tried, abandoned }, 'login failed');
    return new MailError('AuthFailed', err.message, { ...err.detail, account: tried, disconnect });
  }

  /** The client went away before its attempt ended. */
  abandoned(ctx: ConnectionContext, account: string | null): void {
    this.failed(ctx, new MailError('AuthFailed', 'client gone mid-exchange', { abandoned: true }), account);
  }

  /** A right password (or proof) for canonical `userid`. */
  succeeded(ctx: ConnectionContext, userid: string): void {
    this.failures.recordSuccess(ctx, userid);
  }

  /** Password checks running and waiting in this process. */
  get checkLoad(): { running: number; waiting: number } {
    return this.queue.load;
  }

  /** The penalty an attempt from this connection (on `account`, when given) would wait now. */
  failureDelay(ctx: ConnectionContext, account: string | null = null): number {
    return this.failures.failureDelay(ctx, account);
  }

  close(): void {
    this.failures.close();
  }
}
