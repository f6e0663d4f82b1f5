// Issue 16 "Fairness", measured inside the server: the longest turns of the event loop of a process
// serving IMAP while one client runs SELECT, FETCH 1:* (FLAGS) and FETCH 1:* (ENVELOPE) on a big
// INBOX (cold, then after one append from another process), as CPU time of the process (getrusage,
// exact to the microsecond; GC helper threads included), so that a turn's length does not depend on
// how busy the machine is (fairness-100k's NOOP round trips do), and as "held": the turn's wall time
// less the time the main thread waited for a core (schedstat), i.e. how long the loop was held by
// our code, GC pauses included. A NOOP of another session waits at most one turn: the goal is no
// turn above a few ms.
//   npm run bench -- fairness-turns --dir PATH   (a directory fairness-100k filled; its master stopped)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/common/log.js';
import { ImapdConfig } from '../src/config/index.js';
import { ImapServer } from '../src/imap/server.js';

const { values } = parseArgs({ options: { dir: { type: 'string' }, user: { type: 'string', default: 'fred' } } });
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

const config = ImapdConfig.load(conf).forService('imap');
const imap = ImapServer.create({ config, serviceName: 'imap', logger: silentLogger() });
const server = createServer((socket) => imap.handleConnection(socket, { tls: false, unixSocket: false, localAddress: socket.localAddress, remoteAddress: socket.remoteAddress }));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as { port: number }).port;

const SCHED = `/proc/self/task/${process.pid}/schedstat`;
/** Time the main thread waited for a core (ms): the kernel adds it up when the thread gets one, so it is exact at each turn's end. */
const waited = (): number => Number(readFileSync(SCHED, 'latin1').split(' ')[1]) / 1e6;

// One tick per turn of the loop: the CPU the process used since the last tick is that turn's; its
// wall time less the time it waited for a core is how long it held the loop (GC pauses included).
let turns: number[] = [];
let held: number[] = [];
let last = mainCpu();
let lastWall = performance.now();
let lastWait = waited();
let ticking = true;
const tick = (): void => {
  const now = mainCpu();
  const wall = performance.now();
  const wait = waited();
  turns.push(now - last);
  held.push(wall - lastWall - (wait - lastWait));
  last = now;
  lastWall = wall;
  lastWait = wait;
  if (ticking) setImmediate(tick);
};
setImmediate(tick);

/** A client that only waits for the tagged answer (its reading costs little on this loop). */
class Client {
  private tail = '';
  private waiter: { tag: string; resolve: () => void } | null = null;
  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.tail = (this.tail + chunk).slice(-4096);
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

async function measure(client: Client, tag: string, text: string): Promise<void> {
  turns = [];
  held = [];
  last = mainCpu();
  lastWall = performance.now();
  lastWait = waited();
  const cpu0 = mainCpu();
  await client.command(tag, text);
  const sorted = [...turns].sort((a, b) => b - a);
  const heldSorted = [...held].sort((a, b) => b - a);
  const over = (ms: number): number => turns.filter((t) => t > ms).length;
  console.log(`  ${text.padEnd(22)} cpu ${(mainCpu() - cpu0).toFixed(0).padStart(4)} ms in ${String(turns.length).padStart(4)} turns; longest ${sorted.slice(0, 5).map((t) => t.toFixed(1)).join(' ')} ms; turns > 4 ms: ${over(4)}, > 10 ms: ${over(10)}; held ${heldSorted.slice(0, 3).map((t) => t.toFixed(1)).join(' ')} ms`);
}

console.log(`fairness-turns: CPU of the longest turns of the serving process's event loop (${values.user}'s INBOX)`);
for (const round of [1, 2]) {
  if (round > 1) execFileSync(process.execPath, [appender, conf, `user.${values.user}`, '1', '0']);
  console.log(round === 1 ? ' cold:' : ' after one append from another process:');
  const client = await Client.connect();
  await client.command('l', `LOGIN ${values.user} pass`);
  for (const [tag, text] of [['s', 'SELECT INBOX'], ['f', 'FETCH 1:* (FLAGS)'], ['e', 'FETCH 1:* (ENVELOPE)'], ['n', 'NOOP']] as const) await measure(client, tag, text);
  client.close();
}
ticking = false;
server.close();
imap.close();
process.exit(0);
