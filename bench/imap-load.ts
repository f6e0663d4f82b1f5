// Figure (issue 16): an imaptest-style load. USERS users × CLIENTS concurrent clients each log in once
// and loop over a command mix (LIST, STATUS, SELECT, FETCH flags+envelope of a range, FETCH a body,
// STORE, STORE \Deleted + EXPUNGE, APPEND) for SECONDS; then the same with login/logout churn (each
// client logs in, does SELECT and two FETCHes, logs out, reconnects). Per server: commands done,
// commands/s, and per command count, average, p50, p99 (ms); logins done and ms per LOGIN.
// Runs against us (a temp copy of the shipped conf/, master started here) and, when they answer,
// the reference peers started by the lead's scripts (Cyrus 3.6 on 14301, Dovecot 2.3 on 24301),
// all in the same run, with users user1..userN / pass. Each server's CPU per command is its process
// tree's (ours: the master's; a peer's: the master named by /tmp/peers/NAME/run/master.pid).
// `npm run bench -- imap-load [--users=20] [--clients=20] [--seconds=20] [--only=us,cyrus,dovecot] [--prefork=N] [--modes=steady,churn] [--warm=SECONDS] [--keep] [--cli=OTHER/dist/bin/cyrusts.js]`
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { percentile, treeCpuMs, treePids } from './_master.js';
import { startShipped } from './_shipped.js';

const args = new Map(process.argv.slice(2).map((a) => {
  const m = /^--([^=]+)=(.*)$/.exec(a);
  return m ? [m[1]!, m[2]!] as const : [a, ''] as const;
}));
const USERS = Number(args.get('users') ?? 20);
const CLIENTS = Number(args.get('clients') ?? 20);
const SECONDS = Number(args.get('seconds') ?? 20);
/**
 * Seconds of the same load run before each measured one, not counted (0: none, the default). A
 * fresh worker spends a good part of its first minute of load in V8's optimizing compiler (perf,
 * share of the workers' samples on its threads: about a quarter in a 15-s steady run from the
 * start, 17% from 30 to 40 s, 1.4% from 50 to 60 s), and each worker runs scrypt once per user at
 * that user's first LOGIN there (auth_cache_ttl): with --warm the figure is the warmed server's.
 */
const WARM = Number(args.get('warm') ?? 0);
/**
 * --keep (steady mode, with --warm): the clients log in once and go on from the warm-up into the
 * measured window without reconnecting, so the window holds no logins (the storm of USERS × CLIENTS
 * logins falls in the warm-up, and so does the master's moving of sessions to their users' home
 * workers after it). Without it each window starts with its own logins, as a fresh start does.
 */
const KEEP = args.has('--keep');
const ONLY = (args.get('only') ?? 'us,cyrus,dovecot').split(',');
const PREFORK = args.get('prefork');
const MODES = (args.get('modes') ?? 'steady,churn').split(',');
/** Another build's bin/cyrusts.js to run as "us" (e.g. /work/wt/base/dist/bin/cyrusts.js); this tree's by default. */
const CLI_OTHER = args.get('cli');
const TARGET = 50;

const BODY = `From: load@example.com\r\nTo: user@example.com\r\nSubject: load test message\r\nMessage-ID: <MSGID>\r\nDate: Wed, 02 Dec 2026 08:00:00 +0000\r\n\r\n${'The quick brown fox jumps over the lazy dog, again and again.\r\n'.repeat(30)}`;

/** One IMAP connection, one command in flight; replies scanned as latin1 text for the tagged line. */
class Conn {
  private buffer = '';
  private tag = 0;
  private pending: { tag: string; resolve: (text: string) => void; fail?: (err: Error) => void } | null = null;
  exists = 0;
  readonly closed: Promise<void>;

