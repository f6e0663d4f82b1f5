// Issue 16 "Fairness", measured inside the server: the longest turns of the event loop of a process
// serving IMAP while one client runs SELECT, FETCH 1:* (FLAGS) and FETCH 1:* (ENVELOPE) on a big
// INBOX (cold, then after one append from another process), as CPU time of the process (getrusage,
// exact to the microsecond; GC helper threads included), so that a turn's length does not depend on
// how busy the machine is (fairness-100k's NOOP round trips do), and as "held": the turn's wall time
// less the time the main thread waited for a core (schedstat), i.e. how long the loop was held by
// our code, GC pauses included. A NOOP of another session waits at most one turn: the goal is no
// turn above a few ms.
//   npm run bench -- fairness-turns --dir PATH   (a directory fairness-100k filled; its master stopped)
//     [--unclaimed]   the INBOX's \Recent made unclaimed first, as right after fairness-100k filled it:
//                     the cold SELECT then claims every message (the first run after a fill)
import { execFileSync } from 'node:child_process';
import { openSync, readSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { PerformanceObserver } from 'node:perf_hooks';
import { Session } from 'node:inspector';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/common/log.js';
import { ImapdConfig } from '../src/config/index.js';
import { ImapServer } from '../src/imap/server.js';
import { INDEX_FILE } from '../src/mailbox/files.js';
import { MailStore } from '../src/store/index.js';
import Database from 'better-sqlite3';

const { values } = parseArgs({ options: { dir: { type: 'string' }, user: { type: 'string', default: 'fred' }, unclaimed: { type: 'boolean', default: false } } });
if (values.dir === undefined) throw new Error('--dir: a directory filled by fairness-100k');
const conf = join(values.dir, 'imapd.conf');
const appender = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'imap', 'fixtures', 'append-child.mjs');

/**
 * CPU time of the process (ms), to the microsecond (getrusage). The main thread's own counter in
 * /proc/self/task/<pid>/schedstat, used before, moves only at the scheduler's tick (4 ms here) while
 * the thread runs: a turn read 0, 4 or 8 ms whatever it took. The process's figure also counts the
 * GC's helper threads, which work while the main thread waits for them.
 */
const mainCpu = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

if (values.unclaimed) {
  // No session has claimed \Recent of any message: the state a fill leaves.
  const store = MailStore.open({ config: ImapdConfig.load(conf) });
  const box = store.openMailbox(`user.${values.user}`);
  const index = new Database(join(box.path, INDEX_FILE));
  index.prepare('UPDATE mailbox SET recentuid = 0').run();
  index.close();
  box.close();
  store.close();
}
const config = ImapdConfig.load(conf).forService('imap');
const imap = ImapServer.create({ config, serviceName: 'imap', logger: silentLogger() });
const server = createServer((socket) => imap.handleConnection(socket, { tls: false, unixSocket: false, localAddress: socket.localAddress, remoteAddress: socket.remoteAddress }));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as { port: number }).port;

const SCHED = openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
const schedBytes = Buffer.alloc(128);
/**
 * Time the main thread waited for a core (ms): the kernel adds it up when the thread gets one, so it
 * is exact at each turn's end. Read into one buffer: readFileSync made an 8 KB Buffer per turn, external
 * memory that brought mark-compacts of this process into the turns measured.
 */
const waited = (): number => {
  const n = readSync(SCHED, schedBytes, 0, schedBytes.length, 0);
  const text = schedBytes.toString('latin1', 0, n);
  return Number(text.split(' ')[1]) / 1e6;
};

// One tick per turn of the loop: the CPU the process used since the last tick is that turn's; its
// wall time less the time it waited for a core is how long it held the loop (GC pauses included).
let turns: number[] = [];
let held: number[] = [];
/** When each turn ended (performance.now), by the turn's index. */
let ends: number[] = [];
/**
 * With CYRUSTS_TURNS_LOG=FILE: each turn's end on CLOCK_MONOTONIC (ns), and the longest turns of each
 * command written to FILE as [name, start us, end us, cpu ms], to be matched with the samples of a
 * --cpu-prof profile of this process (its times are CLOCK_MONOTONIC in us).
 */
let hr: bigint[] | null = process.env.CYRUSTS_TURNS_LOG ? [] : null;
const longest: Array<[string, number, number, number]> = [];
/**
 * The GCs of the command measured: [kind, start, pause ms] (kind 1 scavenge, 2 minor mark-sweep,
 * 4 mark-compact, 8 incremental marking step, 16 weak callbacks). Delivered turns later: placed in
 * their turn by their start.
 */
let gcs: Array<[number, number, number]> = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcs.push([(entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0, entry.startTime, entry.duration]);
}).observe({ entryTypes: ['gc'] });
let last = mainCpu();
let lastWall = performance.now();
let lastWait = waited();
let ticking = true;
const tick = (): void => {
  const now = mainCpu();
  const wall = performance.now();
  const wait = waited();
  turns.push(now - last);
  ends.push(wall);
  if (hr !== null) hr.push(process.hrtime.bigint());
  held.push(wall - lastWall - (wait - lastWait));
  last = now;
  lastWall = wall;
  lastWait = wait;
  if (ticking) setImmediate(tick);
};
setImmediate(tick);

/**
 * A client that only waits for the tagged answer: only the last bytes of each chunk become a string
 * (decoding the 30 MB of a FETCH 1:* (ENVELOPE) into strings here made most of this process's
 * garbage, and its scavenges were counted as the server's turns).
 */
