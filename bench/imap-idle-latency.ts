// Latency from "append returned in another process" to "* N EXISTS" read by an IDLE client, through
// the real master (imapd worker + notification relay). Prints p50 and p99. Both ends read
// CLOCK_MONOTONIC (process.hrtime), which all processes of the machine share.
// Usage: node dist/bench/imap-idle-latency.js [COUNT=300] [INTERVAL_MS=10]
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchClient, percentile, startBenchMaster, treePids } from './_master.js';

/** Times the process was woken (voluntary context switches) and its CPU time (ms), from /proc. */
function wakeups(pid: number): { woken: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { woken: Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0), cpuMs: (Number(fields[11]) + Number(fields[12])) * 10 };
}

const count = Number(process.argv[2] ?? 300);
const interval = Number(process.argv[3] ?? 10);
const appender = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'imap', 'fixtures', 'append-child.mjs');

const master = await startBenchMaster();
try {
  const client = await BenchClient.connect(master.port);
  await client.command('LOGIN fred pass');
  await client.command('SELECT INBOX');
  // arrivals[i]: when the client learnt of the (i+1)th message: "* N EXISTS" tells of every message
  // up to N (two appends close together may be told in one EXISTS).
  const arrivals: number[] = [];
  // Times on CLOCK_MONOTONIC (process.hrtime), as the appender prints them (APPEND_CLOCK): the epoch
  // times of two processes' performance.timeOrigin may differ by a fraction of a millisecond.
  client.onUntagged = (line) => {
    const at = Number(process.hrtime.bigint()) / 1e6;
    const m = /^\* (\d+) EXISTS$/.exec(line);
    if (m) while (arrivals.length < Number(m[1])) arrivals.push(at);
  };
  client.send('i IDLE\r\n');
  await new Promise((r) => setTimeout(r, 100));
  const master0 = wakeups(master.process.pid!);
  // The workers (the master's descendants): the imapd worker serving the IDLE client is one of them.
  const workers = treePids(master.process.pid!).filter((pid) => pid !== master.process.pid);
  const workers0 = workers.map(wakeups);
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [appender, master.imapdConf, 'user.fred', String(count), String(interval)], { maxBuffer: 1 << 24, env: { ...process.env, APPEND_CLOCK: 'monotonic' } }, (err, out) => (err ? reject(err) : resolve(out))),
  );
  await new Promise((r) => setTimeout(r, 200));
  const sent = stdout.trim().split('\n').map(Number);
  const latencies = sent.map((t, i) => (arrivals[i] ?? Number.NaN) - t).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const master1 = wakeups(master.process.pid!);
  console.log(`imap-idle-latency: ${sent.length} deliveries from another process, ${latencies.length} pushed; p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, max ${latencies.at(-1)!.toFixed(2)} ms`);
  // The master (the hub) on the path of a push costs a wake-up of a third process per delivery.
  console.log(`  master meanwhile: ${master1.woken - master0.woken} wake-ups, ${(master1.cpuMs - master0.cpuMs).toFixed(0)} ms CPU`);
  // The busiest worker (the one serving the IDLE client): wake-ups and CPU per delivery (one wake-up each is the least).
  const busiest = workers.map((pid, i) => { const now = wakeups(pid); return { woken: now.woken - workers0[i]!.woken, cpuMs: now.cpuMs - workers0[i]!.cpuMs }; }).sort((a, b) => b.woken - a.woken)[0];
  if (busiest) console.log(`  its worker meanwhile: ${(busiest.woken / sent.length).toFixed(2)} wake-ups and ${(busiest.cpuMs / sent.length).toFixed(2)} ms CPU per delivery`);
  client.send('DONE\r\n');
  client.socket.destroy();
} finally {
  await master.stop();
}