  /** The client's port: the server side of the connection is found by it in /proc/net/tcp. */
  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => this.feed(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((r) => socket.once('close', () => {
      // One handler for the connection's life: the command in flight, if any, fails.
      const p = this.pending;
      this.pending = null;
      p?.fail?.(new Error('connection closed'));
      r();
    }));
  }

  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      const conn = new Conn(socket);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('no greeting within 10 s'));
      }, 10_000);
      socket.once('error', reject);
      conn.pending = { tag: '*', resolve: () => {
        clearTimeout(timer);
        resolve(conn);
      } };
    });
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    const p = this.pending;
    if (!p) return;
    let start: number;
    if (p.tag === '*') start = 0;
    else if (this.buffer.startsWith(`${p.tag} `)) start = 0;
    else {
      start = this.buffer.indexOf(`\r\n${p.tag} `);
      if (start < 0) return;
      start += 2;
    }
    const end = this.buffer.indexOf('\r\n', start);
    if (end >= 0) this.finish(p, end + 2);
  }

  private finish(p: { resolve: (text: string) => void }, at: number): void {
    const text = this.buffer.slice(0, at);
    this.buffer = this.buffer.slice(at);
    this.pending = null;
    for (const m of text.matchAll(/^\* (\d+) (EXISTS|EXPUNGE)\r$/gm)) this.exists = m[2] === 'EXISTS' ? Number(m[1]) : this.exists - 1;
    p.resolve(text);
  }

  /** Send one command (the literal, if any, as LITERAL+); the whole reply text. */
  command(text: string, literal?: string): Promise<string> {
    const tag = `L${++this.tag}`;
    return new Promise((resolve, reject) => {
      // A server that stops answering fails the client after 30 s instead of stalling the run.
      const timer = setTimeout(() => {
        this.socket.destroy();
        reject(new Error(`no answer to ${text.slice(0, 40)} within 30 s`));
      }, 30_000);
      this.pending = { tag, resolve: (reply: string) => {
        clearTimeout(timer);
        resolve(reply);
      }, fail: (err: Error) => {
        clearTimeout(timer);
        reject(err);
      } };
      this.socket.write(literal === undefined ? `${tag} ${text}\r\n` : `${tag} ${text} {${Buffer.byteLength(literal)}+}\r\n${literal}\r\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

class Stats {
  readonly times = new Map<string, number[]>();
  failures = 0;
  /** The last reply not OK, per command (shown beside the counts). */
  readonly failed = new Map<string, string>();
  add(name: string, ms: number, reply: string): void {
    let list = this.times.get(name);
    if (!list) this.times.set(name, (list = []));
    list.push(ms);
    if (!/\r\nL\d+ OK|^L\d+ OK/.test(reply)) {
      this.failures++;
      this.failed.set(name, reply.slice(-200).trim());
    }
  }
  total(): number {
    let n = 0;
    for (const list of this.times.values()) n += list.length;
    return n;
  }
}

async function timed(stats: Stats, name: string, run: () => Promise<string>): Promise<string> {
  const start = performance.now();
  const reply = await run();
  stats.add(name, performance.now() - start, reply);
  return reply;
}

function pick(n: number): number {
  return 1 + Math.floor(Math.random() * Math.max(1, n));
}

const MIX: Array<[string, number]> = [['LIST', 1], ['STATUS', 1], ['SELECT', 1], ['FETCH flags', 3], ['FETCH body', 3], ['STORE', 2], ['EXPUNGE', 1], ['APPEND', 1]];
const WEIGHT = MIX.reduce((s, [, w]) => s + w, 0);

async function step(conn: Conn, stats: Stats): Promise<void> {
  let r = Math.random() * WEIGHT;
  let name = MIX[0]![0];
  for (const [n, w] of MIX) {
    if ((r -= w) < 0) {
      name = n;
      break;
    }
  }
  const n = conn.exists;
  switch (name) {
    case 'LIST': await timed(stats, name, () => conn.command('LIST "" "*"')); break;
    case 'STATUS': await timed(stats, name, () => conn.command('STATUS INBOX (MESSAGES UNSEEN UIDNEXT)')); break;
    case 'SELECT': await timed(stats, name, () => conn.command('SELECT INBOX')); break;
    case 'FETCH flags': {
      const from = pick(Math.max(1, n - 9));
      await timed(stats, name, () => conn.command(`FETCH ${from}:${Math.min(Math.max(n, 1), from + 9)} (UID FLAGS ENVELOPE INTERNALDATE)`));
      break;
    }
    case 'FETCH body': await timed(stats, name, () => conn.command(`FETCH ${pick(n)} (BODY.PEEK[])`)); break;
    case 'STORE': await timed(stats, name, () => conn.command(`STORE ${pick(n)} ${Math.random() < 0.5 ? '+' : '-'}FLAGS (\\Seen)`)); break;
    case 'EXPUNGE':
      if (n <= TARGET / 2) break;
      await timed(stats, 'STORE', () => conn.command(`STORE ${pick(n)} +FLAGS (\\Deleted)`));
      await timed(stats, name, () => conn.command('EXPUNGE'));
      break;
    case 'APPEND':
      if (n >= TARGET * 2) break;
      await timed(stats, name, () => conn.command('APPEND INBOX', BODY.replace('MSGID', `${Date.now()}.${Math.random()}@load`)));
      break;
  }
}

async function login(port: number, user: string, stats: Stats): Promise<Conn> {
  const conn = await Conn.open(port);
  const reply = await timed(stats, 'LOGIN', () => conn.command(`LOGIN ${user} pass`));
  if (!/OK/.test(reply.slice(reply.lastIndexOf('\r\nL') + 1))) throw new Error(`LOGIN ${user} failed: ${reply.trim()}`);
  await timed(stats, 'SELECT', () => conn.command('SELECT INBOX'));
  return conn;
}

/** Each user's INBOX brought to TARGET messages, so every server starts from the same state. */
async function prepare(port: number): Promise<void> {
  const stats = new Stats();
  await Promise.all(Array.from({ length: USERS }, async (_, u) => {
    const conn = await login(port, `user${u + 1}`, stats);
    if (conn.exists > TARGET) {
      await conn.command(`STORE ${TARGET + 1}:* +FLAGS.SILENT (\\Deleted)`);
      await conn.command('EXPUNGE');
    }
    while (conn.exists < TARGET) {
      const reply = await conn.command('APPEND INBOX', BODY.replace('MSGID', `${Date.now()}.${Math.random()}@prepare`));
      // A refused APPEND (an INBOX the login could not create on a loaded machine) ends the run instead of looping.
      if (!/^L\d+ OK/m.test(reply)) throw new Error(`user${u + 1}: APPEND refused: ${reply.trim().slice(-200)}`);
      if (conn.exists === 0) await conn.command('NOOP');
    }
    await conn.command('LOGOUT');
    conn.close();
  }));
}

/** Logged-in connections open now, with their user (for the spread over the server's processes). */
const live = new Map<Conn, string>();

/**
 * Which process of the tree under `rootPid` holds the server side of each live connection to
 * `serverPort`, and so how the connections and the users spread over the workers (Linux /proc).
 */
function spread(rootPid: number, serverPort: number): string {
  const inodeOfClientPort = new Map<number, string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '01') continue;
      const local = parseInt(f[1]!.split(':')[1]!, 16);
      const remote = parseInt(f[2]!.split(':')[1]!, 16);
      if (local === serverPort) inodeOfClientPort.set(remote, f[9]!);
    }
  }
  const pidOfInode = new Map<string, number>();
  for (const pid of treePids(rootPid)) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSafe(`/proc/${pid}/fd/${fd}`));
        if (m) pidOfInode.set(m[1]!, pid);
      }
    } catch {
      /* gone */
    }
  }
  const perPid = new Map<number, { connections: number; users: Set<string> }>();
  const pidsOfUser = new Map<string, Set<number>>();
  for (const [conn, user] of live) {
    const inode = conn.localPort === undefined ? undefined : inodeOfClientPort.get(conn.localPort);
    const pid = inode === undefined ? undefined : pidOfInode.get(inode);
    if (pid === undefined) continue;
    let entry = perPid.get(pid);
    if (!entry) perPid.set(pid, (entry = { connections: 0, users: new Set() }));
    entry.connections++;
    entry.users.add(user);
    let pids = pidsOfUser.get(user);
    if (!pids) pidsOfUser.set(user, (pids = new Set()));
    pids.add(pid);
  }
  const split = [...pidsOfUser.values()].filter((p) => p.size > 1).length;
  const parts = [...perPid].map(([pid, e]) => `${pid}: ${e.connections} connections of ${e.users.size} users`);
  const found = [...perPid.values()].reduce((n, e) => n + e.connections, 0);
  return `${parts.join('; ')}; users served by more than one process: ${split} of ${pidsOfUser.size} (${found} of ${live.size} logged-in connections found)`;
}

/** CPU ms (user + system) of each process of the tree under `rootPid`, by pid, with its role. */
function cpuByProcess(rootPid: number): Map<number, { ms: number; mainMs: number; role: string }> {
  const out = new Map<number, { ms: number; mainMs: number; role: string }>();
  const ticks = (path: string): number => {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  for (const pid of treePids(rootPid)) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const at = args.indexOf('--service');
      const role = pid === rootPid ? 'master' : at >= 0 ? `${args[at + 1]} worker` : 'other';
      out.set(pid, { ms: ticks(`/proc/${pid}/stat`), mainMs: ticks(`/proc/${pid}/task/${pid}/stat`), role });
    } catch {
      /* gone */
    }
  }
  return out;
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/**
 * USERS × CLIENTS clients under `churn` or steady load; what is done in the first `warmSeconds` is
 * not counted (the clients go on from it without reconnecting), and `onWindow` is called when the
 * counted window of `seconds` starts.
 */
async function load(port: number, churn: boolean, seconds = SECONDS, warmSeconds = 0, onWindow?: () => void): Promise<Stats> {
  const stats = new Stats();
  const uncounted = new Stats();
  const windowStart = performance.now() + warmSeconds * 1000;
  const deadline = windowStart + seconds * 1000;
  const counted = (): Stats => (performance.now() >= windowStart ? stats : uncounted);
  const windowTimer = setTimeout(() => onWindow?.(), warmSeconds * 1000);
  await Promise.all(Array.from({ length: USERS * CLIENTS }, async (_, i) => {
    const user = `user${(i % USERS) + 1}`;
    await new Promise((r) => setTimeout(r, Math.random() * 500));
    while (performance.now() < deadline) {
      let conn: Conn;
      try {
        conn = await login(port, user, counted());
      } catch (err) {
        const into = counted();
        into.failures++;
        into.failed.set('connect/LOGIN', (err as Error).message);
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      const steps = churn ? 2 : Infinity;
      live.set(conn, user);
      try {
        for (let k = 0; k < steps && performance.now() < deadline; k++) {
          if (churn) await timed(counted(), 'FETCH flags', () => conn.command(`FETCH 1:${Math.min(10, Math.max(1, conn.exists))} (UID FLAGS)`));
          else await step(conn, counted());
        }
        await conn.command('LOGOUT');
      } catch (err) {
        const into = counted();
        into.failures++;
        into.failed.set('session', (err as Error).message);
      }
      live.delete(conn);
      conn.close();
      if (!churn) break;
    }
  }));
  clearTimeout(windowTimer);
  return stats;
}

function report(label: string, mode: string, stats: Stats, cpuSeconds: number | null = null): void {
  const total = stats.total();
  const cpu = cpuSeconds === null ? '' : `, server CPU ${cpuSeconds.toFixed(1)} s = ${((cpuSeconds * 1000) / Math.max(1, total)).toFixed(3)} ms/command`;
  console.log(`imap-load: ${label.padEnd(8)} ${mode.padEnd(6)} ${total} commands in ${SECONDS} s (${(total / SECONDS).toFixed(0)}/s), ${stats.failures} not OK${cpu}`);
  for (const [name, reply] of stats.failed) console.log(`imap-load: ${label.padEnd(8)} ${mode.padEnd(6)}   last ${name} not OK: ${JSON.stringify(reply)}`);
  for (const [name, list] of [...stats.times].sort()) {
    const sorted = [...list].sort((a, b) => a - b);
    const avg = sorted.reduce((s, t) => s + t, 0) / sorted.length;
    console.log(`imap-load: ${label.padEnd(8)} ${mode.padEnd(6)}   ${name.padEnd(12)} n=${String(sorted.length).padStart(6)}  avg ${avg.toFixed(1).padStart(7)} ms  p50 ${percentile(sorted, 50).toFixed(1).padStart(7)}  p99 ${percentile(sorted, 99).toFixed(1).padStart(7)}`);
  }
}

async function answers(port: number): Promise<boolean> {
  try {
    const conn = await Conn.open(port);
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/** Wait until the server greets (its workers may still be starting on a busy machine). */
async function greeted(port: number): Promise<void> {
  for (let tries = 0; ; tries++) {
    try {
      (await Conn.open(port)).close();
      return;
    } catch (err) {
      if (tries >= 5) throw err;
    }
  }
}

/**
 * CPU seconds (user + system, reaped children included) used so far by the process tree under
 * `pid`, or null when there is no such process: the server's cost per command, which a loaded
 * machine does not blur as it does commands per second.
 */
function treeCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    readFileSync(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  return treeCpuMs(pid) / 1000;
}

/** A peer's master pid from its pid file (the peers' scripts write them), or undefined. */
function peerPid(label: string): number | undefined {
  try {
    const pid = Number(readFileSync(`/tmp/peers/${label}/run/master.pid`, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** `pid`: the server's master, whose process tree's CPU time is reported per command. */
async function measure(label: string, port: number, pid?: number): Promise<void> {
  await greeted(port);
  await prepare(port);
  for (const [mode, churn] of [['steady', false], ['churn', true]] as const) {
    if (!MODES.includes(mode)) continue;
    // --keep: the steady clients go on from the warm-up into the window (no logins in it).
    const keep = KEEP && !churn && WARM > 0;
    if (WARM > 0 && !keep) await load(port, churn, WARM);
    // Read when the counted window starts (a callback: kept in an object, not narrowed away).
    // Halfway through the steady window, `where`: which server process holds each connection (ours only).
    const at: {
      cpu: number | null;
      perProcess: Map<number, { role: string; ms: number; mainMs: number }> | null;
      look: NodeJS.Timeout | null;
      where: string | null;
    } = { cpu: null, perProcess: null, look: null, where: null };
    const stats = await load(port, churn, SECONDS, keep ? WARM : 0, () => {
      at.cpu = treeCpuSeconds(pid);
      at.perProcess = pid !== undefined && label.startsWith('us') ? cpuByProcess(pid) : null;
      if (pid !== undefined && !churn && label.startsWith('us')) at.look = setTimeout(() => (at.where = spread(pid, port)), (SECONDS * 1000) / 2);
    });
    if (at.look) clearTimeout(at.look);
    const { cpu: before, perProcess: perProcessBefore, where } = at;
    const after = treeCpuSeconds(pid);
    report(label, mode, stats, before === null || after === null ? null : after - before);
    if (where !== null) console.log(`imap-load: ${label.padEnd(8)} ${mode.padEnd(6)}   server processes holding the connections: ${where}`);
    if (perProcessBefore !== null && pid !== undefined) {
      const parts: string[] = [];
      let workersMs = 0;
      let workersMainMs = 0;
      for (const [p, now] of cpuByProcess(pid)) {
        const ms = now.ms - (perProcessBefore.get(p)?.ms ?? 0);
        const mainMs = now.mainMs - (perProcessBefore.get(p)?.mainMs ?? 0);
        if (ms >= 100) parts.push(`${now.role} ${p} ${(ms / 1000).toFixed(1)} s (main thread ${(mainMs / 1000).toFixed(1)})`);
        if (now.role === 'imap worker') {
          workersMs += ms;
          workersMainMs += mainMs;
        }
      }
      console.log(`imap-load: ${label.padEnd(8)} ${mode.padEnd(6)}   server CPU by process: ${parts.join(', ')}`);
      // Other threads: V8's compiler and concurrent marking, and the libuv pool (fsync, file creates, scrypt).
      const commands = Math.max(1, stats.total());
      console.log(`imap-load: ${label.padEnd(8)} ${mode.padEnd(6)}   imap workers per command: main threads ${(workersMainMs / commands).toFixed(3)} ms, other threads ${((workersMs - workersMainMs) / commands).toFixed(3)} ms`);
    }
  }
}

async function main(): Promise<void> {
  console.log(`imap-load: ${USERS} users × ${CLIENTS} clients, ${SECONDS} s per mode${WARM > 0 ? ` after ${WARM} s of the same load not counted` : ''}, mailboxes kept near ${TARGET} messages`);
  if (ONLY.includes('us')) {
    const users = Array.from({ length: USERS }, (_, u) => `user${u + 1}`);
    // The shipped imap line has no prefork (one worker per core): --prefork adds it (or replaces one).
    const edit = PREFORK ? (t: string) => t.replace(/^(\s*imap\s+cmd="imapd[^"]*")([^\n]*)$/m, (_, head: string, rest: string) =>
      `${head}${/prefork=\d+/.test(rest) ? rest.replace(/prefork=\d+/, `prefork=${PREFORK}`) : `${rest} prefork=${PREFORK}`}`) : undefined;
    const server = await startShipped({ users, password: 'pass', editCyrusConf: edit, cli: CLI_OTHER, loglevel: process.env.BENCH_LOGLEVEL });
    try {
      await measure(`us${PREFORK ? `(p${PREFORK})` : ''}`, server.port('imap'), server.master.pid);
    } finally {
      await server.stop();
    }
  }
  for (const [label, port] of [['cyrus', 14301], ['dovecot', 24301]] as const) {
    if (!ONLY.includes(label)) continue;
    if (await answers(port)) await measure(label, port, peerPid(label));
    else console.log(`imap-load: ${label} does not answer on ${port} (start it with the peers' scripts): skipped`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
