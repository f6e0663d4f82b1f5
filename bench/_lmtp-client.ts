// Shared by the LMTP benches: a minimal pipelining LMTP client, a test message, postfix's
// smtp-source driven as ../shared/peers/lmtp-bench.sh drives it, an IMAP message count, and the
// time from a 250 to the "* N EXISTS" an IDLE client receives (against us or a peer alike).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { BenchClient } from './_master.js';

export const SMTP_SOURCE = '/usr/sbin/smtp-source';

export class LmtpClient {
  private buffer = '';
  private wake: (() => void) | null = null;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.wake?.();
    });
  }

  static async open(port: number): Promise<LmtpClient> {
    const socket = createConnection({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.setNoDelay(true);
    const c = new LmtpClient(socket);
    const greeting = await c.replies(1);
    if (!greeting[0]!.startsWith('220')) throw new Error(`greeting: ${greeting[0]}`);
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
      if (this.socket.destroyed) throw new Error('connection closed');
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

export function makeMessage(i: number, payload: number): string {
  const header = `From: bench@localhost\r\nTo: bench@localhost\r\nSubject: lmtp bench ${i}\r\nMessage-ID: <bench-${i}-${process.pid}-${Math.random()}@localhost>\r\n\r\n`;
  const line = 'The quick brown fox jumps over the lazy dog, again and again.\r\n';
  return `${header}${line.repeat(Math.ceil(payload / line.length)).slice(0, payload - 2)}\r\n`;
}

/** Messages in `user`'s INBOX, by IMAP (LOGIN user pass, EXAMINE); fails after 30 s without an answer. */
export async function inboxCount(imapPort: number, user: string, password = 'pass'): Promise<number> {
  const imap = await BenchClient.connect(imapPort);
  let stuck: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    stuck = setTimeout(() => reject(new Error(`no IMAP answer from port ${imapPort} for ${user} in 30 s`)), 30_000);
  });
  const count = async () => {
    const login = await imap.command(`LOGIN ${user} ${password}`);
    if (!login.at(-1)!.includes(' OK')) throw new Error(`LOGIN ${user}: ${login.at(-1)}`);
    const lines = await imap.command('EXAMINE INBOX');
    const exists = lines.map((l) => /^\* (\d+) EXISTS/.exec(l)).find((m) => m !== null);
    if (!exists) throw new Error(`EXAMINE INBOX: ${lines.at(-1)}`);
    return Number(exists[1]);
  };
  try {
    return await Promise.race([count(), timeout]);
  } finally {
    clearTimeout(stuck);
    imap.socket.destroy();
  }
}

export interface SmtpSourceRun {
  seconds: number;
  rate: number;
  ok: boolean;
  error: string | null;
}

/** smtp-source -L exactly as lmtp-bench.sh runs it (-d: reuse sessions; else one connection per message). */
export function smtpSource(port: number, rcpt: string, count: number, sessions: number, reuse: boolean): SmtpSourceRun {
  if (!existsSync(SMTP_SOURCE)) return { seconds: 0, rate: 0, ok: false, error: 'smtp-source missing (apt-get install postfix)' };
  const start = performance.now();
  const result = spawnSync(SMTP_SOURCE, ['-L', '-s', String(sessions), '-m', String(count), '-l', '4096', '-f', 'bench@localhost', '-t', rcpt,
    '-M', 'localhost', '-S', 'lmtp bench', ...(reuse ? ['-d'] : []), `127.0.0.1:${port}`], { encoding: 'utf8', timeout: 600_000 });
  const seconds = (performance.now() - start) / 1000;
  const error = result.status === 0 ? null : `status ${result.status}: ${(result.stderr || result.stdout || String(result.error)).trim().split('\n').slice(-1).join('')}`;
  return { seconds, rate: count / seconds, ok: error === null, error };
}

/** One delivery at a time to `user`; for each, the time from its 250 to the EXISTS an IDLE session of `user` receives. */
export async function idleLatency(lmtpPort: number, imapPort: number, user: string, count: number): Promise<number[]> {
  const imap = await BenchClient.connect(imapPort);
  await imap.command(`LOGIN ${user} pass`);
  await imap.command('SELECT INBOX');
  let exists: (at: number) => void = () => undefined;
  imap.onUntagged = (line, at) => {
    if (/^\* \d+ EXISTS/.test(line)) exists(at);
  };
  imap.send('i IDLE\r\n');
  await new Promise((resolve) => setTimeout(resolve, 200));
  const lmtp = await LmtpClient.open(lmtpPort);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const seen = new Promise<number>((resolve) => {
      exists = resolve;
    });
    await lmtp.deliver([user], makeMessage(i, 4096));
    const acknowledged = performance.timeOrigin + performance.now();
    out.push(Math.max(0, (await seen) - acknowledged));
  }
  lmtp.close();
  imap.send('DONE\r\n');
  imap.socket.destroy();
  return out.sort((a, b) => a - b);
}
