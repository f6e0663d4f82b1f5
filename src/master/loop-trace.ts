import { readFileSync, writeFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

/**
 * A diagnostic for the fairness figure (issue 16): with CYRUSTS_LOOP_TRACE=DIR a worker ticks a
 * 1 ms timer and records, for every tick that came late, how late it was, how much CPU the main
 * thread used meanwhile and how long it waited for a core (/proc schedstat), beside the GC pauses.
 * Late with CPU: our code (or GC) held the loop; late without: the kernel ran something else.
 * Written to DIR/loop-<pid>.txt when the process exits. Off (and free) without the variable.
 */
export function traceLoop(dir: string | undefined): void {
  if (!dir) return;
  const sched = `/proc/self/task/${process.pid}/schedstat`;
  // CPU of the process (getrusage: exact; the thread's schedstat moves only at the scheduler's tick), wait for a core of the main thread.
  const read = (): [number, number] => {
    const { user, system } = process.cpuUsage();
    try {
      return [(user + system) / 1000, Number(readFileSync(sched, 'latin1').split(' ')[1]) / 1e6];
    } catch {
      return [(user + system) / 1000, 0];
    }
  };
  const lines: string[] = [];
  const gcs: string[] = [];
  const observer = new PerformanceObserver((list) => {
    const m = process.memoryUsage();
    const heap = `heap ${(m.heapUsed / 1048576).toFixed(0)}/${(m.heapTotal / 1048576).toFixed(0)} MB external ${(m.external / 1048576).toFixed(0)} MB arraybuffers ${(m.arrayBuffers / 1048576).toFixed(0)} MB`;
    for (const entry of list.getEntries()) {
      const detail = (entry as unknown as { detail?: { kind?: number; flags?: number } }).detail;
      if (entry.duration >= 1 || detail?.kind === 4) gcs.push(`${(performance.timeOrigin + entry.startTime).toFixed(1)} gc ${entry.duration.toFixed(1)} ms kind ${detail?.kind} flags ${detail?.flags} ${heap}`);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  let [cpu0, wait0] = read();
  let last = performance.now();
  let ticks = 0;
  const tick = (): void => {
    const now = performance.now();
    const [cpu, wait] = read();
    const late = now - last - 1;
    ticks++;
    if (late >= 3) lines.push(`${(performance.timeOrigin + now).toFixed(1)} late ${late.toFixed(1)} ms cpu ${(cpu - cpu0).toFixed(1)} runqueue ${(wait - wait0).toFixed(1)}`);
    cpu0 = cpu;
    wait0 = wait;
    last = performance.now();
    setTimeout(tick, 1).unref();
  };
  setTimeout(tick, 1).unref();
  process.on('exit', () => writeFileSync(`${dir}/loop-${process.pid}.txt`, `ticks ${ticks}\n` + [...lines, ...gcs].sort().join('\n') + '\n'));
}
