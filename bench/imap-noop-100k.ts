// Figure: what a command costs on a 100,000-message INBOX when nothing (or one message) changed:
// NOOP round trips on a selected session (the sync after every command), NOOP after one APPEND by
// another session, the in-process snapshot after one APPEND (kept columns), and LOGIN with the
// shipped scrypt cost (first and repeated: auth_cache_ttl). Client in-process, over a real socket.
// `npm run bench -- imap-noop-100k [count] [--dir=PATH]` (--dir: built once and reused).
import * as fs from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PasswordStore } from '../src/auth/index.js';
import { benchServer, fillInbox } from './_imap-fixture.js';

/** One IMAP connection, one command at a time; resolves on the tagged line. */
class Client {
  private tagNo = 0;
  private buffer = '';
  private waiting: (() => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.waiting?.();
    });
  }

  static async open(port: number): Promise<Client> {
    const c = new Client(createConnection({ port, host: '127.0.0.1' }));
    await c.until(/^\* OK/m);
    return c;
  }

  private until(pattern: RegExp): Promise<string> {
    return new Promise((resolve) => {
      const look = () => {
        const m = pattern.exec(this.buffer);
        if (!m) return;
        const end = this.buffer.indexOf('\r\n', m.index);
        if (end === -1) return;
        const text = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        this.waiting = null;
        resolve(text);
      };
      this.waiting = look;
      look();
    });
  }

  /** Send a command; the ms to its tagged response (which must be OK). */
  async send(command: string): Promise<number> {
    const tag = `N${++this.tagNo}`;
    const start = performance.now();
    this.socket.write(`${tag} ${command}\r\n`);
    const text = await this.until(new RegExp(`^${tag} `, 'm'));
    const ms = performance.now() - start;
    const line = text.slice(text.lastIndexOf(`${tag} `));
    if (!line.startsWith(`${tag} OK`)) throw new Error(`${command}: ${line}`);
    return ms;
  }

  close(): void {
    this.socket.destroy();
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function message(i: number): Buffer {
  return Buffer.from(`From: sender${i % 97}@example.com\r\nTo: fred@example.com\r\nSubject: noop bench ${i}\r\nMessage-ID: <n${i}@bench>\r\n\r\nbody ${i}\r\n`);
}

const fmt = (ms: number) => ms.toFixed(3).padStart(8);

async function main(count: number, keepDir: string | null): Promise<void> {
  const dir = keepDir ?? fs.mkdtempSync(join(os.tmpdir(), 'bench-imap-noop-'));
  const fresh = !fs.existsSync(join(dir, 'conf'));
  const server = benchServer(dir);
  try {
    if (fresh) console.log(`imap-noop-100k: built ${count} messages in ${(await fillInbox(server.imap, count, message)).toFixed(0)} ms`);
    // anne's hash at the shipped cost (each hash keeps its own cost)
    const passwords = PasswordStore.open(join(dir, 'conf', 'sasldb.sqlite'));
    await passwords.setPassword('anne', 'shipped');
    passwords.close();
    const box = server.imap.deps.store.openMailbox('user.fred');
    // the same first change in every run (a \Seen written by this code version)
    box.setFlags([2], 'add', ['\\Seen'], { userid: 'fred' });
    const port = await server.listen();
    const c = await Client.open(port);
    await c.send('LOGIN fred pass');
    const select = await c.send('SELECT INBOX');
    const idle: number[] = [];
    for (let i = 0; i < 50; i++) idle.push(await c.send('NOOP'));
    const afterAppend: number[] = [];
    const snapshots: number[] = [];
    box.snapshot('fred');
    for (let i = 0; i < 5; i++) {
      await box.append([{ content: message(count + i) }], { userid: 'anne' });
      const start = performance.now();
      box.snapshot('fred');
      snapshots.push(performance.now() - start);
      afterAppend.push(await c.send('NOOP'));
    }
    const flagSnapshots: number[] = [];
    for (let i = 0; i < 5; i++) {
      box.setFlags([10 + i], 'add', ['\\Flagged'], { userid: 'anne' });
      const start = performance.now();
      box.snapshot('fred');
      flagSnapshots.push(performance.now() - start);
    }
    c.close();
    box.close();
    const logins: number[] = [];
    for (let i = 0; i < 5; i++) {
      const l = await Client.open(port);
      logins.push(await l.send('LOGIN anne shipped'));
      l.close();
    }
    console.log(`imap-noop-100k: ${count} messages; SELECT ${select.toFixed(1)} ms`);
    console.log(`imap-noop-100k: NOOP, nothing changed       median ${fmt(median(idle))} ms  max ${fmt(Math.max(...idle))} ms  (n=50)`);
    console.log(`imap-noop-100k: NOOP after one APPEND       median ${fmt(median(afterAppend))} ms  (n=5)`);
    console.log(`imap-noop-100k: snapshot after one APPEND   median ${fmt(median(snapshots))} ms  (n=5, in-process)`);
    console.log(`imap-noop-100k: snapshot after one STORE    median ${fmt(median(flagSnapshots))} ms  (n=5, in-process, another user's \\Flagged)`);
    console.log(`imap-noop-100k: LOGIN (shipped scrypt)      first ${fmt(logins[0]!)} ms  then median ${fmt(median(logins.slice(1)))} ms  (n=5)`);
  } finally {
    await server.close();
    if (keepDir === null) fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const count = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 100_000);
  const dir = process.argv.find((a) => a.startsWith('--dir='))?.slice(6) ?? null;
  await main(count, dir);
}
