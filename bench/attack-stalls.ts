// Issue 17: the stalls one client could cause, run against a live server while other sessions send
// NOOPs: LIST patterns that backtrack, tiny literals before login, big LOGIN literals, a SEARCH
// OR-bomb, and TCP connections to the imaps port closed before the TLS handshake (slot leak).
// For each: the NOOP latency (p50, p99, max) and the server's memory (PSS of the master and its
// children, peak while the attack ran). Goal: p99 <= 50 ms, memory bounded. With --peers the same
// attacks run against Cyrus 3.6 and Dovecot 2.3 from ../shared/peers (users user45..user47; their
// imap has no imaps port, and Dovecot allows 10 sessions per user and address: --peer-sessions).
// Ours: the real master, shipped settings (scrypt cost, fsync), one worker, imaps with maxchild=10.
// The attackers run in this process beside the NOOP clients: read the figures as an upper bound.
//   npm run bench -- attack-stalls [--sessions 200] [--seconds 5] [--messages 2000] [--peers]
//     [--peer-sessions 20] [--only NAME-PART[,NAME-PART...]]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { parseArgs } from 'node:util';
import { ImapdConfig } from '../src/config/index.js';
import { MailStore } from '../src/store/index.js';
import { BenchClient, percentile, startBenchMaster, treeCpuMs, treeMemoryKiB } from './_master.js';
import { describeLoginFlood, loginFlood } from './_login-flood.js';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '5' },
    messages: { type: 'string', default: '2000' },
    peers: { type: 'boolean', default: false },
    'peer-sessions': { type: 'string', default: '20' },
    only: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
const MESSAGES = Number(values.messages);
/** --only baseline,64: the attacks whose name contains any of the comma-separated parts. */
const ONLY = values.only === undefined ? null : values.only.split(',').filter((part) => part !== '');

interface Target {
  name: string;
  port: number;
  /** TLS-on-connect port and its connection limit, when the target has one. */
  imaps: { port: number; maxchild: number } | null;
  /** The NOOP sessions' users, taken in turn. */
  noopUsers: string[];
  sessions: number;
  attacker: string;
  /** PSS of the server's processes, KiB. */
  memoryKiB(): number;
  /** CPU time used so far by the server's processes, ms. */
  cpuMs(): number;
}

interface Attack {
  name: string;
  /** Before and after the measured window (e.g. CREATE and DELETE, which are no part of the attack). */
  setup?(target: Target): Promise<void>;
  teardown?(target: Target): Promise<void>;
  /** Runs until `stop()` returns true; reports what the attacker saw. */
  run(target: Target, stop: () => boolean): Promise<string>;
}

/** The hierarchy separator the target shows `c`. */
async function separator(c: BenchClient): Promise<string> {
  return /^\* LIST \([^)]*\) "(.)"/.exec((await c.command('LIST "" ""')).find((l) => l.startsWith('* LIST')) ?? '')?.[1] ?? '/';
}

const LIST_PARENT = 'a'.repeat(30);

function raw(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Write `chunk` until the server closes or `stop()`; returns bytes written. */
async function flood(socket: Socket, chunk: Buffer, stop: () => boolean): Promise<number> {
  let closed = false;
  socket.on('error', () => undefined);
  const onClose = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void onClose.then(() => (closed = true));
  let written = 0;
  while (!closed && !stop()) {
    written += chunk.length;
    if (!socket.write(chunk)) await Promise.race([new Promise<void>((resolve) => socket.once('drain', resolve)), onClose]);
  }
  socket.destroy();
  return written;
}

async function loggedIn(port: number, user: string): Promise<BenchClient> {
  const client = await BenchClient.connect(port);
  const answer = await client.command(`LOGIN ${user} pass`);
  if (!answer.at(-1)!.includes(' OK')) throw new Error(`LOGIN ${user}: ${answer.at(-1)}`);
  return client;
}

/** The greeting of a full TLS connection within 5 s, or null. */
function tlsGreeting(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    const timer = setTimeout(() => finish(null), 5000);
    const finish = (text: string | null): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    };
    socket.setEncoding('latin1');
    socket.once('data', (text: string) => finish(text.trim()));
    socket.once('error', () => finish(null));
    socket.once('close', () => finish(null));
  });
}

