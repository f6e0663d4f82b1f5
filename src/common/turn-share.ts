/**
 * A share of each event-loop turn for the commands that sockets bring (issue 16). In one turn Node
 * runs the callback of every socket that became readable, one after the other: with a hundred busy
 * sessions on a worker that is a hundred commands, tens of milliseconds, before the loop looks at
 * anything else. The master's next connection waits all that while: Node passes one socket per
 * channel at a time, and the next only after the worker's loop has taken the last. Under load a
 * worker took a new connection every few tens of milliseconds, and clients connecting to a busy
 * server waited seconds for the greeting.
 *
 * With a share, a turn runs commands as they come until `shareMs` of them have run; the sessions
 * whose data came later wait, in order, and run from setImmediate with a new share each turn,
 * after the loop has polled again (new connections, the master's messages, and whatever became
 * readable meanwhile, which then queues behind them).
 */
import { performance } from 'node:perf_hooks';

/** Milliseconds of commands in one turn before the sessions whose data came later wait for the next. */
export const TURN_SHARE_MS = 5;

export class TurnShare {
  /** Start of the current turn's share (-1: none open). */
  private opened = -1;
  private readonly waiting: (() => void)[] = [];
  private head = 0;

  constructor(
    private readonly shareMs = TURN_SHARE_MS,
    private readonly now: () => number = () => performance.now(),
    private readonly later: (run: () => void) => void = (run) => void setImmediate(run),
  ) {}

  /** Sessions waiting for a later turn. */
  get waitingCount(): number {
    return this.waiting.length - this.head;
  }

  /**
   * True: run now (the share of this turn is not used up). False: `run` is called on a later turn,
   * after those already waiting.
   */
  runOrWait(run: () => void): boolean {
    if (this.waitingCount > 0) {
      this.waiting.push(run);
      return false;
    }
    const now = this.now();
    if (this.opened < 0) {
      this.opened = now;
      this.later(this.endOfTurn);
      return true;
    }
    if (now - this.opened < this.shareMs) return true;
    this.waiting.push(run);
    return false;
  }

  private readonly endOfTurn = (): void => {
    this.opened = -1;
    if (this.waitingCount === 0) return;
    const started = this.now();
    do {
      const run = this.waiting[this.head]!;
      this.waiting[this.head++] = noop;
      run();
    } while (this.waitingCount > 0 && this.now() - started < this.shareMs);
    if (this.waitingCount === 0) {
      this.waiting.length = 0;
      this.head = 0;
      return;
    }
    if (this.head > 1024) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    // The rest on the next turn, after its poll: what comes meanwhile queues behind them.
    this.opened = started;
    this.later(this.endOfTurn);
  };
}

const noop = (): void => undefined;

/** The process's share for IMAP commands (one event loop, one share). */
export const commandTurns = new TurnShare();
