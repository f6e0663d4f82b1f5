// Figure: LMTP delivery throughput through the real master on a temp copy of the shipped conf/
// (fsync on): 2,000 × 4 KB messages to one user over 10 reused sessions, then over one new
// connection per message (10 at a time), as ../shared/peers/lmtp-bench.sh drives the peers with
// smtp-source (PIPELINING: MAIL, RCPT and DATA in one write). Also 100 recipients of one 100 KB
// message (single-instance store: time and bytes written to the partition). When postfix's
// smtp-source is installed, the same two runs with it, exactly as the peers' script drives them.
// And the time from a 250 to the "* N EXISTS" an IDLE client (imapd, another process) receives.
// `node dist/bench/lmtp-deliver.js [messages] [sessions]`
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapdConfig } from '../src/config/index.js';
import { MailStore } from '../src/store/index.js';
import { PasswordStore } from '../src/auth/index.js';
import { BenchClient, percentile } from './_master.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const CLI = join(here, '..', 'bin', 'cyrusts.js');
const SMTP_SOURCE = '/usr/sbin/smtp-source';

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

class Client {
  private buffer = '';
  private wake: (() => void) | null = null;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.wake?.();
    });
  }

  static async open(port: number): Promise<Client> {
    const socket = createConnection({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.setNoDelay(true);
    const c = new Client(socket);
    await c.replies(1);
    c.socket.write('LHLO bench\r\n');
    await c.replies(1);
    return c;
  }

  /** The next `n` final reply lines (continuation lines skipped). */
  async replies(n: number): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      let nl: number;
      while (out.length < n && (nl = this.buffer.indexOf('\r\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 2);
        if (line[3] !== '-') out.push(line);
      }
      if (out.length >= n) return out;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
  }

  /** One transaction, pipelined: MAIL RCPT... DATA, then the message; a 250 per recipient expected. */
  async deliver(rcpts: string[], message: string): Promise<void> {
    this.socket.write(`MAIL FROM:<bench@localhost>\r\n${rcpts.map((r) => `RCPT TO:<${r}>\r\n`).join('')}DATA\r\n`);
    const head = await this.replies(rcpts.length + 2);
    if (!head.at(-1)!.startsWith('354')) throw new Error(`refused: ${head.join(' | ')}`);
    this.socket.write(`${message}.\r\n`);
    const answers = await this.replies(rcpts.length);
    const bad = answers.find((a) => !a.startsWith('250'));
    if (bad) throw new Error(`delivery failed: ${bad}`);
  }

  close(): void {
    this.socket.end('QUIT\r\n');
  }
}

function makeMessage(i: number, payload: number): string {
  const header = `From: bench@localhost\r\nTo: bench@localhost\r\nSubject: lmtp bench ${i}\r\nMessage-ID: <bench-${i}-${process.pid}-${Math.random()}@localhost>\r\n\r\n`;
  const line = 'The quick brown fox jumps over the lazy dog, again and again.\r\n';
  return `${header}${line.repeat(Math.ceil(payload / line.length)).slice(0, payload - 2)}\r\n`;
}

async function run(label: string, count: number, sessions: number, reuse: boolean, port: number): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: sessions }, async () => {
    let client = reuse ? await Client.open(port) : null;
    while (next < count) {
      const i = next++;
      if (!reuse) client = await Client.open(port);
      await client!.deliver(['bench'], makeMessage(i, 4096));
      if (process.env.BENCH_LOG) process.stderr.write(`delivered ${i}\n`);
      if (!reuse) client!.close();
    }
    if (reuse) client!.close();
  }));
  const seconds = (performance.now() - start) / 1000;
  const rate = count / seconds;
  console.log(`lmtp-deliver: ${label}: ${count} × 4 KB in ${seconds.toFixed(2)} s = ${rate.toFixed(0)} msg/s`);
  return rate;
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