const attacks: Attack[] = [
  {
    name: 'baseline (no attack)',
    async run(_target, stop) {
      while (!stop()) await new Promise((r) => setTimeout(r, 50));
      return 'nothing';
    },
  },
  {
    name: 'LIST patterns (30 x %, *a*a...*ab)',
    async setup(target) {
      const c = await loggedIn(target.port, target.attacker);
      await c.command(`CREATE ${LIST_PARENT}${await separator(c)}b`);
      c.socket.destroy();
    },
    async teardown(target) {
      const c = await loggedIn(target.port, target.attacker);
      const sep = await separator(c);
      await c.command(`DELETE ${LIST_PARENT}${sep}b`);
      await c.command(`DELETE ${LIST_PARENT}`);
      c.socket.destroy();
    },
    async run(target, stop) {
      const c = await loggedIn(target.port, target.attacker);
      let answered = 0;
      while (!stop()) {
        await c.command(`LIST "" "${'%'.repeat(30)}"`);
        await c.command(`LIST "" "${'*a'.repeat(15)}b"`);
        answered += 2;
      }
      c.socket.destroy();
      return `${answered} LISTs answered`;
    },
  },
  {
    name: 'tiny literals before login (8 connections)',
    async run(target, stop) {
      const chunk = Buffer.from(' {1+}\r\nx'.repeat(4096));
      let cut = 0;
      let sent = 0;
      const one = async (): Promise<void> => {
        while (!stop()) {
          const socket = await raw(target.port);
          socket.write(`a LOGIN ${target.attacker}`);
          // Not `sent += await ...`: that reads `sent` before the await and loses the other connections' bytes.
          const written = await flood(socket, chunk, stop);
          sent += written;
          cut++;
        }
      };
      await Promise.all(Array.from({ length: 8 }, one));
      return `${cut} connections cut off, ${(sent / 1048576).toFixed(1)} MB sent`;
    },
  },
  {
    name: '64 MB LOGIN literals (32 connections, LITERAL+)',
    async run(target, stop) {
      const data = Buffer.alloc(1 << 20, 0x78);
      let sent = 0;
      let cut = 0;
      const one = async (): Promise<void> => {
        while (!stop()) {
          const socket = await raw(target.port);
          socket.write(`a LOGIN ${target.attacker} {67108864+}\r\n`);
          const written = await flood(socket, data, stop);
          sent += written;
          cut++;
        }
      };
      await Promise.all(Array.from({ length: 32 }, one));
      return `${cut} connections cut off, ${(sent / 1048576).toFixed(1)} MB sent`;
    },
  },
  {
    name: `SEARCH: OR trees of 1001 SUBJECT leaves and of the most our budget allows (${MESSAGES} messages)`,
    async run(target, stop) {
      const c = await loggedIn(target.port, target.attacker);
      await c.command('SELECT INBOX');
      const tree = (n: number): string => (n === 1 ? 'SUBJECT zzz' : `OR (${tree(Math.floor(n / 2))}) (${tree(n - Math.floor(n / 2))})`);
      const under = Math.min(1000, Math.max(1, Math.floor(2_000_000 / Math.max(1, MESSAGES)) - 1));
      const outcomes = new Map<string, number>();
      while (!stop()) {
        for (const leaves of [1001, under]) {
          const last = (await c.command(`SEARCH ${tree(leaves)}`)).at(-1)!;
          const key = `${leaves} leaves: ${last.replace(/^\S+ /, '').slice(0, 40)}`;
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        }
      }
      c.socket.destroy();
      return [...outcomes].map(([k, n]) => `${n} x ${k}`).join('; ');
    },
  },
  {
    name: 'imaps slot leak (TCP connections closed before the TLS handshake, 3 x maxchild)',
    async run(target, stop) {
      if (target.imaps === null) return 'n/a: no imaps port';
      const { port, maxchild } = target.imaps;
      let leaked = 0;
      let greeted = 0;
      let refused = 0;
      while (!stop()) {
        for (let i = 0; i < maxchild * 3; i++) {
          const socket = await raw(port).catch(() => null);
          socket?.destroy();
          if (socket) leaked++;
        }
        await new Promise((r) => setTimeout(r, 200));
        const greeting = await tlsGreeting(port);
        if (greeting?.startsWith('* OK')) greeted++;
        else refused++;
      }
      return `${leaked} connections opened and closed unencrypted; then a TLS client greeted ${greeted} times, refused or unanswered ${refused} times`;
    },
  },
  {
    // Also alone against any port: npm run bench -- login-flood --port N.
    name: 'login flood (20 connections from 127.0.0.2 send wrong LOGINs; time of an honest LOGIN from 127.0.0.1)',
    async run(target, stop) {
      const [honestUser, attackerUser] = target.attacker === 'mallory' ? ['fred', 'mallory'] : ['user48', 'user49'];
      const seconds = Math.max(1, SECONDS - 0.5);
      const result = await loginFlood({ port: target.port, honestUser, attackerUser, password: 'pass', connections: 20, seconds });
      while (!stop()) await new Promise((resolve) => setTimeout(resolve, 50));
      return `\n${describeLoginFlood(result)}`;
    },
  },
];

