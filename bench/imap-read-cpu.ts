// Figure (issue 16): server CPU per read command, one command kind at a time, after a warm-up (so the
// JIT is done): LIST "" "*", STATUS INBOX, SELECT INBOX, FETCH of 10 messages (UID FLAGS ENVELOPE
// INTERNALDATE), FETCH one body (BODY.PEEK[]), NOOP, and `mix`: imap-load's mix of all these with
// STORE, EXPUNGE and APPEND (the mailboxes change all the time). USERS users × CLIENTS clients keep one command in
// flight each; the figure is the master's process tree CPU (user + system) per command. With --cli
// (another tree's dist/bin/cyrusts.js) the two builds alternate, round after round, in the same minutes.
// `node dist/bench/run.js imap-read-cpu [--users=4] [--clients=2] [--count=3000] [--rounds=2] [--cli=/work/wt/base/dist/bin/cyrusts.js] [--only=LIST,STATUS,mix]`
import { createConnection, type Socket } from 'node:net';
import { treeCpuMs } from './_master.js';
import { CLI, startShipped, type ShippedServer } from './_shipped.js';

const args = new Map(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)=(.*)$/.exec(a);
  return m ? [m[1]!, m[2]!] as const : [a, ''] as const;
}));
const USERS = Number(args.get('users') ?? 4);
const CLIENTS = Number(args.get('clients') ?? 2);
const COUNT = Number(args.get('count') ?? 3000);
const ROUNDS = Number(args.get('rounds') ?? 2);
const OTHER = args.get('cli');
const TARGET = 50;

const BODY = `From: load@example.com\r\nTo: user@example.com\r\nSubject: load test message\r\nMessage-ID: <MSGID>\r\nDate: Wed, 02 Dec 2026 08:00:00 +0000\r\n\r\n${'The quick brown fox jumps over the lazy dog, again and again.\r\n'.repeat(30)}`;

const KINDS: Array<[string, (n: number) => string]> = [
  ['LIST', () => 'LIST "" "*"'],
  ['STATUS', () => 'STATUS INBOX (MESSAGES UNSEEN UIDNEXT)'],
  ['SELECT', () => 'SELECT INBOX'],
  ['FETCH flags', (n) => {
    const from = 1 + Math.floor(Math.random() * Math.max(1, n - 9));
    return `FETCH ${from}:${Math.min(n, from + 9)} (UID FLAGS ENVELOPE INTERNALDATE)`;
  }],
  ['FETCH body', (n) => `FETCH ${1 + Math.floor(Math.random() * n)} (BODY.PEEK[])`],
  ['NOOP', () => 'NOOP'],
];
/** imap-load's mix (writes included), as `mix`: the kinds above against a mailbox that changes all the time. */
const MIX: Array<[string, number]> = [['LIST', 1], ['STATUS', 1], ['SELECT', 1], ['FETCH flags', 3], ['FETCH body', 3], ['STORE', 2], ['EXPUNGE', 1], ['APPEND', 1]];
const MIX_WEIGHT = MIX.reduce((sum, [, w]) => sum + w, 0);
const ONLY = args.get('only')?.split(',');
const ALL: Array<[string, ((n: number) => string) | null]> = [...KINDS, ['mix', null]];

