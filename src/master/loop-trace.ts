import { existsSync, openSync, readSync, writeFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { Session } from 'node:inspector';

/**
 * A diagnostic for the fairness figure (issue 16): with CYRUSTS_LOOP_TRACE=DIR a worker ticks a
 * 1 ms timer and records, for every tick that came late, how late it was, how much CPU the main
 * thread used meanwhile and how long it waited for a core (/proc schedstat), beside the GC pauses.
 * Late with CPU: our code (or GC) held the loop; late without: the kernel ran something else.
 * Written to DIR/loop-<pid>.txt when the process exits. Off (and free) without the variable.
 */
/**
 * The wait of a command arriving at a random moment for the turn under way to end: an interval of
 * length L holds it for a uniform part of L, so P(wait > w) = sum(max(0, L - w)) / sum(L); the
 * percentile `p` of that.
 */
function residual(intervals: number[], p: number): number {
  const total = intervals.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const target = total * (1 - p / 100);
  let lo = 0;
  let hi = Math.max(...intervals);
  for (let k = 0; k < 40; k++) {
    const mid = (lo + hi) / 2;
    let over = 0;
    for (const l of intervals) if (l > mid) over += l - mid;
    if (over > target) lo = mid;
    else hi = mid;
  }
  return hi;
}

export function traceLoop(dir: string | undefined): void {
  if (!dir) return;
  const sched = `/proc/self/task/${process.pid}/schedstat`;
  // CPU of the process (getrusage: exact; the thread's schedstat moves only at the scheduler's tick), wait for a core of the main thread.
  // One descriptor and one buffer for the whole trace: a readFileSync per tick (every millisecond)
  // allocated 8 KiB each time, megabytes a second that brought collections of their own into the
  // worker being traced.
  let schedFd: number | null = null;
  try {
    schedFd = openSync(sched, 'r');
  } catch {
    schedFd = null;
  }
  const schedBuf = Buffer.alloc(128);
  const read = (): [number, number] => {
    const { user, system } = process.cpuUsage();
    if (schedFd === null) return [(user + system) / 1000, 0];
    try {
      const n = readSync(schedFd, schedBuf, 0, schedBuf.length, 0);
      return [(user + system) / 1000, Number(schedBuf.toString('latin1', 0, n).split(' ')[1]) / 1e6];
    } catch {
      return [(user + system) / 1000, 0];
    }
  };
  const lines: string[] = [];
  const gcPauses: number[] = [];
  const gcs: string[] = [];
  const observer = new PerformanceObserver((list) => {
    const m = process.memoryUsage();
    const heap = `heap ${(m.heapUsed / 1048576).toFixed(0)}/${(m.heapTotal / 1048576).toFixed(0)} MB external ${(m.external / 1048576).toFixed(0)} MB arraybuffers ${(m.arrayBuffers / 1048576).toFixed(0)} MB`;
    for (const entry of list.getEntries()) {
      const detail = (entry as unknown as { detail?: { kind?: number; flags?: number } }).detail;
      if (phase) gcPauses.push(entry.duration);
      if (entry.duration >= 1 || detail?.kind === 4) gcs.push(`${(performance.timeOrigin + entry.startTime).toFixed(1)} gc ${entry.duration.toFixed(1)} ms kind ${detail?.kind} flags ${detail?.flags} ${heap}`);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  let [cpu0, wait0] = read();
  let last = performance.now();
  let ticks = 0;
  /** Every tick's interval (ms): wall, and wall less the wait for a core ("held" by this process). */
  const walls: number[] = [];
  const helds: number[] = [];
  const tick = (): void => {
    const now = performance.now();
    const [cpu, wait] = read();
    const late = now - last - 1;
    ticks++;
    if (phase) {
      walls.push(now - last);
      helds.push(Math.max(0, now - last - (wait - wait0)));
    }
    if (late >= 3) lines.push(`${(performance.timeOrigin + now).toFixed(1)} late ${late.toFixed(1)} ms cpu ${(cpu - cpu0).toFixed(1)} runqueue ${(wait - wait0).toFixed(1)}`);
    cpu0 = cpu;
    wait0 = wait;
    last = performance.now();
    setTimeout(tick, 1).unref();
  };
  setTimeout(tick, 1).unref();
  // Only while a file named "measure" exists in DIR (the bench makes it during its rounds).
  let phase = false;
  let samples = 0;
  setInterval(() => {
    const now = existsSync(`${dir}/measure`);
    if (now !== phase && process.env.CYRUSTS_HEAP_SAMPLE) heapSample(dir, now, samples++);
    phase = now;
  }, 20).unref();
  process.on('exit', () =>
    writeFileSync(`${dir}/loop-${process.pid}.txt`, `ticks ${ticks}\nresidual wait p99: wall ${residual(walls, 99).toFixed(2)} ms, held ${residual(helds, 99).toFixed(2)} ms; p90: wall ${residual(walls, 90).toFixed(2)}, held ${residual(helds, 90).toFixed(2)}\ngc pauses while measured: ${gcPauses.length}, ${gcPauses.reduce((a, b) => a + b, 0).toFixed(1)} ms, longest ${Math.max(0, ...gcPauses).toFixed(1)} ms\n` + [...lines, ...gcs].sort().join('\n') + '\n'));
}

/**
 * With CYRUSTS_HEAP_SAMPLE set too: V8's sampling heap profiler over each measured phase, the objects
 * collected meanwhile included (what a phase allocates, not only what it keeps), written to
 * DIR/heap-<pid>-<n>.heapprofile when the phase ends.
 */
let session: Session | null = null;
function heapSample(dir: string, start: boolean, n: number): void {
  if (start) {
    session = new Session();
    session.connect();
    session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
    return;
  }
  const s = session;
  if (s === null) return;
  s.post('HeapProfiler.stopSampling', (err, result) => {
    if (err === null) writeFileSync(`${dir}/heap-${process.pid}-${n}.heapprofile`, JSON.stringify((result as { profile: unknown }).profile));
    s.disconnect();
  });
  session = null;
}