/** Top the attacker's INBOX up to MESSAGES over IMAP (LITERAL+), for the peers. */
async function fillOverImap(port: number, user: string): Promise<void> {
  const c = await loggedIn(port, user);
  const exists = Number(/^\* (\d+) EXISTS/m.exec((await c.command('SELECT INBOX')).join('\n'))?.[1] ?? 0);
  for (let i = exists; i < MESSAGES; i++) {
    const message = `From: a${i}@example.org\r\nSubject: message ${i}\r\n\r\nbody ${i}\r\n`;
    await c.command(`APPEND INBOX {${Buffer.byteLength(message)}+}\r\n${message}`);
  }
  c.socket.destroy();
}

async function fillOurs(imapdConf: string): Promise<void> {
  const store = MailStore.open({ config: ImapdConfig.load(imapdConf) });
  const mailbox = store.openMailbox('user.mallory');
  try {
    for (let from = 0; from < MESSAGES; from += 500) {
      const items = [];
      for (let i = from; i < Math.min(MESSAGES, from + 500); i++) items.push({ content: Buffer.from(`From: a${i}@example.org\r\nSubject: message ${i}\r\n\r\nbody ${i}\r\n`), flags: [] });
      await mailbox.append(items, { userid: 'mallory' });
    }
  } finally {
    mailbox.close();
    store.close();
  }
}

