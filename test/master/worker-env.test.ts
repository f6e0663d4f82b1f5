import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerEnvironment, workerNodeFlags } from '../../src/master/worker-pool.js';

/** The flags a worker gets by default (worker-pool.ts MAIN_THREAD_PAUSES). */
const MAIN_THREAD_PAUSES = ['--no-parallel-scavenge', '--no-parallel-compaction', '--no-parallel-pointer-update'];
import { isAlive, RunningMaster, tempServer, type TempServer } from './helpers.js';

// Issue 17: a worker's memory grew under a connection flood (and after logins) and was never given
// back: glibc kept the freed large blocks in its heap arenas. Workers now start with a fixed mmap
// threshold and two arenas, unless the operator set these variables.
describe('master: the environment of a worker', () => {
  let server: TempServer;
  let master: RunningMaster;

  beforeAll(async () => {
    server = tempServer('SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0" prefork=1\n}\n');
    master = RunningMaster.start(server);
    await master.address('imap');
  });

  afterAll(async () => {
    await master?.stop();
    server?.cleanup();
  });

  it('a worker runs with malloc settings that give large blocks back', async () => {
    const pid = await master.waitFor('an imap worker', () => master.workerPids('imap').find(isAlive));
    const environ = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
    expect(environ).toContain('MALLOC_MMAP_THRESHOLD_=131072');
    expect(environ).toContain('MALLOC_ARENA_MAX=2');
    // The free top of the heap is kept up to 8 MiB (not given back and faulted in again at every 128 KiB).
    expect(environ).toContain('MALLOC_TRIM_THRESHOLD_=8388608');
    // A thread pool large enough for a MULTIAPPEND's file writes to share journal commits.
    expect(environ).toContain('UV_THREADPOOL_SIZE=16');
  });

  it("the operator's own settings win", () => {
    const env = workerEnvironment({ MALLOC_ARENA_MAX: '8', UV_THREADPOOL_SIZE: '6', PATH: '/bin' });
    expect(env).toMatchObject({ MALLOC_ARENA_MAX: '8', MALLOC_MMAP_THRESHOLD_: '131072', UV_THREADPOOL_SIZE: '6', PATH: '/bin' });
  });

  it('node flags for diagnostics: CYRUSTS_WORKER_FLAGS, then a CPU profile with CYRUSTS_PROF_DIR', () => {
    const flags = workerNodeFlags({ CYRUSTS_WORKER_FLAGS: '--trace-gc  --max-semi-space-size=8', CYRUSTS_PROF_DIR: '/tmp/p' });
    expect(flags.slice(process.execArgv.length)).toEqual([...MAIN_THREAD_PAUSES, '--trace-gc', '--max-semi-space-size=8', '--cpu-prof', '--cpu-prof-dir=/tmp/p']);
  });

  it("workers pause for garbage collection on their own thread by default; CYRUSTS_WORKER_GC=single or parallel instead", () => {
    expect(workerNodeFlags({})).toEqual([...process.execArgv, ...MAIN_THREAD_PAUSES]);
    expect(workerNodeFlags({ CYRUSTS_WORKER_GC: 'parallel' })).toEqual(process.execArgv);
    expect(workerNodeFlags({ CYRUSTS_WORKER_GC: 'single' })).toEqual([...process.execArgv, '--single-threaded-gc']);
  });

  it("a running worker's GC pauses run on its own thread by default (not single-threaded GC)", async () => {
    const pid = await master.waitFor('an imap worker', () => master.workerPids('imap').find(isAlive));
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
    expect(cmdline).not.toContain('--single-threaded-gc');
    for (const flag of MAIN_THREAD_PAUSES) expect(cmdline).toContain(flag);
  });
});
