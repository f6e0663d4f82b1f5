/**
 * XFER's recovery, run by every imapd process of a Murder backend: it ends the moves whose runner
 * is gone (killed, crashed, or a move left waiting for the master), as the runner would have:
 *
 *   copying     the target cannot have committed (COMMIT was never sent): thaw here
 *   committing  ask the target; committed → as below, aborted → thaw here, unreachable → later
 *   committed   once the mupdate master lists them here no more (the target told it), remove the copies here
 *
 * and, as a target, finishes commits a crash interrupted before the thaw (store.xferSettlePending).
 * One process takes an orphaned move at a time (a lease in xfer_moves); a move that cannot be ended
 * now is tried again later, less and less often (up to once a minute).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../common/index.js';
import type { ImapdConfig } from '../../config/index.js';
import { murderSettings } from '../../murder/index.js';
import type { MailStore } from '../../store/index.js';
import { XferLink } from './link.js';
import { XFER_LEASE_MS, askOutcome, masterLetGo } from './source.js';

const TICK_MS = 2_000;
const MAX_BACKOFF_MS = 60_000;

export class XferRecovery {
  private readonly holder = `${process.pid}:recovery:${randomBytes(4).toString('hex')}`;
  private readonly timer: NodeJS.Timeout;
  private running = false;
  private stopped = false;
  /** Per move: when to try again, and the delay after that. */
  private readonly later = new Map<string, { at: number; delay: number }>();

  constructor(private readonly store: MailStore, private readonly config: ImapdConfig, private readonly log: Logger) {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
    setImmediate(() => void this.tick());
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** One look: interrupted commits here, then orphaned moves away from here. */
  async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      this.store.xferSettlePending();
      for (const xferId of this.store.xferOrphans()) {
        if (this.stopped) return;
        const due = this.later.get(xferId);
        if (due !== undefined && due.at > Date.now()) continue;
        if (!this.store.xferAdopt(xferId, this.holder, XFER_LEASE_MS)) continue;
        let ended = false;
        try {
          ended = await this.resolve(xferId);
        } catch (err) {
          this.log.error({ err, xfer: xferId }, 'xfer recovery failed');
        }
        if (ended) {
          this.later.delete(xferId);
          continue;
        }
        // Not now: let go (any process may try next), and wait longer before this one tries again.
        this.store.xferRenew(xferId, this.holder, 0);
        const delay = Math.min((due?.delay ?? TICK_MS) * 2, MAX_BACKOFF_MS);
        this.later.set(xferId, { at: Date.now() + delay, delay });
      }
    } catch (err) {
      this.log.error({ err }, 'xfer recovery failed');
    } finally {
      this.running = false;
    }
  }

  /** End one adopted move; false when it must wait (the target or the master cannot be reached). */
  private async resolve(xferId: string): Promise<boolean> {
    const moves = this.store.xferMoves(xferId);
    if (moves.length === 0) return true;
    const { target, phase } = moves[0]!;
    const names = moves.map((m) => m.name);
    const log = this.log.child({ xfer: xferId, target });
    const servername = this.store.murderBackend;
    if (servername === null) return false;
    if (phase === 'copying') {
      this.store.xferAbort(xferId);
      log.warn({ mailboxes: names }, 'xfer recovery: a move stopped before its commit; the mailboxes are writable here again');
      void this.tellTarget(servername, target, xferId, log);
      return true;
    }
    if (phase === 'committing') {
      const outcome = await askOutcome(this.config, servername, target, xferId, null, log);
      if (outcome === null) return false;
      if (outcome === 'aborted') {
        this.store.xferAbort(xferId);
        log.warn({ mailboxes: names }, 'xfer recovery: the target did not commit the move; the mailboxes are writable here again');
        return true;
      }
      this.store.xferSetPhase(xferId, 'committed', this.holder);
      log.info({ mailboxes: names }, 'xfer recovery: the target had committed the move');
    }
    if (!(await masterLetGo(murderSettings(this.config, servername), names, 0))) return false;
    const removed = this.store.xferFinish(xferId);
    log.info({ removed }, 'xfer recovery: the mupdate master no longer lists the mailboxes here; the copies here are removed');
    return true;
  }

  /** Let the target drop what it received (it does once the old connection is gone anyway). */
  private async tellTarget(servername: string, target: string, xferId: string, log: Logger): Promise<void> {
    try {
      const link = await XferLink.open(this.config, servername, target, log);
      try {
        await link.outcome(xferId);
      } finally {
        link.close();
      }
    } catch {
      // Only tidying up: the target discards a staging when its connection ends.
    }
  }
}