async function runAttacks(target: Target): Promise<void> {
  const honest: BenchClient[] = [];
  for (let i = 0; i < target.sessions; i++) honest.push(await loggedIn(target.port, target.noopUsers[i % target.noopUsers.length]!));
  console.log(`\n== ${target.name}: ${target.sessions} sessions sending NOOPs, ${SECONDS} s per attack`);
  for (const attack of attacks) {
    if (ONLY !== null && !ONLY.some((part) => attack.name.includes(part))) continue;
    await attack.setup?.(target);
    const latencies: number[] = [];
    const until = Date.now() + SECONDS * 1000;
    const stop = (): boolean => Date.now() >= until;
    const before = target.memoryKiB();
    const cpuBefore = target.cpuMs();
    const ownCpuBefore = process.cpuUsage();
    const started = performance.now();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, target.memoryKiB())), 250);
    const noops = honest.map(async (client) => {
      while (!stop()) {
        const t0 = performance.now();
        await client.command('NOOP');
        latencies.push(performance.now() - t0);
      }
    });
    const seen = await attack.run(target, stop).catch((err: Error) => `attack failed: ${err.message}`);
    await Promise.all(noops);
    clearInterval(sampler);
    const wall = performance.now() - started;
    const serverCpu = target.cpuMs() - cpuBefore;
    const ownCpu = process.cpuUsage(ownCpuBefore);
    const benchCpu = (ownCpu.user + ownCpu.system) / 1000;
    await attack.teardown?.(target).catch(() => undefined);
    const after = target.memoryKiB();
    latencies.sort((a, b) => a - b);
    const ms = (x: number): string => x.toFixed(1);
    const mib = (kib: number): string => (kib / 1024).toFixed(0);
    console.log(`\n${attack.name}\n  attacker: ${seen}`);
    console.log(`  NOOP: ${latencies.length} answered, p50 ${ms(percentile(latencies, 50))} ms, p99 ${ms(percentile(latencies, 99))} ms, max ${ms(latencies.at(-1) ?? 0)} ms`);
    console.log(`  server PSS: before ${mib(before)} MiB, peak ${mib(peak)} MiB, after ${mib(after)} MiB`);
    // Where the time went: the server's processes, and this process (NOOP clients and attackers).
    const share = (cpu: number): string => `${((100 * cpu) / wall).toFixed(0)}% of a core`;
    console.log(`  CPU over ${(wall / 1000).toFixed(1)} s: server ${share(serverCpu)}, bench process (clients and attacker) ${share(benchCpu)}`);
  }
  for (const client of honest) client.socket.destroy();
}

/** A peer from ../shared/peers, its memory read from its master's pid file. */
function peer(name: string, port: number, pidFile: string): Target {
  return {
    name,
    port,
    imaps: null,
    noopUsers: ['user45', 'user47'],
    sessions: Number(values['peer-sessions']),
    attacker: 'user46',
    memoryKiB() {
      try {
        return treeMemoryKiB(Number(readFileSync(pidFile, 'utf8').trim())).pss;
      } catch {
        return 0;
      }
    },
    cpuMs() {
      try {
        return treeCpuMs(Number(readFileSync(pidFile, 'utf8').trim()));
      } catch {
        return 0;
      }
    },
  };
}

const IMAPS_MAXCHILD = 10;
// maxlogins_per_user_host (50 by default) bounds one user's sessions from one address: many users
// (fred stays free for the login flood's honest LOGIN).
const HONEST = Array.from({ length: Math.ceil(Number(values.sessions) / 50) }, (_, i) => `honest${i}`);
const master = await startBenchMaster({
  users: ['fred', ...HONEST, 'mallory'],
  extraServices: [`imaps cmd="imapd -s" listen="127.0.0.1:0" prefork=1 maxchild=${IMAPS_MAXCHILD}`],
  prepare: (dir) => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    return [`tls_server_cert: ${join(dir, 'cert.pem')}`, `tls_server_key: ${join(dir, 'key.pem')}`];
  },
});
try {
  await fillOurs(master.imapdConf);
  await runAttacks({
    name: 'cyrusts (one imapd worker)',
    port: master.port,
    imaps: { port: master.ports.get('imaps')!, maxchild: IMAPS_MAXCHILD },
    noopUsers: HONEST,
    sessions: Number(values.sessions),
    attacker: 'mallory',
    memoryKiB: () => treeMemoryKiB(master.process.pid!).pss,
    cpuMs: () => treeCpuMs(master.process.pid!),
  });
} finally {
  await master.stop();
}
if (values.peers) {
  const peers = [
    peer('Cyrus 3.6', Number(process.env.CYRUS_IMAP_PORT ?? 14301), '/tmp/peers/cyrus/run/master.pid'),
    peer('Dovecot 2.3', Number(process.env.DOVECOT_IMAP_PORT ?? 24301), '/tmp/peers/dovecot/run/master.pid'),
  ];
  for (const target of peers) {
    try {
      await fillOverImap(target.port, target.attacker);
      await runAttacks(target);
    } catch (err) {
      console.log(`\n== ${target.name}: not measured (${(err as Error).message})`);
    }
  }
}
