// Issue 16 "Fairness": while one client opens and reads a 100,000-message INBOX (SELECT, FETCH 1:*
// (FLAGS), FETCH 1:* (ENVELOPE)), the NOOP round trips of 500 idle sessions served by the same
// worker (prefork=1). Prints NOOP p50/p99/max with nobody reading (baseline) and while the reader
// runs, and the reader's own command times and CPU. Real master, shipped settings (scrypt cost, fsync on).
// The first round opens the mailbox cold (no columns kept by the worker); before each later round
// one message is appended from outside (the worker patches its columns). The reader runs in a
// process of its own, so that reading 100,000 FETCH lines does not delay the idle clients here, and
// only looks for its tagged answers (--reader tail): splitting 100,000 lines into strings took it
// 150-400 ms of CPU per round on the 2 cores the worker and the idle clients share.
// The idle sessions (this process) keep the kernel's scheduler slice unless
// CYRUSTS_BENCH_CLIENT_SLICE_US gives one (bench/_client-slice.ts): unlike imap-idle-latency's lean
// client, this process is busy with 500 sessions, and with 100 µs the p99s were no lower
// (2026-12-05, alternating runs: 17.3, 7.4, 13.1, 9.1, 16.8 against 12.8, 9.1, 15.4, 7.8, 9.1 ms).
// Diagnostics: CYRUSTS_BENCH_THREADS=1 prints per round the CPU of each thread (=tid: one line per
// thread id, not per name) and each main thread's wait for a core; CYRUSTS_BENCH_STALLS=1 prints
// the NOOPs of 5 ms or more in clusters by the time they were sent; CYRUSTS_LOOP_TRACE=DIR has the
// worker record its late event-loop turns (src/master/loop-trace.ts).
//   npm run bench -- fairness-100k [--sessions 500] [--messages 100000] [--rounds 3]
//     [--interval 200] [--dir PATH]   (--dir: the filled mailbox is kept and reused)
import { fork } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ImapdConfig } from '../src/config/index.js';
import { MailStore } from '../src/store/index.js';
import { applySlice } from './_client-slice.js';
import { BenchClient, mainThreadWaitMs, percentile, startBenchMaster, threadCpuDelta, threadCpuMs, treePids, treeCpuMs, type BenchMaster } from './_master.js';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '500' },
    messages: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
    interval: { type: 'string', default: '200' },
    dir: { type: 'string' },
    /** Another build's dist/bin/cyrusts.js as the server (A/B against a baseline build, same bench). */
    cli: { type: 'string' },
    /**
     * How the reader reads its answers: "tail" (default) only looks for the tagged answer in the last
     * 4 KB received; "full" splits every line into a string as BenchClient does (the bench before
     * 2026-12-03), which costs the reader ~150-200 ms of CPU per FETCH 1:* (ENVELOPE) on the same
     * 2 cores as the server and the idle clients.
     */
    reader: { type: 'string', default: 'tail' },
    /** Internal: run as the reader against this port (a child of the bench). */
    'reader-port': { type: 'string' },
  },
});
const SESSIONS = Number(values.sessions);
const MESSAGES = Number(values.messages);
const ROUNDS = Number(values.rounds);
/** Each idle session sends one NOOP per interval (ms), at its own offset. */
const INTERVAL = Number(values.interval);

function message(i: number): Buffer {
  return Buffer.from(
    `From: Sender ${i % 97} <sender${i % 97}@example.com>\r\nTo: Fred <fred@example.com>\r\nCc: list${i % 13}@example.org\r\n` +
      `Subject: fairness bench message ${i}\r\nDate: Mon, 1 Jan 2024 10:${String(i % 60).padStart(2, '0')}:00 +0000\r\nMessage-ID: <f${i}@bench>\r\n\r\nbody ${i}\r\n`,
  );
}

async function fill(master: BenchMaster, user: string, from: number, count: number): Promise<void> {
  const store = MailStore.open({ config: ImapdConfig.load(master.imapdConf) });
  const mailbox = store.openMailbox(`user.${user}`);
  try {
    for (let at = from; at < from + count; at += 1000) {
      const items = [];
      for (let i = at; i < Math.min(from + count, at + 1000); i++) items.push({ content: message(i), flags: i % 2 === 0 ? ['\\Seen'] : [] });
      await mailbox.append(items, { userid: user });
    }
  } finally {
    mailbox.close();
    store.close();
  }
}

async function loggedIn(port: number, user: string): Promise<BenchClient> {
  const client = await BenchClient.connect(port);
  const answer = await client.command(`LOGIN ${user} pass`);
  if (!answer.at(-1)!.includes(' OK')) throw new Error(`LOGIN ${user}: ${answer.at(-1)}`);
  return client;
}

const ms = (x: number): string => x.toFixed(1);
function summary(latencies: number[]): string {
  const s = [...latencies].sort((a, b) => a - b);
  if (s.length === 0) return 'no NOOP answered';
  return `${s.length} NOOPs, p50 ${ms(percentile(s, 50))} ms, p99 ${ms(percentile(s, 99))} ms, max ${ms(s.at(-1)!)} ms`;
}

