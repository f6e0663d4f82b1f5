import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentSlice, requestSlice } from '../../src/common/sched-slice.js';
import { RunningMaster, tempServer, type TempServer } from './helpers.js';

// Issue 16: service workers may ask Linux (6.12 and later) for a short scheduler slice
// (sched_slice_us), so that a worker woken by a client or a change runs before threads in the middle
// of longer turns. Off by default (0: the kernel's slice).

/** The slice the kernel holds for thread `tid` of process `pid`, in ns (/proc/PID/task/TID/sched). */
function sliceOf(pid: number, tid = pid): number {
  const m = /^se\.slice\s*:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/task/${tid}/sched`, 'utf8'));
  if (!m) throw new Error(`no se.slice for ${pid}/${tid}`);
  return Number(m[1]);
}

/** The kernel's own default slice, as a fresh thread has it. */
function kernelDefault(): number {
  return Number(/^se\.slice\s*:\s*(\d+)/m.exec(execFileSync('cat', ['/proc/self/sched'], { encoding: 'utf8' }))![1]);
}

// Kernels before 6.12 keep no per-thread slice: there is nothing to see then.
const supported = /^se\.slice/m.test(readFileSync('/proc/self/sched', 'utf8'));

describe.skipIf(!supported)('scheduler slice of the calling thread (src/common/sched-slice.ts)', () => {
  it.each([
    [250, 250_000],
    [100, 100_000],
    [20, 100_000], // the kernel's least
    [3000, 3_000_000],
  ])('asking %i µs gives %i ns', (us, ns) => {
    try {
      expect(requestSlice(us)).toEqual({ kind: 'set', ns });
      expect(currentSlice()).toBe(ns);
      // The test may run on a worker thread: the calling thread's own entry.
      const tid = Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0]);
      expect(sliceOf(process.pid, tid)).toBe(ns);
    } finally {
      requestSlice(0);
    }
  });

  it('0 gives the kernel default back', () => {
    requestSlice(300);
    expect(requestSlice(0)).toEqual({ kind: 'set', ns: kernelDefault() });
  });

  it('the nice value stays what it was', () => {
    const module = resolve(import.meta.dirname, '../../dist/src/common/sched-slice.js');
    const script = `import(${JSON.stringify(module)}).then((m) => { const got = m.requestSlice(400); const stat = require('fs').readFileSync('/proc/self/stat', 'utf8'); console.log(JSON.stringify({ got, nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) })); })`;
    const out = JSON.parse(execFileSync('nice', ['-n', '7', process.execPath, '-e', script], { encoding: 'utf8' })) as { got: unknown; nice: number };
    expect(out).toEqual({ got: { kind: 'set', ns: 400_000 }, nice: 7 });
  });
});

describe.skipIf(!supported)('master: the workers ask for sched_slice_us', () => {
  let server: TempServer;
  let master: RunningMaster;

  beforeAll(async () => {
    server = tempServer(
      'SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0" prefork=1\n  pop3 cmd="pop3d" listen="127.0.0.1:0" prefork=1\n  lmtp cmd="lmtpd" listen="127.0.0.1:0" prefork=1\n}\n',
      'sched_slice_us: 100\npop3_sched_slice_us: 0\nlmtp_sched_slice_us: 2500\n',
    );
    master = RunningMaster.start(server);
    await Promise.all([master.address('imap'), master.address('pop3'), master.address('lmtp')]);
  });

  afterAll(async () => {
    await master?.stop();
    server?.cleanup();
  });

  // A worker asks for its slice before it tells the master it is ready.
  const workerOf = (service: string): Promise<number> => master.readyWorker(service);

  it("an imapd worker's main thread runs with the 100 µs set; its other threads keep the kernel's default", async () => {
    const pid = await workerOf('imap');
    expect(sliceOf(pid)).toBe(100_000);
    const others = readdirSync(`/proc/${pid}/task`).map(Number).filter((tid) => tid !== pid);
    expect(others.length).toBeGreaterThan(0);
    for (const tid of others) expect(sliceOf(pid, tid)).toBe(kernelDefault());
  });

  it('a service-prefixed setting applies to its service only: 0 leaves the default, 2500 gives 2.5 ms', async () => {
    expect(sliceOf(await workerOf('pop3'))).toBe(kernelDefault());
    expect(sliceOf(await workerOf('lmtp'))).toBe(2_500_000);
  });
});

describe.skipIf(!supported)('master: sched_slice_us unset', () => {
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

  it("workers keep the kernel's slice", async () => {
    const pid = await master.readyWorker('imap');
    expect(sliceOf(pid)).toBe(kernelDefault());
  });
});
