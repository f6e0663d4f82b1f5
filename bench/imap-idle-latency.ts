// Latency from "append returned in another process" to "* N EXISTS" read by an IDLE client, through
// the real master (imapd worker + notification relay). Prints p50 and p99. Both ends read
// CLOCK_MONOTONIC (process.hrtime), which all processes of the machine share.
// After the server is stopped, the machine's floor for the same two wake-ups (appender → worker →
// client) is measured with three processes that do nothing else (bench/_wakeup-floor.ts), with the
// same count and interval: a tail that the floor shows too is the machine's, not the server's.
// The IDLE client and the floor's receiver ask for a short scheduler slice
// (100 µs, bench/_client-slice.ts); CYRUSTS_BENCH_CLIENT_SLICE_US=0 leaves them the kernel's default.
// Usage: node dist/bench/imap-idle-latency.js [COUNT=300] [INTERVAL_MS=10]
// With CYRUSTS_BENCH_PERF=1 the workers' CPU meanwhile is also read by `perf stat -e task-clock`
// per thread (exact to the microsecond, where /proc moves a scheduler tick at a time).
import { execFile, fork, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, startBenchMaster, treePids } from './_master.js';
import { wakeupFloor } from './_wakeup-floor.js';
import { clientSliceUs, shippedSliceUs } from './_client-slice.js';

/**
 * Times the process was woken (voluntary context switches), its CPU time (ms, every thread) and its
 * main thread's (ms, schedstat: charged a scheduler tick at a time, so only a mean over many deliveries means anything), from /proc.
 */
function wakeups(pid: number): { woken: number; cpuMs: number; mainMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const main = Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  return { woken: Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0), cpuMs: (Number(fields[11]) + Number(fields[12])) * 10, mainMs: main };
}

const count = Number(process.argv[2] ?? 300);
const interval = Number(process.argv[3] ?? 10);
const appender = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'imap', 'fixtures', 'append-child.mjs');

