/**
 * Long work cut into slices of the event loop (issue 16, fairness): one worker process serves
 * hundreds of sessions on one thread, so a FETCH 1:* or the first snapshot of a 100,000-message
 * mailbox must give the others a turn every few milliseconds. The work calls `turn()` after each
 * unit (a message, a block of records); when the slice is used up, by time or by units, the
 * promise waits for setImmediate, after the sockets that became readable meanwhile were served.
 */
// Imported, not the global: Node loads perf_hooks on the first use of the global `performance`,
// which would then cost ~3 ms inside the first slice of the first SELECT of a fresh process.
import { performance } from 'node:perf_hooks';

/**
 * Milliseconds of work between two turns given to the other sessions. 2 rather than 4: a NOOP of an
 * idle session arriving at a random moment while one client reads a 100,000-message mailbox waits
 * for the turn under way to end, p99 2.95-3.67 ms with 2-ms slices against 4.42-8.28 ms with 4-ms
 * ones (the worker's loop trace in fairness-100k, alternating runs); a pause costs two setImmediate
 * callbacks, and the reader's SELECT and FETCH times were no worse in the same runs.
 */
export const SLICE_MS = 2;

/**
 * Let the sessions whose sockets became readable run before going on. Two immediates: work resumed
 * by I/O (a command just read, a socket drained) runs in the poll phase, and one immediate would
 * resume it in the check phase of the same turn, before the sockets that became readable meanwhile
 * are polled. The second immediate runs after the next poll phase whatever phase this ran in.
 */
export async function giveTurn(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => setImmediate(resolve));
}

export class LoopSlices {
  private started = performance.now();
  private units = 0;

  constructor(
    private readonly sliceMs = SLICE_MS,
    /** Most units in one slice whatever the time (keeps the number of turns independent of the machine's speed). */
    private readonly maxUnits = Number.POSITIVE_INFINITY,
  ) {}

  /** Whether the slice is used up: call `pause()` then. */
  due(units = 1): boolean {
    this.units += units;
    return this.units >= this.maxUnits || performance.now() - this.started >= this.sliceMs;
  }

  /** Milliseconds of work since the slice started. */
  spent(): number {
    return performance.now() - this.started;
  }

  /** Let the other sessions run (giveTurn), then start a new slice. */
  async pause(): Promise<void> {
    await giveTurn();
    this.started = performance.now();
    this.units = 0;
  }

  /** After `units` of work: a turn for the others when the slice is used up. */
  async turn(units = 1): Promise<void> {
    if (this.due(units)) await this.pause();
  }
}
