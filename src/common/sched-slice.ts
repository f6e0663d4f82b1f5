/**
 * The scheduler slice a worker's main thread asks the kernel for (option `sched_slice_us`, issue 16).
 * Since Linux 6.12 (EEVDF) a thread may ask for a slice shorter than the kernel's default (1.4 ms on
 * a 2-core machine): its virtual deadline comes sooner, so when a socket wakes it, it runs ahead of
 * threads still inside their longer turns (an lmtpd append, a GC helper, another process's big
 * FETCH) instead of waiting in the run queue for one to end. Its share of the CPU is unchanged; a
 * busy worker is only cut into shorter turns. Node has no binding for sched_setattr(2), so a small
 * addon (native/sched_slice.c, built by `npm ci` with node-gyp) makes the call.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface SliceBinding {
  setSlice(ns: number): number;
  getSlice(): number;
}

/** What asking for a slice came to. */
export type SliceOutcome =
  /** The calling thread now runs with `ns` (the kernel clamps to 0.1-100 ms; 0 asked: its default). */
  | { kind: 'set'; ns: number }
  /** Nothing changed, and why (no addon built, a kernel before 6.12, a real-time policy, an error). */
  | { kind: 'unavailable'; reason: string };

let binding: SliceBinding | null | undefined;

/** The addon, looked for from this module up to the package root (src/common or dist/src/common). */
function loadBinding(): SliceBinding | null {
  if (binding !== undefined) return binding;
  binding = null;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++, dir = dirname(dir)) {
    const file = join(dir, 'build', 'Release', 'sched_slice.node');
    if (existsSync(file)) {
      binding = createRequire(import.meta.url)(file) as SliceBinding;
      break;
    }
  }
  return binding;
}

/** The calling thread's slice in ns as the kernel holds it, or null when it cannot be read. */
export function currentSlice(): number | null {
  const addon = loadBinding();
  if (addon === null) return null;
  try {
    return addon.getSlice();
  } catch {
    return null;
  }
}

/**
 * Ask for a slice of `us` microseconds for the calling thread (0: the kernel's default). Only
 * `process.platform === 'linux'` has the call; a kernel that keeps no custom slice reports 0 back.
 */
export function requestSlice(us: number): SliceOutcome {
  if (process.platform !== 'linux') return { kind: 'unavailable', reason: `no scheduler slices on ${process.platform}` };
  const addon = loadBinding();
  if (addon === null) return { kind: 'unavailable', reason: 'the sched_slice addon is not built (npm ci builds it with node-gyp)' };
  try {
    const ns = addon.setSlice(us * 1000);
    if (ns === 0) return { kind: 'unavailable', reason: 'this kernel keeps no per-thread slice (Linux 6.12 and later do), or the thread has a real-time policy' };
    return { kind: 'set', ns };
  } catch (err) {
    return { kind: 'unavailable', reason: (err as Error).message };
  }
}
