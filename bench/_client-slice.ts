// The scheduler slice of the benches' measuring clients (the IDLE client of imap-idle-latency and the
// floor's receiver; fairness-100k's idle sessions only when asked). On this 2-core machine the client that
// times an answer shares the cores with the server, and a client woken while another thread is in
// the middle of its turn waits in the run queue: that wait is the client's, not the server's, and
// a client on its own machine would not have it. So the measuring clients ask the kernel for its
// shortest slice, 100 µs (src/common/sched-slice.ts; the server's workers keep their shipped
// sched_slice_us), unless CYRUSTS_BENCH_CLIENT_SLICE_US says otherwise (0: the kernel's default, as
// before 2026-12-05). The benches print which.
import { requestSlice } from '../src/common/sched-slice.js';

const ENV = 'CYRUSTS_BENCH_CLIENT_SLICE_US';
/** The measuring clients' slice unless the environment says otherwise: the kernel's least. */
const CLIENT_SLICE_US = 100;

/**
 * The slice the measuring clients run with, in µs (0: the kernel's default). Settled by the bench
 * process, which also puts it in the environment its children (lean client processes) inherit.
 */
export function clientSliceUs(): number {
  const given = process.env[ENV];
  const us = given !== undefined && given !== '' ? Number(given) : CLIENT_SLICE_US;
  process.env[ENV] = String(us);
  return us;
}

/** The slice the server's workers ask for as shipped (sched_slice_us's default), in µs; the floor's relay, which stands for the worker, gets it too. */
export async function shippedSliceUs(): Promise<number> {
  const { OPTION_BY_NAME } = await import('../src/config/options/index.js');
  return Number(OPTION_BY_NAME.get('sched_slice_us')!.default);
}

/** Give the calling thread `us` µs (0: leave the kernel's default); a few words saying what it got. */
export function applySlice(us: number): string {
  if (us === 0) return 'the kernel default slice';
  const got = requestSlice(us);
  return got.kind === 'set' ? `a ${(got.ns / 1000).toFixed(0)} µs slice` : `the kernel default slice (${got.reason})`;
}

/** In a child process: the slice its parent settled (clientSliceUs), applied. */
export function applyInheritedSlice(): string {
  return applySlice(Number(process.env[ENV] ?? 0));
}
