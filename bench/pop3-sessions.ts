// POP3 figures against the real master with the shipped settings (the shipped password hashing
// cost, fsync on), and against Cyrus 3.6 and Dovecot 2.3 from ../shared/peers/ when they listen:
//   1. login-to-QUIT sessions per second on a 1,000-message maildrop (USER/PASS, STAT, UIDL,
//      RETR of 10 messages, QUIT), 10 concurrent clients;
//   2. RETR throughput of one 50 MB message;
//   3. memory (PSS of the server's process tree) per idle logged-in POP3 connection.
// Usage: node dist/bench/pop3-sessions.js [--seconds 10] [--clients 10] [--idle 1000] [--peer-idle 100] [--prefork 1]
//          [--rows sessions,retr,memory] [--scrypt-n N (diagnosis only: a cheaper password hash than shipped)]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PasswordStore } from '../src/auth/index.js';
import { ImapdConfig } from '../src/config/index.js';
import { MailStore } from '../src/store/index.js';
import { treeMemoryKiB } from './_master.js';
import { lmtpDeliver, PopBenchClient } from './_pop3-client.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'cyrusts.js');
const args = new Map<string, string>();
for (let i = 2; i + 1 < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1]!);
const SECONDS = Number(args.get('seconds') ?? 10);
const CLIENTS = Number(args.get('clients') ?? 10);
const IDLE = Number(args.get('idle') ?? 1000);
const PEER_IDLE = Number(args.get('peer-idle') ?? 100);
const PREFORK = Number(args.get('prefork') ?? 1);
const SCRYPT_N = args.has('scrypt-n') ? Number(args.get('scrypt-n')) : null;
const ROWS = new Set((args.get('rows') ?? 'sessions,retr,memory').split(','));
const MAILDROP = 1000;
const BIG = 50 * 1024 * 1024;

interface Target {
  name: string;
  port: number;
  /** The user with the 1,000-message maildrop, the one with the 50 MB message, and one for idle logins. */
  users: { sessions: string; big: string; idle: string };
  pass: string;
  /** The root of the server's process tree (for memory). */
  pid: number | null;
}

/** A 4 KB-ish message, numbered. */
function smallMessage(i: number): Buffer {
  const body = `line ${i} of a message of about four kilobytes, as mail usually is\r\n`.repeat(60);
  return Buffer.from(`From: sender@example.com\r\nTo: user@example.com\r\nSubject: bench ${i}\r\nMessage-ID: <bench-${i}@example.com>\r\n\r\n${body}`);
}

function bigMessage(): Buffer {
  const line = `${'0123456789'.repeat(7)}\r\n`;
  const head = 'From: sender@example.com\r\nTo: user@example.com\r\nSubject: 50 MB\r\nMessage-ID: <big@example.com>\r\n\r\n';
  return Buffer.from(head + line.repeat(Math.ceil(BIG / line.length)));
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function startOurs(): Promise<{ target: Target; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'cyrusts-bench-pop3-'));
  mkdirSync(join(dir, 'conf'));
  mkdirSync(join(dir, 'spool'));
  const imapdConf = join(dir, 'imapd.conf');
  writeFileSync(imapdConf, [`configdirectory: ${join(dir, 'conf')}`, `partition-default: ${join(dir, 'spool')}`, 'defaultpartition: default', 'allowplaintext: yes', 'loglevel: warn', 'autocreate_quota: 0'].join('\n') + '\n');
  writeFileSync(join(dir, 'cyrus.conf'), `SERVICES {\n  pop3 cmd="pop3d" listen="127.0.0.1:0" prefork=${PREFORK} maxchild=5000\n}\n`);
  const config = ImapdConfig.load(imapdConf);
  // The shipped scrypt cost unless --scrypt-n asks for another (to see what the hash costs).
  const passwords = PasswordStore.open(config.path('auth_passwd_db')!, SCRYPT_N ? { scrypt: { N: SCRYPT_N, r: 8, p: 1 } } : {});
  const store = MailStore.open({ config });
  for (const user of ['drop', 'big', 'idle']) {
    await passwords.setPassword(user, 'pass');
    store.createMailbox(`user.${user}`, { acl: `${user}\tlrswipkxtecdan\t` });
  }
  const drop = store.openMailbox('user.drop');
  for (let i = 0; i < MAILDROP; i += 100) await drop.append(Array.from({ length: 100 }, (_, k) => ({ content: smallMessage(i + k) })));
  drop.close();
  const big = store.openMailbox('user.big');
  await big.append([{ content: bigMessage() }]);
  big.close();
  const idle = store.openMailbox('user.idle');
  await idle.append(Array.from({ length: 10 }, (_, k) => ({ content: smallMessage(k) })));
  idle.close();
  store.close();
  passwords.close();
  const child = spawn(process.execPath, [CLI, 'master', '-C', imapdConf, '-M', join(dir, 'cyrus.conf'), '-D'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = /pop3 \(pop3d\) listening on [\d.]+:(\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`master exited with ${code}`)));
  });
  await new Promise((r) => setTimeout(r, 300));
  return {
    target: { name: 'cyrusts', port, users: { sessions: 'drop', big: 'big', idle: 'idle' }, pass: 'pass', pid: child.pid! },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function peerPid(name: string): number | null {
  const file = `/tmp/peers/${name}/run/master.pid`;
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) || null : null;
}