class Client {
  private tail = '';
  private waiter: { tag: string; resolve: () => void } | null = null;
  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString('latin1', Math.max(0, chunk.length - 4096))).slice(-4096);
      const w = this.waiter;
      if (w !== null && new RegExp(`(^|\\r\\n)${w.tag} (OK|NO|BAD)[^\\r\\n]*\\r\\n$`).test(this.tail)) {
        this.waiter = null;
        w.resolve();
      }
    });
  }
  static connect(): Promise<Client> {
    return new Promise((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('data', () => resolve(new Client(socket)));
    });
  }
  command(tag: string, text: string): Promise<void> {
    this.tail = '';
    return new Promise((resolve) => {
      this.waiter = { tag, resolve };
      this.socket.write(`${tag} ${text}\r\n`);
    });
  }
  close(): void {
    this.socket.destroy();
  }
}

/**
 * With CYRUSTS_HEAP_SAMPLE=DIR: V8's sampling heap profiler over the command, objects collected
 * meanwhile included (what it allocates, not only what it keeps), written to DIR/turns-NAME.heapprofile.
 */
function heapSampling(name: string): (() => Promise<void>) | null {
  const dir = process.env.CYRUSTS_HEAP_SAMPLE;
  if (!dir || dir === '1') return null;
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
  return () =>
    new Promise((resolve) =>
      session.post('HeapProfiler.stopSampling', (err, result) => {
        if (err === null) writeFileSync(join(dir, `turns-${name}.heapprofile`), JSON.stringify((result as { profile: unknown }).profile));
        session.disconnect();
        resolve();
      }),
    );
}

let round = 0;
async function measure(client: Client, tag: string, text: string): Promise<void> {
  turns = [];
  held = [];
  ends = [];
  gcs = [];
  if (hr !== null) hr = [process.hrtime.bigint()];
  last = mainCpu();
  lastWall = performance.now();
  lastWait = waited();
  const cpu0 = mainCpu();
  const profile = heapSampling(`${round}-${tag}`);
  await client.command(tag, text);
  await profile?.();
  // GC entries are delivered after the turn that had them: wait for them.
  await new Promise((r) => setTimeout(r, 5));
  const n = turns.length;
  const order = turns.slice(0, n).map((_, i) => i).sort((a, b) => turns[b]! - turns[a]!);
  const sorted = order.map((i) => turns[i]!);
  const heldSorted = [...held].sort((a, b) => b - a);
  const over = (ms: number): number => turns.filter((t) => t > ms).length;
  console.log(`  ${text.padEnd(22)} cpu ${(mainCpu() - cpu0).toFixed(0).padStart(4)} ms in ${String(turns.length).padStart(4)} turns; longest ${sorted.slice(0, 5).map((t) => t.toFixed(1)).join(' ')} ms; turns > 4 ms: ${over(4)}, > 10 ms: ${over(10)}; held ${heldSorted.slice(0, 3).map((t) => t.toFixed(1)).join(' ')} ms`);
  if (hr !== null) for (const i of order.slice(0, 5)) longest.push([`${round}-${tag} ${turns[i]!.toFixed(1)}`, Number(hr[i]! / 1000n), Number(hr[i + 1]! / 1000n), turns[i]!]);
  const gcOf = (kinds: number): number[] => gcs.filter(([k]) => (k & kinds) !== 0).map(([, , d]) => d);
  const gcIn = (i: number): number => gcs.filter(([, at]) => at < ends[i]! && (i === 0 || at >= ends[i - 1]!)).reduce((a, [, , d]) => a + d, 0);
  const scavenges = gcOf(1 | 2);
  const majors = gcOf(4);
  const sum = (xs: number[]): string => xs.reduce((a, b) => a + b, 0).toFixed(1);
  const top = (xs: number[]): string => Math.max(0, ...xs).toFixed(1);
  console.log(`  ${''.padEnd(22)} gc: ${scavenges.length} scavenges ${sum(scavenges)} ms (longest ${top(scavenges)}), ${majors.length} mark-compacts ${sum(majors)} ms (longest ${top(majors)}), incremental steps ${sum(gcOf(8))} ms; gc in the 5 longest turns ${order.slice(0, 5).map((i) => gcIn(i).toFixed(1)).join(' ')} ms`);
}

console.log(`fairness-turns: CPU of the longest turns of the serving process's event loop (${values.user}'s INBOX)`);
// As in fairness-100k, where 500 idle sessions logged in, selected their small INBOX and send NOOPs
// before the reader comes: that code is warm in the worker, the big mailbox's is not.
{
  const warm = await Client.connect();
  await warm.command('w1', 'LOGIN idle0 pass');
  await warm.command('w2', 'SELECT INBOX');
  for (let i = 0; i < 200; i++) await warm.command(`w${i + 3}`, 'NOOP');
  warm.close();
}
for (round of [1, 2]) {
  if (round > 1) execFileSync(process.execPath, [appender, conf, `user.${values.user}`, '1', '0']);
  console.log(round === 1 ? ' cold:' : ' after one append from another process:');
  const client = await Client.connect();
  await client.command('l', `LOGIN ${values.user} pass`);
  for (const [tag, text] of [['s', 'SELECT INBOX'], ['f', 'FETCH 1:* (FLAGS)'], ['e', 'FETCH 1:* (ENVELOPE)'], ['n', 'NOOP']] as const) await measure(client, tag, text);
  client.close();
}
ticking = false;
if (process.env.CYRUSTS_TURNS_LOG) writeFileSync(process.env.CYRUSTS_TURNS_LOG, JSON.stringify(longest));
server.close();
imap.close();
process.exit(0);
