// Figure (issue 16): server CPU per write command on one imapd worker, one client, no other load:
// APPEND (a 2 KB message into the selected INBOX), STORE ±FLAGS (\Seen), and STORE +FLAGS
// (\Deleted) followed by EXPUNGE, after a warm-up mix of the same commands (the JIT settled). Per
// command: CPU of the master's process tree (all threads, user + system), the worker's main
// thread alone (user, system), and wall time. The mailbox is kept near 50 messages while warming.
// `npm run bench -- write-cpu [--count=600] [--warm=1500] [--cli=OTHER/dist/bin/cyrusts.js]`
// (--cli: another build, for an A/B in the same minutes; its conf/ is this tree's).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { startShipped } from './_shipped.js';
import { treeCpuMs } from './_master.js';

const args = new Map(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)=(.*)$/.exec(a);
  return m ? [m[1]!, m[2]!] as const : [a, ''] as const;
}));
const COUNT = Number(args.get('count') ?? 600);
const WARM = Number(args.get('warm') ?? 1500);
const CLI = args.get('cli');

const BODY = `From: load@example.com\r\nTo: user@example.com\r\nSubject: load test message\r\nMessage-ID: <MSGID>\r\nDate: Wed, 02 Dec 2026 08:00:00 +0000\r\n\r\n${'The quick brown fox jumps over the lazy dog, again and again.\r\n'.repeat(30)}`;

/** One connection, one command at a time; resolves with the text up to the tagged reply. */
class Client {
  private buffer = '';
  private tag = 0;
  private waiting: { tag: string; resolve: (text: string) => void } | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.check();
    });
  }

  static open(port: number): Promise<Client> {
    return new Promise((resolve) => {
      const client = new Client(createConnection({ port, host: '127.0.0.1' }));
      client.waiting = { tag: '*', resolve: () => resolve(client) };
    });
  }

  private check(): void {
    const w = this.waiting;
    if (!w) return;
    const at = w.tag === '*' ? 0 : this.buffer.startsWith(`${w.tag} `) ? 0 : this.buffer.indexOf(`\r\n${w.tag} `);
    if (at < 0) return;
    const end = this.buffer.indexOf('\r\n', at === 0 ? 0 : at + 2);
    if (end < 0) return;
    const text = this.buffer.slice(0, end + 2);
    this.buffer = this.buffer.slice(end + 2);
    this.waiting = null;
    w.resolve(text);
  }

  command(text: string, literal?: string): Promise<string> {
    const tag = `W${++this.tag}`;
    return new Promise((resolve) => {
      this.waiting = { tag, resolve };
      this.socket.write(literal === undefined ? `${tag} ${text}\r\n` : `${tag} ${text} {${Buffer.byteLength(literal)}+}\r\n${literal}\r\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** [user, system] CPU ms of the main thread of process `pid`. */
function mainThreadMs(pid: number): [number, number] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'latin1');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return [Number(f[11]) * 10, Number(f[12]) * 10];
}

async function main(): Promise<void> {
  const server = await startShipped({
    users: ['user1'],
    password: 'pass',
    ...(CLI ? { cli: CLI } : {}),
    editCyrusConf: (t) => t.replace(/(imap\s+cmd="imapd[^"]*"[^\n]*?)maxchild/, '$1prefork=1 maxchild'),
  });
  const master = server.master.pid!;
  try {
    const client = await Client.open(server.port('imap'));
    await client.command('LOGIN user1 pass');
    await client.command('SELECT INBOX');
    const worker = Number(execFileSync('pgrep', ['-P', String(master), '-f', 'service imap ']).toString().trim().split('\n')[0]);
    for (let i = 0; i < 50; i++) await client.command('APPEND INBOX', BODY.replace('MSGID', `fill${i}@bench`));
    await client.command('NOOP');
    for (let i = 0; i < WARM; i++) {
      await client.command('APPEND INBOX', BODY.replace('MSGID', `warm${i}@bench`));
      await client.command(`STORE ${1 + (i % 50)} ${i % 2 ? '+' : '-'}FLAGS (\\Seen)`);
      await client.command('STORE 1 +FLAGS (\\Deleted)');
      await client.command('EXPUNGE');
      await client.command('NOOP');
    }
    const phase = async (name: string, run: (i: number) => Promise<unknown>): Promise<void> => {
      await new Promise((r) => setTimeout(r, 300));
      const cpu0 = treeCpuMs(master);
      const [user0, sys0] = mainThreadMs(worker);
      const t0 = performance.now();
      for (let i = 0; i < COUNT; i++) await run(i);
      const wall = performance.now() - t0;
      const [user1, sys1] = mainThreadMs(worker);
      const cpu = treeCpuMs(master) - cpu0;
      const per = (ms: number) => (ms / COUNT).toFixed(3).padStart(7);
      console.log(`write-cpu: ${name.padEnd(16)} server CPU ${per(cpu)} ms  main thread user ${per(user1 - user0)} system ${per(sys1 - sys0)} ms  wall ${per(wall)} ms  (${COUNT} commands)`);
    };
    await phase('APPEND', (i) => client.command('APPEND INBOX', BODY.replace('MSGID', `m${i}@bench`)));
    await client.command('NOOP');
    await phase('STORE', (i) => client.command(`STORE ${1 + (i % 200)} ${i % 400 < 200 ? '+' : '-'}FLAGS (\\Seen)`));
    await phase('STORE+EXPUNGE', async () => {
      await client.command('STORE 1 +FLAGS (\\Deleted)');
      await client.command('EXPUNGE');
    });
    await phase('NOOP', () => client.command('NOOP'));
    await client.command('LOGOUT');
    client.close();
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
