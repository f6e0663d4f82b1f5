/**
 * V8's helper threads of a service worker at a lower priority (option `helper_threads_nice`,
 * issue 16). Besides the thread that serves the sessions, a Node process runs V8's platform
 * workers: the optimizing compiler (TurboFan, compiling in the background whatever got hot) and the
 * concurrent marking and sweeping of the garbage collector. On a busy machine they compete with the
 * event loop as equals. In fairness-100k on 2 cores they used 150-250 ms of CPU in the round where
 * one client first opens and reads a 100,000-message mailbox, as much as the main thread, and idle
 * sessions' NOOPs waited behind them. A higher nice value makes them use the cores the event loops
 * leave idle: Linux lets a thread raise its own process's nice values without privilege.
 *
 * Which threads: Node starts V8's platform before anything else (its delayed-task timer, then the
 * `--v8-pool-size` workers, 4 by default), so they are the first threads created after the main
 * one. libuv's thread pool (file writes and fsync, scrypt for logins) and the inspector's thread
 * come later and keep the main thread's priority: a login's scrypt at nice 19 waited seconds under
 * full load.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** What lowering the helpers came to. */
export type HelperNiceOutcome =
  | { kind: 'set'; nice: number; tids: number[] }
  | { kind: 'unavailable'; reason: string };

/** The number of V8 worker threads Node was started with (`--v8-pool-size`, 4 unless given); null when V8 chose it. */
export function v8PoolSize(execArgv: readonly string[] = process.execArgv): number | null {
  let size = 4;
  for (let k = 0; k < execArgv.length; k++) {
    const arg = execArgv[k]!;
    const value = arg === '--v8-pool-size' ? execArgv[k + 1] : arg.startsWith('--v8-pool-size=') ? arg.slice('--v8-pool-size='.length) : undefined;
    if (value !== undefined) size = Number(value);
  }
  return Number.isInteger(size) && size > 0 ? size : null;
}

/** When a thread started (clock ticks since boot) from its /proc stat line; the 22nd field. */
function startTime(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

/**
 * The threads of this process in the order they were created (start time, then thread id), the
 * main thread left out; [] where /proc cannot be read.
 */
export function helperThreadsInOrder(pid = process.pid): number[] {
  let tids: number[];
  try {
    tids = readdirSync(`/proc/${pid}/task`).map(Number).filter((tid) => tid !== pid);
  } catch {
    return [];
  }
  const started = new Map<number, number>();
  for (const tid of tids) {
    try {
      started.set(tid, startTime(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1')));
    } catch {
      started.set(tid, Number.POSITIVE_INFINITY); // gone meanwhile
    }
  }
  return tids.sort((a, b) => started.get(a)! - started.get(b)! || a - b);
}

/** Set the nice value of V8's platform threads of this process (0 leaves them as they are; above 19 counts as 19). */
export function lowerV8Helpers(asked: number): HelperNiceOutcome {
  const nice = Math.min(19, asked);
  if (nice <= 0) return { kind: 'unavailable', reason: 'helper_threads_nice is 0' };
  if (process.platform !== 'linux') return { kind: 'unavailable', reason: `per-thread nice values are Linux's (${process.platform})` };
  const pool = v8PoolSize();
  if (pool === null) return { kind: 'unavailable', reason: '--v8-pool-size=0 lets V8 choose its thread count: its threads are not known' };
  // the delayed-task timer and the pool's workers
  const tids = helperThreadsInOrder().slice(0, pool + 1);
  if (tids.length === 0) return { kind: 'unavailable', reason: 'the threads of this process cannot be read from /proc' };
  for (const tid of tids) {
    try {
      setPriority(tid, nice);
    } catch (err) {
      return { kind: 'unavailable', reason: (err as Error).message };
    }
  }
  return { kind: 'set', nice, tids };
}
