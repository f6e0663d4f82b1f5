// Issue 16 "Fairness", measured inside the server: the longest turns of the event loop of a process
// serving IMAP while one client runs SELECT, FETCH 1:* (FLAGS) and FETCH 1:* (ENVELOPE) on a big
// INBOX (cold, then after one append from another process), as CPU time of the main thread
// (/proc/self/task/<pid>/schedstat), so that a turn's length does not depend on how busy the
// machine is (fairness-100k's NOOP round trips do). A NOOP of another session waits at most one
// turn: the goal is no turn above a few ms.
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

const SCHED = `/proc/self/task/${process.pid}/schedstat`;
/** CPU time of the main thread (ms). */
const mainCpu = (): number => Number(readFileSync(SCHED, 'latin1').split(' ')[0]) / 1e6;

const config = ImapdConfig.load(conf).forService('imap');
const imap = ImapServer.create({ config, serviceName: 'imap', logger: silentLogger() });
const server = createServer((socket) => imap.handleConnection(socket, { tls: false, unixSocket: false, localAddress: socket.localAddress, remoteAddress: socket.remoteAddress }));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as { port: number }).port;

// One tick per turn of the loop: the CPU the main thread used since the last tick is that turn's.
let turns: number[] = [];
let last = mainCpu();
let ticking = true;
const tick = (): void => {
  const now = mainCpu();
  turns.push(now - last);
  last = now;
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
  last = mainCpu();
  const cpu0 = mainCpu();
  await client.command(tag, text);
  const sorted = [...turns].sort((a, b) => b - a);
  const over = (ms: number): number => turns.filter((t) => t > ms).length;
  console.log(`  ${text.padEnd(22)} cpu ${(mainCpu() - cpu0).toFixed(0).padStart(4)} ms in ${String(turns.length).padStart(4)} turns; longest ${sorted.slice(0, 5).map((t) => t.toFixed(1)).join(' ')} ms; turns > 4 ms: ${over(4)}, > 10 ms: ${over(10)}`);
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
