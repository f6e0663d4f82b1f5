// Figure: LMTP delivery throughput through the real master on a temp copy of the shipped conf/
// (fsync on), beside the peers in the same run: postfix's smtp-source exactly as
// ../shared/peers/lmtp-bench.sh drives it (2,000 × 4 KB to one user over 10 reused sessions, then
// one new connection per message, 10 at a time), against us, Dovecot and Cyrus back to back, each
// run checked by an IMAP count of the INBOX. Also our own pipelining client (ours only), the time
// from a 250 to the "* N EXISTS" an IDLE client (another process) receives (us and the peers), and
// 100 recipients of one 100 KB message (single-instance store: time and bytes written).
//   node dist/bench/lmtp-deliver.js [messages] [sessions]
// Environment: LMTP_BENCH_PEERS=dovecot,cyrus (default; 0: ours only); LMTP_BENCH_PARTS=smtp,own,idle,fanout (a subset; smtp-d or smtp-conn: one smtp-source mode);
// LMTP_BENCH_CLI=/path/to/dist/bin/cyrusts.js (measure another build, e.g. a base for before/after);
// LMTP_BENCH_SIEVE=1 (the throughput user has an active Sieve script of six rules that keep the bench messages);
// LMTP_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" (node flags for the master and workers).
// Peer users: user30 (throughput) and user32 (IDLE) on Dovecot (24241/24301) and Cyrus (14241/14301).
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapdConfig } from '../src/config/index.js';
import { MailStore } from '../src/store/index.js';
import { PasswordStore } from '../src/auth/index.js';
import { percentile } from './_master.js';
import { LmtpClient, idleLatency, inboxCount, makeMessage, smtpSource } from './_lmtp-client.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const CLI = process.env.LMTP_BENCH_CLI ?? join(here, '..', 'bin', 'cyrusts.js');
const PARTS = new Set((process.env.LMTP_BENCH_PARTS ?? 'smtp,own,idle,fanout').split(','));

interface Target {
  name: string;
  lmtp: number;
  imap: number;
  /** Receives the throughput runs. */
  user: string;
  /** Receives the IDLE latency deliveries. */
  idleUser: string;
}

const PEERS: Target[] = [
  { name: 'Dovecot', lmtp: 24241, imap: 24301, user: 'user30', idleUser: 'user32' },
  { name: 'Cyrus', lmtp: 14241, imap: 14301, user: 'user30', idleUser: 'user32' },
];

/** A copy of conf/ in a temp dir; listeners on ephemeral ports; TCP lmtpd with -a (the peers' benches deliver without AUTH too). */
function copyShippedConf(): { dir: string; imapdConf: string; cyrusConf: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cyrusts-lmtp-bench-'));
  cpSync(join(repo, 'conf'), join(dir, 'conf'), { recursive: true });
  mkdirSync(join(dir, 'var', 'imap', 'socket'), { recursive: true });
  mkdirSync(join(dir, 'var', 'spool'), { recursive: true });
  mkdirSync(join(dir, 'var', 'tls'), { recursive: true });
  // The TLS pair `npm start` makes (scripts/demo-setup.sh), for imaps and STARTTLS.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'var', 'tls', 'server.key'),
    '-out', join(dir, 'var', 'tls', 'server.pem'), '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  const cyrusConf = join(dir, 'conf', 'cyrus.conf');
  const text = readFileSync(cyrusConf, 'utf8')
    .replace(/listen="127\.0\.0\.1:\d+"/g, 'listen="127.0.0.1:0"')
    .replace(/(lmtp\s+cmd=")lmtpd"/, '$1lmtpd -a"');
  writeFileSync(cyrusConf, text);
  const imapdConf = join(dir, 'conf', 'imapd.conf');
  writeFileSync(imapdConf, readFileSync(imapdConf, 'utf8').replace(/^loglevel: .*$/m, 'loglevel: warn'));
  return { dir, imapdConf, cyrusConf };
}

async function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Our own pipelining client: `count` messages over `sessions` at a time, reused or one connection each. */
async function ownClient(label: string, count: number, sessions: number, reuse: boolean, port: number): Promise<void> {
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: sessions }, async () => {
    let client = reuse ? await LmtpClient.open(port) : null;
    while (next < count) {
      const i = next++;
      if (!reuse) client = await LmtpClient.open(port);
      await client!.deliver(['bench'], makeMessage(i, 4096));
      if (!reuse) client!.close();
    }
    if (reuse) client!.close();
  }));
  const seconds = (performance.now() - start) / 1000;
  console.log(`lmtp-deliver: own client, ${label}: ${count} × 4 KB in ${seconds.toFixed(2)} s = ${(count / seconds).toFixed(0)} msg/s`);
}