/** Bring a peer's maildrops to the bench's shape through its LMTP port (only what is missing). */
async function fillPeer(target: Target, lmtpPort: number): Promise<void> {
  const count = async (user: string) => {
    const c = await PopBenchClient.connect(target.port);
    await c.login(user, target.pass);
    const stat = await c.command('STAT');
    await c.command('QUIT');
    c.close();
    return Number(stat.split(' ')[1]);
  };
  const have = await count(target.users.sessions);
  if (have < MAILDROP) await lmtpDeliver(lmtpPort, target.users.sessions, Array.from({ length: MAILDROP - have }, (_, i) => smallMessage(have + i)));
  if ((await count(target.users.big)) === 0) await lmtpDeliver(lmtpPort, target.users.big, [bigMessage()]);
  if ((await count(target.users.idle)) === 0) await lmtpDeliver(lmtpPort, target.users.idle, Array.from({ length: 10 }, (_, i) => smallMessage(i)));
}

async function sessionsPerSecond(target: Target): Promise<number> {
  let sessions = 0;
  const until = Date.now() + SECONDS * 1000;
  const worker = async () => {
    while (Date.now() < until) {
      const c = await PopBenchClient.connect(target.port);
      await c.login(target.users.sessions, target.pass);
      await c.command('STAT');
      await c.command('UIDL');
      await c.body();
      for (let i = 1; i <= 10; i++) {
        await c.command(`RETR ${i}`);
        await c.body();
      }
      await c.command('QUIT');
      c.close();
      sessions++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CLIENTS }, worker));
  return sessions / ((Date.now() - started) / 1000);
}

async function retrThroughput(target: Target): Promise<number> {
  let best = 0;
  for (let run = 0; run < 3; run++) {
    const c = await PopBenchClient.connect(target.port);
    await c.login(target.users.big, target.pass);
    const started = process.hrtime.bigint();
    await c.command('RETR 1');
    const bytes = await c.body();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await c.command('QUIT');
    c.close();
    best = Math.max(best, bytes / 1024 / 1024 / seconds);
  }
  return best;
}

async function idleMemory(target: Target, n: number): Promise<{ perConnection: number; processes: number } | null> {
  if (target.pid === null) return null;
  const warm = await PopBenchClient.connect(target.port);
  await warm.login(target.users.idle, target.pass);
  await new Promise((r) => setTimeout(r, 500));
  const before = treeMemoryKiB(target.pid);
  const clients: PopBenchClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = await PopBenchClient.connect(target.port);
    await c.login(target.users.idle, target.pass);
    clients.push(c);
  }
  await new Promise((r) => setTimeout(r, 2000));
  const after = treeMemoryKiB(target.pid);
  for (const c of clients) c.close();
  warm.close();
  return { perConnection: (after.pss - before.pss) / n, processes: after.pids.length };
}

const targets: Target[] = [];
const ours = await startOurs();
targets.push(ours.target);
const peers: Array<[string, number, number]> = [['cyrus-3.6', 14101, 14241], ['dovecot-2.3', 24101, 24241]];
for (const [name, port, lmtp] of peers) {
  if (!(await listening(port))) {
    console.log(`${name}: not listening on ${port} (start it with ../shared/peers/${name.split('-')[0]}-up.sh); skipped`);
    continue;
  }
  const target: Target = { name, port, users: { sessions: 'user1', big: 'user2', idle: 'user3' }, pass: 'pass', pid: peerPid(name.split('-')[0]!) };
  await fillPeer(target, lmtp);
  targets.push(target);
}
try {
  console.log(`pop3-sessions: ${CLIENTS} clients for ${SECONDS} s on a ${MAILDROP}-message maildrop (USER/PASS, STAT, UIDL, RETR x10, QUIT)${SCRYPT_N ? `; our scrypt N=${SCRYPT_N}, not the shipped cost` : ''}`);
  for (const target of targets) {
    const parts: string[] = [];
    if (ROWS.has('sessions')) parts.push(`${(await sessionsPerSecond(target)).toFixed(1)} sessions/s`);
    if (ROWS.has('retr')) parts.push(`RETR 50 MB: ${(await retrThroughput(target)).toFixed(0)} MB/s`);
    if (ROWS.has('memory')) {
      const n = target === ours.target ? IDLE : PEER_IDLE;
      const memory = await idleMemory(target, n);
      parts.push(memory ? `${memory.perConnection.toFixed(1)} KiB PSS per idle logged-in connection (${n} connections, ${memory.processes} processes)` : 'memory: no pid file');
    }
    console.log(`  ${target.name.padEnd(12)} ${parts.join('   ')}`);
  }
} finally {
  await ours.stop();
}