/**
 * With CYRUSTS_BENCH_STALLS set: the NOOPs that took 5 ms or more, as [sent at (epoch ms), took],
 * printed per round as clusters (NOOPs sent within 2 ms of the cluster's last), to set beside the
 * worker's loop trace (CYRUSTS_LOOP_TRACE, the same clock).
 */
const STALLS: Array<[number, number]> | null = process.env.CYRUSTS_BENCH_STALLS ? [] : null;

function stallClusters(stalls: Array<[number, number]>): string {
  const sorted = [...stalls].sort((a, b) => a[0] - b[0]);
  const out: string[] = [];
  let k = 0;
  while (k < sorted.length) {
    const from = sorted[k]![0];
    let to = from;
    let worst = 0;
    let answered = 0;
    let n = 0;
    while (k < sorted.length && sorted[k]![0] - to <= 2) {
      const [sent, took] = sorted[k]!;
      to = sent;
      worst = Math.max(worst, took);
      answered = Math.max(answered, sent + took);
      n++;
      k++;
    }
    out.push(`${from.toFixed(1)}+${(to - from).toFixed(1)}: ${n} NOOPs, worst ${worst.toFixed(1)} ms (the last answered at ${answered.toFixed(1)})`);
  }
  return out.join('\n      ');
}

/** The idle sessions' NOOPs until `stop()`; each latency is pushed to `sink()` of the moment. */
function runIdle(clients: BenchClient[], stop: () => boolean, sink: () => number[]): Promise<void[]> {
  return Promise.all(
    clients.map(async (client, k) => {
      await new Promise((r) => setTimeout(r, (k * INTERVAL) / clients.length));
      while (!stop()) {
        const t0 = performance.now();
        await client.command('NOOP');
        const took = performance.now() - t0;
        sink().push(took);
        if (STALLS !== null && took >= 5) STALLS.push([performance.timeOrigin + t0, took]);
        await new Promise((r) => setTimeout(r, Math.max(0, INTERVAL - took)));
      }
    }),
  );
}

/** The idle sessions' users: under maxlogins_per_user_host (50) sessions each, as many users would be. */
const IDLE_USERS = Array.from({ length: Math.ceil(SESSIONS / 50) }, (_, i) => `idle${i}`);
/**
 * The reader's client when it only waits for the tagged answer: the last 4 KB of the bytes are
 * kept, no string per line. A reader stands for a client on
 * another machine: its parsing is not the server's work, and here it runs on the 2 cores the
 * worker and the idle clients share.
 */
class TailClient {
  private tail = '';
  private waiter: { tag: string; resolve: (result: { last: string }) => void } | null = null;
  private counter = 0;
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.tail = (this.tail + chunk.subarray(Math.max(0, chunk.length - 4096)).toString('latin1')).slice(-4096);
      const w = this.waiter;
      if (w === null) return;
      const m = new RegExp(`(?:^|\\r\\n)(${w.tag} (?:OK|NO|BAD)[^\\r\\n]*)\\r\\n$`).exec(this.tail);
      if (m === null) return;
      this.waiter = null;
      w.resolve({ last: m[1]! });
    });
  }
  static connect(port: number): Promise<TailClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('error', reject);
      socket.once('data', () => resolve(new TailClient(socket)));
    });
  }
  command(text: string): Promise<{ last: string }> {
    const tag = `r${++this.counter}`;
    this.tail = '';
    return new Promise((resolve) => {
      this.waiter = { tag, resolve };
      this.socket.write(`${tag} ${text}\r\n`);
    });
  }
}

/** The reader (child process): one round per "go" from the parent, its command times (and its own CPU) sent back. */
async function reader(port: number): Promise<void> {
  const full = values.reader === 'full';
  process.on('message', (message: string) => {
    if (message !== 'go') return process.disconnect();
    void (async () => {
      const client = full ? await loggedIn(port, 'fred') : await TailClient.connect(port);
      if (!full) {
        const login = await (client as TailClient).command('LOGIN fred pass');
        if (!login.last.includes(' OK')) throw new Error(`LOGIN fred: ${login.last}`);
      }
      const times: string[] = [];
      const cpu0 = process.cpuUsage();
      for (const command of ['SELECT INBOX', 'FETCH 1:* (FLAGS)', 'FETCH 1:* (ENVELOPE)']) {
        const t0 = performance.now();
        const last = full ? (await (client as BenchClient).command(command)).at(-1)! : (await (client as TailClient).command(command)).last;
        times.push(`${command.replace(/ INBOX|1:\* |[()]/g, '')} ${ms(performance.now() - t0)} ms`);
        if (!last.includes(' OK')) throw new Error(`${command}: ${last}`);
      }
      const cpu = process.cpuUsage(cpu0);
      times.push(`its CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`);
      await client.command('LOGOUT');
      client.socket.destroy();
      process.send!(times.join(', '));
    })();
  });
}