/** smtp-source against every target, one mode at a time, back to back; msg/s per target. */
async function smtpSourceRuns(targets: Target[], count: number, sessions: number, modes: boolean[]): Promise<void> {
  for (const reuse of modes) {
    const mode = reuse ? `-d, ${sessions} reused sessions` : `one connection per message, ${sessions} at a time`;
    const rates = new Map<string, number>();
    for (const target of targets) {
      const before = await inboxCount(target.imap, target.user);
      const run = smtpSource(target.lmtp, `${target.user}@localhost`, count, sessions, reuse);
      const delivered = (await inboxCount(target.imap, target.user)) - before;
      const verdict = run.ok && delivered === count ? '' : `  INCOMPLETE: ${run.error ?? ''} delivered ${delivered}/${count}`;
      if (verdict === '') rates.set(target.name, run.rate);
      console.log(`lmtp-deliver: smtp-source (${mode}) ${target.name.padEnd(8)}: ${count} × 4 KB in ${run.seconds.toFixed(2)} s = ${run.rate.toFixed(0)} msg/s${verdict}`);
    }
    const ours = rates.get('cyrusts');
    const dovecot = rates.get('Dovecot');
    if (ours !== undefined && dovecot !== undefined) console.log(`lmtp-deliver: smtp-source (${mode}): cyrusts / Dovecot = ${(ours / dovecot).toFixed(2)}`);
  }
}

/** Message files of the last message of each mailbox: how many distinct files (inodes) and their bytes. */
function messageFiles(store: MailStore, names: string[]): { files: number; bytes: number } {
  const inodes = new Map<number, number>();
  for (const name of names) {
    const box = store.openMailbox(name);
    try {
      const uids = box.snapshot().uids;
      const st = statSync(box.messagePath(uids[uids.length - 1]!));
      inodes.set(st.ino, st.size);
    } finally {
      box.close();
    }
  }
  return { files: inodes.size, bytes: [...inodes.values()].reduce((a, b) => a + b, 0) };
}