/** One delivery at a time; for each, the time from its 250 to the EXISTS an IDLE session receives. */
async function idleLatency(lmtpPort: number, imapPort: number, count: number): Promise<number[]> {
  const imap = await BenchClient.connect(imapPort);
  await imap.command('LOGIN bench pass');
  await imap.command('SELECT INBOX');
  let exists: (at: number) => void = () => undefined;
  imap.onUntagged = (line, at) => {
    if (/^\* \d+ EXISTS/.test(line)) exists(at);
  };
  imap.send('i IDLE\r\n');
  await new Promise((resolve) => setTimeout(resolve, 200));
  const lmtp = await Client.open(lmtpPort);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const seen = new Promise<number>((resolve) => {
      exists = resolve;
    });
    await lmtp.deliver(['bench'], makeMessage(i, 4096));
    const acknowledged = performance.timeOrigin + performance.now();
    out.push(Math.max(0, (await seen) - acknowledged));
  }
  lmtp.close();
  imap.send('DONE\r\n');
  imap.socket.destroy();
  return out.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 2000);
  const sessions = Number(process.argv[3] ?? 10);
  const { dir, imapdConf, cyrusConf } = copyShippedConf();
  const config = ImapdConfig.load(imapdConf);
  const store = MailStore.open({ config });
  store.createMailbox('user.bench', { acl: 'bench\tlrswipkxtecdan\t' });
  for (let i = 0; i < 100; i++) store.createMailbox(`user.many${i}`, { acl: `many${i}\tlrswipkxtecdan\t` });
  store.close();
  const passwords = PasswordStore.open(config.path('auth_passwd_db')!, { scrypt: { N: 1024, r: 8, p: 1 } });
  await passwords.setPassword('bench', 'pass');
  passwords.close();
  const master = spawn(process.execPath, [CLI, 'master', '-C', imapdConf, '-M', cyrusConf, '-D'], { stdio: ['ignore', 'pipe', process.env.BENCH_LOG ? 'inherit' : 'ignore'] });
  try {
    let announced = '';
    const port = await new Promise<number>((resolve, reject) => {
      let text = '';
      master.stdout!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        announced = text;
        if (process.env.BENCH_LOG) process.stderr.write(chunk);
        const m = /^lmtp \(lmtpd\) listening on [\d.]+:(\d+)$/m.exec(text);
        if (m) resolve(Number(m[1]));
      });
      master.once('exit', (code) => reject(new Error(`master exited with ${code}`)));
    });
    let expected = 2 * count;
    await run(`${sessions} reused sessions`, count, sessions, true, port);
    await run(`one connection per message (${sessions} at a time)`, count, sessions, false, port);
    if (existsSync(SMTP_SOURCE)) {
      // The peers' driver (../shared/peers/lmtp-bench.sh): postfix's smtp-source, -d reuses sessions.
      for (const reuse of [true, false]) {
        const start = performance.now();
        const result = spawnSync(SMTP_SOURCE, ['-L', '-s', String(sessions), '-m', String(count), '-l', '4096', '-f', 'bench@localhost', '-t', 'bench@localhost',
          '-M', 'localhost', '-S', 'lmtp bench', ...(reuse ? ['-d'] : []), `127.0.0.1:${port}`], { encoding: 'utf8', timeout: 600_000 });
        const seconds = (performance.now() - start) / 1000;
        if (result.status !== 0) {
          // Not every message was delivered: the mailbox count below says how many.
          console.log(`lmtp-deliver: smtp-source ${reuse ? '-d' : ''} failed (status ${result.status}): ${(result.stderr || result.stdout).trim().split('\n').slice(-2).join(' | ')}`);
          expected = Number.NaN;
          continue;
        }
        console.log(`lmtp-deliver: smtp-source ${reuse ? `-d (${sessions} reused sessions)` : `(one connection per message, ${sessions} at a time)`}: ${count} × 4 KB in ${seconds.toFixed(2)} s = ${(count / seconds).toFixed(0)} msg/s`);
      }
      expected += 2 * count;
    }
    const imapPort = Number(/^imap \(imapd\) listening on [\d.]+:(\d+)$/m.exec(announced)![1]);
    const latencies = await idleLatency(port, imapPort, 200);
    expected += 200;
    console.log(`lmtp-deliver: 250 to "* EXISTS" at an IDLE client (another process), 200 deliveries: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`);
    const many = Array.from({ length: 100 }, (_, i) => `many${i}`);
    const client = await Client.open(port);
    const start = performance.now();
    await client.deliver(many, makeMessage(0, 100 * 1024));
    const ms = performance.now() - start;
    client.close();
    const look = MailStore.open({ config });
    const { files, bytes } = messageFiles(look, many.map((u) => `user.${u}`));
    look.close();
    console.log(`lmtp-deliver: 100 recipients of one 100 KB message: ${ms.toFixed(0)} ms; ${files} message file(s) of ${(bytes / 1024).toFixed(0)} KiB for the 100 mailboxes (single-instance store)`);
    const check = MailStore.open({ config });
    const box = check.openMailbox('user.bench');
    const messages = box.status().messages;
    box.close();
    check.close();
    if (messages !== expected && !Number.isNaN(expected)) throw new Error(`expected ${expected} messages in user.bench, found ${messages}`);
  } finally {
    master.kill('SIGTERM');
    await new Promise((resolve) => master.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