if (values['reader-port'] !== undefined) await reader(Number(values['reader-port']));
else await main();

async function main(): Promise<void> {
  const master = await startBenchMaster({ prefork: 1, users: ['fred', ...IDLE_USERS], keepDir: values.dir, cli: values.cli });
  try {
    const store = MailStore.open({ config: ImapdConfig.load(master.imapdConf) });
    const have = store.openMailbox('user.fred');
    const existing = have.snapshot('fred').count;
    have.close();
    store.close();
    if (existing < MESSAGES) {
      const t0 = performance.now();
      await fill(master, 'fred', existing, MESSAGES - existing);
      console.log(`fairness-100k: filled ${MESSAGES - existing} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    // One LOGIN per user pays the shipped scrypt cost; the others are answered by auth_cache_ttl.
    const idle: BenchClient[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const c = await loggedIn(master.port, IDLE_USERS[i % IDLE_USERS.length]!);
      await c.command('SELECT INBOX');
      idle.push(c);
    }
    const slice = applySlice(Number(process.env.CYRUSTS_BENCH_CLIENT_SLICE_US ?? 0));
    console.log(`fairness-100k: ${SESSIONS} idle sessions (a NOOP each per ${INTERVAL} ms, with ${slice}), reader on ${MESSAGES} messages, one worker`);
    let phase: number[] = [];
    let running = true;
    const idleDone = runIdle(idle, () => !running, () => phase);
    // With CYRUSTS_HEAP_SAMPLE the baseline is a measured phase of its own too (the worker's heap profile 0).
    const sampleBaseline = process.env.CYRUSTS_LOOP_TRACE && process.env.CYRUSTS_HEAP_SAMPLE ? process.env.CYRUSTS_LOOP_TRACE : null;
    if (sampleBaseline) writeFileSync(`${sampleBaseline}/measure`, '');
    await new Promise((r) => setTimeout(r, 3000));
    if (sampleBaseline) {
      rmSync(`${sampleBaseline}/measure`, { force: true });
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`  baseline (nobody reading): ${summary(phase)}`);
    const during: number[] = [];
    const child = fork(fileURLToPath(import.meta.url), ['--reader-port', String(master.port), '--reader', values.reader!]);
    for (let round = 1; round <= ROUNDS; round++) {
      if (round > 1) {
        // The append runs in this process and holds its loop: NOOPs answered meanwhile are not counted.
        await fill(master, 'fred', MESSAGES + round, 1);
        await new Promise((r) => setTimeout(r, 1000));
      }
      phase = [];
      if (STALLS !== null) STALLS.length = 0;
      const trace = process.env.CYRUSTS_LOOP_TRACE;
      if (trace) writeFileSync(`${trace}/measure`, '');
      // The server's CPU (master and worker; the master idles) and this process's (the idle clients') over the round.
      const server0 = treeCpuMs(master.process.pid!);
      const own0 = process.cpuUsage();
      const byTid = process.env.CYRUSTS_BENCH_THREADS === 'tid';
      const threads0 = process.env.CYRUSTS_BENCH_THREADS ? threadCpuMs(master.process.pid!, byTid) : null;
      const waited = threads0 ? [...treePids(master.process.pid!), process.pid, child.pid!] : [];
      const wait0 = threads0 ? mainThreadWaitMs(waited) : null;
      const times = await new Promise<string>((resolve) => {
        child.once('message', (text: string) => resolve(text));
        child.send('go');
      });
      const own = process.cpuUsage(own0);
      const cpu = `server CPU ${(treeCpuMs(master.process.pid!) - server0).toFixed(0)} ms, idle clients' ${((own.user + own.system) / 1000).toFixed(0)} ms`;
      if (trace) rmSync(`${trace}/measure`, { force: true });
      console.log(`  round ${round}${round === 1 ? ' (cold)' : ' (after one append)'}: reader ${times}`);
      console.log(`    idle NOOPs meanwhile: ${summary(phase)}; ${cpu}`);
      if (STALLS !== null) {
        console.log(`    NOOPs of 5 ms or more, by cluster:\n      ${stallClusters(STALLS)}`);
        STALLS.length = 0;
      }
      if (threads0) console.log(`    CPU by thread (ms): ${threadCpuDelta(threads0, threadCpuMs(master.process.pid!, byTid))}`);
      if (wait0) {
        const names = new Map([[process.pid, 'idle clients'], [child.pid!, 'reader'], [master.process.pid!, 'master']]);
        const waits = [...mainThreadWaitMs(waited)].map(([pid, ms]) => `${names.get(pid) ?? `worker ${pid}`} ${(ms - (wait0.get(pid) ?? ms)).toFixed(1)}`);
        console.log(`    main threads' wait for a core (ms): ${waits.join(', ')}`);
      }
      during.push(...phase);
    }
    child.send('stop');
    running = false;
    await idleDone;
    console.log(`  all rounds: ${summary(during)}  (goal: p99 <= 10 ms)`);
    for (const c of idle) c.socket.destroy();
  } finally {
    await master.stop();
  }
}