/** Bytes the server's processes caused to be written to storage (/proc/PID/io write_bytes), summed over the tree. */
function treeWriteBytes(rootPid: number): number {
  const pids = [rootPid];
  let bytes = 0;
  for (let i = 0; i < pids.length; i++) {
    try {
      const children = readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, 'utf8').trim();
      if (children) pids.push(...children.split(/\s+/).map(Number));
      bytes += Number(/^write_bytes: (\d+)$/m.exec(readFileSync(`/proc/${pids[i]}/io`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return bytes;
}

async function fanOut(port: number, config: ImapdConfig, masterPid: number): Promise<void> {
  const many = Array.from({ length: 100 }, (_, i) => `many${i}`);
  const client = await LmtpClient.open(port);
  const writtenBefore = treeWriteBytes(masterPid);
  const start = performance.now();
  await client.deliver(many, makeMessage(0, 100 * 1024));
  const ms = performance.now() - start;
  const written = treeWriteBytes(masterPid) - writtenBefore;
  client.close();
  const look = MailStore.open({ config });
  const { files, bytes } = messageFiles(look, many.map((u) => `user.${u}`));
  look.close();
  console.log(`lmtp-deliver: 100 recipients of one 100 KB message: ${ms.toFixed(0)} ms; ${files} message file(s) of ${(bytes / 1024).toFixed(0)} KiB for the 100 mailboxes (single-instance store); ${(written / 1024).toFixed(0)} KiB written to storage by the server (files, indexes, WAL)`);
}

async function startMaster(imapdConf: string, cyrusConf: string): Promise<{ stop: () => Promise<void>; lmtp: number; imap: number; pid: number }> {
  const nodeArgs = (process.env.LMTP_BENCH_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '');
  const master = spawn(process.execPath, [...nodeArgs, CLI, 'master', '-C', imapdConf, '-M', cyrusConf, '-D'], { stdio: ['ignore', 'pipe', process.env.BENCH_LOG ? 'inherit' : 'ignore'] });
  const exited = new Promise((resolve) => master.once('exit', resolve));
  const stop = async () => {
    master.kill('SIGTERM');
    await exited;
  };
  const text = await new Promise<string>((resolve, reject) => {
    let seen = '';
    master.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (/^lmtp \(lmtpd\) listening/m.test(seen) && /^imap \(imapd\) listening/m.test(seen)) resolve(seen);
    });
    master.once('exit', (code) => reject(new Error(`master exited with ${code}`)));
  });
  const port = (service: string) => Number(new RegExp(`^${service} \\(\\w+\\) listening on [\\d.]+:(\\d+)$`, 'm').exec(text)![1]);
  return { stop, lmtp: port('lmtp'), imap: port('imap'), pid: master.pid! };
}

const BENCH_SCRIPT = [
  'require ["fileinto", "imap4flags", "envelope", "subaddress", "relational", "comparator-i;ascii-numeric"];',
  'if header :contains "List-Id" ["announce.example.org", "dev.example.org"] { fileinto "Lists"; stop; }',
  'if address :domain :is "from" "spam.example" { discard; stop; }',
  'if header :matches "Subject" "*[SPAM]*" { addflag "$Junk"; fileinto "Lists"; stop; }',
  'if envelope :detail "to" "lists" { fileinto "Lists"; stop; }',
  'if size :over 10M { addflag "$Large"; }',
  'if header :value "ge" :comparator "i;ascii-numeric" "X-Spam-Score" "10" { discard; stop; }',
  '',
].join('\r\n');

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 2000);
  const sessions = Number(process.argv[3] ?? 10);
  const { dir, imapdConf, cyrusConf } = copyShippedConf();
  const config = ImapdConfig.load(imapdConf);
  const store = MailStore.open({ config });
  store.createMailbox('user.bench', { acl: 'bench\tlrswipkxtecdan\t' });
  for (let i = 0; i < 100; i++) store.createMailbox(`user.many${i}`, { acl: `many${i}\tlrswipkxtecdan\t` });
  if (process.env.LMTP_BENCH_SIEVE === '1') {
    // The throughput user's active script: six rules, as a webmail's filter page writes them, none of
    // which matches the bench messages (the implicit keep stores them into INBOX, as without one).
    store.createMailbox('user.bench.Lists', { acl: 'bench\tlrswipkxtecdan\t' });
    store.sieveScripts.put('bench', 'filters', Buffer.from(BENCH_SCRIPT));
    store.sieveScripts.setActive('bench', 'filters');
  }
  store.close();
  const passwords = PasswordStore.open(config.path('auth_passwd_db')!, { scrypt: { N: 1024, r: 8, p: 1 } });
  await passwords.setPassword('bench', 'pass');
  passwords.close();
  const master = await startMaster(imapdConf, cyrusConf);
  try {
    const us: Target = { name: 'cyrusts', lmtp: master.lmtp, imap: master.imap, user: 'bench', idleUser: 'bench' };
    const peers: Target[] = [];
    const wanted = (process.env.LMTP_BENCH_PEERS ?? 'dovecot,cyrus').toLowerCase().split(',');
    {
      for (const peer of PEERS.filter((p) => wanted.includes(p.name.toLowerCase()))) {
        if (await reachable(peer.lmtp)) peers.push(peer);
        else console.log(`lmtp-deliver: ${peer.name} not reachable on ${peer.lmtp} (start it with ../shared/peers/*-up.sh); left out`);
      }
    }
    const modes = [...(PARTS.has('smtp') || PARTS.has('smtp-d') ? [true] : []), ...(PARTS.has('smtp') || PARTS.has('smtp-conn') ? [false] : [])];
    await smtpSourceRuns([us, ...peers], count, sessions, modes);
    if (PARTS.has('own')) {
      await ownClient(`${sessions} reused sessions`, count, sessions, true, master.lmtp);
      await ownClient(`one connection per message (${sessions} at a time)`, count, sessions, false, master.lmtp);
    }
    if (PARTS.has('idle')) {
      // Dovecot looks for changes on a 500 ms timer: fewer deliveries there.
      for (const target of [us, ...peers]) {
        const n = target === us ? 200 : 20;
        const latencies = await idleLatency(target.lmtp, target.imap, target.idleUser, n);
        console.log(`lmtp-deliver: 250 to "* EXISTS" at an IDLE client (another process), ${target.name.padEnd(8)} ${n} deliveries: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`);
      }
    }
    if (PARTS.has('fanout')) await fanOut(master.lmtp, config, master.pid);
  } finally {
    await master.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