/** One connection, one command in flight; the reply is done at the tagged line. */
class Conn {
  private buffer = '';
  private tag = 0;
  private pending: { tag: string; resolve: (text: string) => void } | null = null;
  /** Messages in the selected mailbox as the server last said. */
  exists = 0;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      const p = this.pending;
      if (!p) return;
      const at = p.tag === '*' ? 0 : this.buffer.startsWith(`${p.tag} `) ? 0 : this.buffer.indexOf(`\r\n${p.tag} `);
      if (at < 0) return;
      const end = this.buffer.indexOf('\r\n', at === 0 ? 0 : at + 2);
      if (end < 0) return;
      const text = this.buffer.slice(0, end + 2);
      this.buffer = this.buffer.slice(end + 2);
      this.pending = null;
      for (const m of text.matchAll(/^\* (\d+) (EXISTS|EXPUNGE)\r$/gm)) this.exists = m[2] === 'EXISTS' ? Number(m[1]) : this.exists - 1;
      p.resolve(text);
    });
  }

  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('error', reject);
      const conn = new Conn(socket);
      conn.pending = { tag: '*', resolve: () => resolve(conn) };
    });
  }

  command(text: string, literal?: string): Promise<string> {
    const tag = `r${++this.tag}`;
    return new Promise((resolve) => {
      this.pending = { tag, resolve };
      this.socket.write(literal === undefined ? `${tag} ${text}\r\n` : `${tag} ${text} {${Buffer.byteLength(literal)}+}\r\n${literal}\r\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

function exists(reply: string): number {
  let n = -1;
  for (const m of reply.matchAll(/^\* (\d+) EXISTS\r$/gm)) n = Number(m[1]);
  return n;
}

async function session(port: number, user: string): Promise<{ conn: Conn; n: number }> {
  const conn = await Conn.open(port);
  if (process.env.DEBUG) console.log('connected', user);
  const login = await conn.command(`LOGIN ${user} pass`);
  if (!/^r\d+ OK/m.test(login)) throw new Error(`LOGIN ${user}: ${login}`);
  let n = exists(await conn.command('SELECT INBOX'));
  conn.exists = n;
  for (let k = Math.max(0, n); k < TARGET; k++) await conn.command('APPEND INBOX', BODY.replace('MSGID', `${Date.now()}.${Math.random()}@read-cpu`));
  n = exists(await conn.command('SELECT INBOX'));
  conn.exists = n;
  return { conn, n };
}

async function ok(conn: Conn, text: string, literal?: string): Promise<void> {
  const reply = await conn.command(text, literal);
  if (!/(^|\r\n)r\d+ OK[^\r\n]*\r\n$/.test(reply)) throw new Error(`not OK: ${reply.slice(-200)}`);
}

/** One command of imap-load's mix (two for an expunge); returns how many were sent. */
async function mixStep(conn: Conn): Promise<number> {
  let r = Math.random() * MIX_WEIGHT;
  let name = MIX[0]![0];
  for (const [kind, w] of MIX) {
    if ((r -= w) < 0) {
      name = kind;
      break;
    }
  }
  const n = Math.max(1, conn.exists);
  const plain = KINDS.find(([kind]) => kind === name);
  if (plain) return ok(conn, plain[1](n)).then(() => 1);
  if (name === 'STORE') return ok(conn, `STORE ${1 + Math.floor(Math.random() * n)} ${Math.random() < 0.5 ? '+' : '-'}FLAGS (\\Seen)`).then(() => 1);
  if (name === 'EXPUNGE') {
    if (n <= TARGET / 2) return 0;
    await ok(conn, `STORE ${1 + Math.floor(Math.random() * n)} +FLAGS (\\Deleted)`);
    return ok(conn, 'EXPUNGE').then(() => 2);
  }
  if (n >= TARGET * 2) return 0;
  return ok(conn, 'APPEND INBOX', BODY.replace('MSGID', `${Date.now()}.${Math.random()}@read-cpu`)).then(() => 1);
}

/** Server CPU µs per command of one kind (null: the mix): COUNT commands over all connections. */
async function measure(server: ShippedServer, conns: Array<{ conn: Conn; n: number }>, make: ((n: number) => string) | null, count: number): Promise<number> {
  const pid = server.master.pid!;
  let left = count;
  const before = treeCpuMs(pid);
  await Promise.all(conns.map(async ({ conn, n }) => {
    while (left > 0) {
      if (make === null) left -= await mixStep(conn);
      else {
        left--;
        await ok(conn, make(Math.max(1, conn.exists || n)));
      }
    }
  }));
  return ((treeCpuMs(pid) - before) * 1000) / (count - left);
}

async function start(cli: string): Promise<{ server: ShippedServer; conns: Array<{ conn: Conn; n: number }> }> {
  const users = Array.from({ length: USERS }, (_, u) => `user${u + 1}`);
  const server = await startShipped({
    users, password: 'pass', cli,
    editCyrusConf: (t) => t.replace(/(imap\s+cmd="imapd[^"]*"[^\n]*?)(\s+maxchild)/, '$1 prefork=1$2'),
  });
  const port = server.port('imap');
  const conns = [];
  for (let c = 0; c < CLIENTS; c++) for (const user of users) conns.push(await session(port, user));
  // Every connection selected INBOX at its target size; warm up every kind (the JIT's share out of the figure).
  for (const [kind, make] of ALL) if (!ONLY || ONLY.includes(kind)) await measure(server, conns, make, COUNT);
  return { server, conns };
}

async function main(): Promise<void> {
  const builds: Array<[string, string]> = [['this', CLI]];
  if (OTHER) builds.push(['other', OTHER]);
  console.log(`imap-read-cpu: ${USERS} users × ${CLIENTS} clients, ${COUNT} commands per kind per round, ${ROUNDS} rounds; server CPU µs/command`);
  const results = new Map<string, number[]>();
  const running = [];
  for (const [label, cli] of builds) running.push({ label, ...(await start(cli)) });
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [kind, make] of ALL) {
        if (ONLY && !ONLY.includes(kind)) continue;
        for (const r of round % 2 === 0 ? running : [...running].reverse()) {
          const us = await measure(r.server, r.conns, make, COUNT);
          const key = `${r.label}\t${kind}`;
          results.set(key, [...(results.get(key) ?? []), us]);
        }
      }
    }
  } finally {
    for (const r of running) {
      for (const { conn } of r.conns) conn.close();
      await r.server.stop();
    }
  }
  for (const [kind] of ALL) {
    const row = builds.map(([label]) => {
      const list = results.get(`${label}\t${kind}`);
      return list ? `${label} ${list.map((v) => v.toFixed(0).padStart(5)).join(' ')}` : '';
    });
    if (row.some((r) => r)) console.log(`imap-read-cpu: ${kind.padEnd(12)} ${row.join('   ')}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
