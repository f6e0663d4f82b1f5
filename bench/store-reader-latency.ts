// Figure: how long a reader (SELECT's snapshot, FETCH's records and cache rows, the NOOP/IDLE
// changes poll) takes while other processes append, flag and expunge in the same mailbox as fast
// as they can (issue 3: "a reader never waits on a writer for more than a few milliseconds").
// Reads are timed one by one during the writers' run, then again with the writers gone, so the
// difference is what the writers cost the reader (lock waits and CPU: 2 cores are shared).
// `node dist/bench/store-reader-latency.js [--writers N] [--seconds S] [--prefill N] [--pause-ms MS] [--no-fsync]`
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapdConfig } from '../src/config/index.js';
import { MailStore } from '../src/store/index.js';
import type { Mailbox } from '../src/mailbox/index.js';

const WRITER = join(dirname(fileURLToPath(import.meta.url)), '_store-writer.js');
const MAILBOX = 'user.fred';
const FETCH_COUNT = 20;

interface WriterReport {
  appends: number;
  flagChanges: number;
  expunges: number;
  expunged: number;
  writeMs: number[];
}

type ReadKind = 'snapshot' | 'fetch' | 'changes';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(values: readonly number[]): string {
  const sorted = Float64Array.from(values).sort();
  return `n=${sorted.length} p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms, max ${(sorted[sorted.length - 1] ?? NaN).toFixed(2)} ms`;
}

const pause = (ms: number) => new Promise<void>((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));

/** One round of what a session reads: SELECT's snapshot, a FETCH of the last messages, a NOOP poll. */
function readRound(box: Mailbox, since: { modseq: number }, times: Record<ReadKind, number[]>): void {
  let t0 = performance.now();
  const snap = box.snapshot('fred');
  times.snapshot.push(performance.now() - t0);
  const last = Array.from(snap.uids.subarray(Math.max(0, snap.count - FETCH_COUNT)));
  t0 = performance.now();
  box.records(last, 'fred');
  box.summaries(last);
  times.fetch.push(performance.now() - t0);
  t0 = performance.now();
  const changes = box.changesSince(since.modseq, 'fred');
  times.changes.push(performance.now() - t0);
  since.modseq = changes.highestModseq;
}

async function readFor(box: Mailbox, ms: number, pauseMs: number, until?: Promise<unknown>): Promise<Record<ReadKind, number[]>> {
  const times: Record<ReadKind, number[]> = { snapshot: [], fetch: [], changes: [] };
  const since = { modseq: box.status().highestModseq };
  let done = false;
  void until?.then(() => (done = true));
  const end = performance.now() + ms;
  while (!done && performance.now() < end) {
    readRound(box, since, times);
    await pause(pauseMs);
  }
  return times;
}

function report(label: string, times: Record<ReadKind, number[]>): void {
  console.log(`  ${label}`);
  console.log(`    any read  ${summary([...times.snapshot, ...times.fetch, ...times.changes])}`);
  console.log(`    snapshot  ${summary(times.snapshot)}`);
  console.log(`    fetch ${FETCH_COUNT}  ${summary(times.fetch)}`);
  console.log(`    changes   ${summary(times.changes)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const writers = option('--writers', 2);
  const seconds = option('--seconds', 10);
  const prefill = option('--prefill', 2000);
  const pauseMs = option('--pause-ms', 1);
  const durable = !process.argv.includes('--no-fsync');
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'bench-reader-'));
  const children: ChildProcess[] = [];
  try {
    const configFile = join(dir, 'imapd.conf');
    fs.writeFileSync(configFile, `configdirectory: ${dir}/conf\npartition-default: ${dir}/spool\nfsync_disabled: ${durable ? 'no' : 'yes'}\nloglevel: warn\n`);
    const store = MailStore.open({ config: ImapdConfig.load(configFile) });
    store.createMailbox(MAILBOX);
    const box = store.openMailbox(MAILBOX);
    const text = Buffer.from(`From: fill@example.com\r\nTo: fred@example.com\r\nSubject: fill\r\n\r\n${'x'.repeat(2000)}\r\n`);
    for (let done = 0; done < prefill; done += 100) {
      await box.append(Array.from({ length: Math.min(100, prefill - done) }, (_, i) => ({ content: text, flags: i % 2 === 0 ? ['\\Seen'] : [] })), { userid: 'fred' });
    }
    const before = box.status();

    const reports: Promise<WriterReport>[] = [];
    const ready: Promise<void>[] = [];
    for (let w = 0; w < writers; w++) {
      const child = fork(WRITER, [configFile, MAILBOX, String(seconds * 1000)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.push(child);
      ready.push(new Promise((resolve) => child.once('message', () => resolve())));
      reports.push(
        new Promise((resolve, reject) => {
          child.on('message', (m: WriterReport | { ready: true }) => {
            if ('appends' in m) resolve(m);
          });
          child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`writer exited with ${code}`))));
        }),
      );
    }
    await Promise.all(ready);
    const started = performance.now();
    for (const child of children) child.send({ go: true });
    const allDone = Promise.all(reports);
    const busy = await readFor(box, seconds * 1000 + 5000, pauseMs, allDone);
    const results = await allDone;
    const ranMs = performance.now() - started;
    const after = box.status();
    const quiet = await readFor(box, 2000, pauseMs);
    box.close();
    store.close();

    const sum = (f: (r: WriterReport) => number) => results.reduce((n, r) => n + f(r), 0);
    const appends = sum((r) => r.appends);
    console.log(`store-reader-latency: ${writers} writer process(es) for ${seconds} s, ${durable ? 'durable (fsync)' : 'fsync_disabled'}, one reader; mailbox ${before.messages} -> ${after.messages} messages`);
    console.log(
      `  writers: ${appends} appends (${((appends * 1000) / ranMs).toFixed(0)}/s), ${sum((r) => r.flagChanges)} flag changes, ${sum((r) => r.expunges)} expunges (${sum((r) => r.expunged)} messages), ` +
        `${(((appends + sum((r) => r.flagChanges) + sum((r) => r.expunges)) * 1000) / ranMs).toFixed(0)} write transactions/s in all`,
    );
    console.log(`  writes (wall time of one append/store/expunge call)  ${summary(results.flatMap((r) => r.writeMs))}`);
    report('reads while the writers run:', busy);
    report('reads with no writer (same mailbox, afterwards):', quiet);
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