const clientUs = clientSliceUs();
const master = await startBenchMaster();
try {
  // The IDLE client runs in a lean process of its own (bench/_idle-client.ts): this process's heap
  // (the mail store it made the users with) is not on the measured path. Its times are on
  // CLOCK_MONOTONIC (process.hrtime), as the appender prints them (APPEND_CLOCK): the epoch times of
  // two processes' performance.timeOrigin may differ by a fraction of a millisecond.
  const client = fork(join(dirname(fileURLToPath(import.meta.url)), '_idle-client.js'), [String(master.port), 'fred', 'pass', 'INBOX']);
  const ready = await new Promise<{ ready?: boolean; error?: string; slice?: string }>((resolve) => client.once('message', (m) => resolve(m as { ready?: boolean; error?: string; slice?: string })));
  if (!ready.ready) throw new Error(`IDLE client: ${ready.error}`);
  console.log(`imap-idle-latency: the IDLE client runs with ${ready.slice}`);
  await new Promise((r) => setTimeout(r, 100));
  const master0 = wakeups(master.process.pid!);
  // The workers (the master's descendants): the imapd worker serving the IDLE client is one of them.
  const workers = treePids(master.process.pid!).filter((pid) => pid !== master.process.pid);
  const workers0 = workers.map(wakeups);
  const perf = process.env.CYRUSTS_BENCH_PERF ? perfStat(workers) : null;
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [...(process.env.CYRUSTS_BENCH_APPENDER_FLAGS?.split(' ').filter(Boolean) ?? []), appender, master.imapdConf, 'user.fred', String(count), String(interval)], { maxBuffer: 1 << 24, env: { ...process.env, APPEND_CLOCK: 'monotonic' } }, (err, out) => (err ? reject(err) : resolve(out))),
  );
  await new Promise((r) => setTimeout(r, 200));
  // arrivals[i]: when the client learnt of the (i+1)th message ("* N EXISTS" tells of every message
  // up to N: two appends close together may be told in one EXISTS).
  const { arrivals } = await new Promise<{ arrivals: number[] }>((resolve) => {
    client.once('message', (m) => resolve(m as { arrivals: number[] }));
    client.send('report');
  });
  const perfThreads = perf === null ? null : await perf();
  const sent = stdout.trim().split('\n').map(Number);
  const inOrder = sent.map((t, i) => (arrivals[i] ?? Number.NaN) - t);
  // CYRUSTS_BENCH_DUMP=FILE: each delivery's latency in the order sent (to see whether the slow ones have a pattern).
  if (process.env.CYRUSTS_BENCH_DUMP) writeFileSync(process.env.CYRUSTS_BENCH_DUMP, inOrder.map((x) => x.toFixed(3)).join('\n') + '\n');
  const latencies = inOrder.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const master1 = wakeups(master.process.pid!);
  console.log(`imap-idle-latency: ${sent.length} deliveries from another process, ${latencies.length} pushed; p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, max ${latencies.at(-1)!.toFixed(2)} ms`);
  // The master (the hub) on the path of a push costs a wake-up of a third process per delivery.
  console.log(`  master meanwhile: ${master1.woken - master0.woken} wake-ups, ${(master1.cpuMs - master0.cpuMs).toFixed(0)} ms CPU`);
  // The busiest worker (the one serving the IDLE client): wake-ups and CPU per delivery (one wake-up each is the least).
  const busiest = workers.map((pid, i) => { const now = wakeups(pid); return { woken: now.woken - workers0[i]!.woken, cpuMs: now.cpuMs - workers0[i]!.cpuMs, mainMs: now.mainMs - workers0[i]!.mainMs }; }).sort((a, b) => b.woken - a.woken)[0];
  if (busiest) console.log(`  its worker meanwhile: ${(busiest.woken / sent.length).toFixed(2)} wake-ups and ${(busiest.cpuMs / sent.length).toFixed(2)} ms CPU per delivery (main thread ${(busiest.mainMs / sent.length).toFixed(2)})`);
  if (perfThreads !== null) {
    // The worker that served the client: the one whose main thread ran most.
    const main = workers.map((pid) => ({ pid, main: perfThreads.get(pid) ?? 0 })).sort((a, b) => b.main - a.main)[0]!;
    let others = 0;
    for (const [tid, ms] of perfThreads) if (tid !== main.pid && threadOf(tid) === main.pid) others += ms;
    console.log(`  perf task-clock of its worker: main thread ${(main.main / sent.length).toFixed(3)} ms, other threads ${(others / sent.length).toFixed(3)} ms per delivery`);
  }
} finally {
  await master.stop();
}
const floor = await wakeupFloor(count, interval, { relayUs: await shippedSliceUs(), receiverUs: clientUs });
console.log(`  machine floor, same run (two wake-ups of processes doing nothing else): p50 ${percentile(floor, 50).toFixed(2)} ms, p99 ${percentile(floor, 99).toFixed(2)} ms, max ${floor.at(-1)!.toFixed(2)} ms`);

/** The process a thread belongs to (its Tgid). */
function threadOf(tid: number): number {
  try {
    return Number(/^Tgid:\s+(\d+)/m.exec(readFileSync(`/proc/${tid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** `perf stat -e task-clock` per thread of `pids` from now; the returned function stops it and gives ms by thread id. */
function perfStat(pids: number[]): () => Promise<Map<number, number>> {
  const child = spawn('perf', ['stat', '-e', 'task-clock', '--per-thread', '-x', ',', '-p', pids.join(',')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () =>
    new Promise((resolve) => {
      child.once('exit', () => {
        const out = new Map<number, number>();
        // "comm-TID,value,msec,task-clock,..."
        for (const line of text.split('\n')) {
          const m = /^.*-(\d+),([\d.]+),msec,task-clock/.exec(line);
          if (m) out.set(Number(m[1]), Number(m[2]));
        }
        resolve(out);
      });
      child.kill('SIGINT');
    });
}
