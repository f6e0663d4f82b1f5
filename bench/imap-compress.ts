// Figure: COMPRESS=DEFLATE (RFC 4978) against plain text on one mailbox: bytes on the wire, time,
// and the server's CPU for `FETCH 1:* (ENVELOPE)` and `FETCH 1:* (BODY.PEEK[])`.
// `npm run bench -- imap-compress [count] [--runs=N]` (default 3000 messages, 5 runs; the first run
// warms the server up and is left out of the medians).
// The server runs in this process with the settings the server ships (fsync on, the shipped
// password hashing cost; benchServer's `shipped`), the client in a child process (its inflate is
// not counted as the server's CPU); plain and compressed connections alternate within each run.
// No peer is measured.
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, createDeflateRaw, createInflateRaw } from 'node:zlib';
import { benchServer, fillInbox } from './_imap-fixture.js';

const COMMANDS = [
  { name: 'envelope', text: 'FETCH 1:* (ENVELOPE)' },
  { name: 'bodies', text: 'FETCH 1:* (BODY.PEEK[])' },
] as const;

const VOCABULARY = (() => {
  const syllables = ['ta', 'ren', 'mo', 'lik', 'sa', 'vor', 'en', 'di', 'qua', 'pel', 'os', 'tri', 'gan', 'u', 'shem', 'ba', 'rol', 'fi', 'ne', 'cast'];
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
  return Array.from({ length: 400 }, () => Array.from({ length: 1 + (next() % 3) }, () => syllables[next() % syllables.length]).join(''));
})();

function message(i: number): Buffer {
  const header = [
    `Date: Mon, ${1 + (i % 28)} Jan 2024 10:${String(i % 60).padStart(2, '0')}:00 +0000`,
    `From: "Sender ${i % 977}" <sender${i % 977}@example.com>`,
    'To: Fred <fred@example.com>, "Team" <team@example.org>',
    i % 3 === 0 ? 'Cc: carol@example.net' : 'X-Filler: none',
    `Subject: Report ${i}: quarterly figures for project ${i % 41}`,
    `Message-ID: <m${i}@bench.example.com>`,
    i % 5 === 0 ? `In-Reply-To: <m${i - 1}@bench.example.com>` : 'X-Other: 1',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ].join('\r\n');
  // Mail-like text: words drawn at random (a fixed seed per message) from a vocabulary of 400,
  // so that the text compresses about as prose does, not as a repeated pattern.
  let seed = (i * 2654435761) >>> 0;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
  const lines: string[] = [];
  for (let l = 0; l < 20 + (i % 30); l++) {
    const line: string[] = [];
    for (let w = 0; w < 10 + (next() % 5); w++) line.push(VOCABULARY[next() % VOCABULARY.length]!);
    lines.push(line.join(' '));
  }
  return Buffer.from(`${header}\r\n\r\n${lines.join('\r\n')}\r\n`);
}

interface Measured {
  run: number;
  mode: 'plain' | 'compressed';
  command: string;
  wireBytes: number;
  textBytes: number;
  ms: number;
  cpuMs?: number;
}

// ---- the client (child process) ----

class BenchClient {
  private inflate: ReturnType<typeof createInflateRaw> | null = null;
  private deflate: ReturnType<typeof createDeflateRaw> | null = null;
  wireBytes = 0;
  textBytes = 0;
  private tail = '';
  private waiting: { tag: string; resolve: () => void } | null = null;

  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.wireBytes += chunk.length;
      if (this.inflate) this.inflate.write(chunk);
      else this.text(chunk);
    });
  }

  private text(chunk: Buffer): void {
    this.textBytes += chunk.length;
    const waiting = this.waiting;
    if (waiting === null) return;
    this.tail = (this.tail + chunk.toString('latin1')).slice(-4096);
    const at = this.tail.indexOf(`\r\n${waiting.tag} `);
    const end = at < 0 ? -1 : this.tail.indexOf('\r\n', at + 2);
    if (end < 0) return;
    const line = this.tail.slice(at + 2, end);
    if (!line.startsWith(`${waiting.tag} OK`)) throw new Error(`failed: ${line}`);
    this.waiting = null;
    this.tail = '';
    waiting.resolve();
  }

  command(tag: string, text: string): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting = { tag, resolve };
      this.tail = '\r\n';
      const line = `${tag} ${text}\r\n`;
      if (this.deflate) {
        this.deflate.write(line);
        this.deflate.flush(constants.Z_SYNC_FLUSH);
      } else this.socket.write(line);
    });
  }

  compressNow(): void {
    this.inflate = createInflateRaw();
    this.inflate.on('data', (d: Buffer) => this.text(d));
    this.deflate = createDeflateRaw();
    this.deflate.on('data', (d: Buffer) => this.socket.write(d));
  }
}

async function client(port: number): Promise<void> {
  const send = (m: unknown) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
  const go = () => new Promise<void>((resolve) => process.once('message', () => resolve()));
  const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5);
  for (let r = 0; r < runs; r++) {
    const order: Array<'plain' | 'compressed'> = r % 2 === 0 ? ['plain', 'compressed'] : ['compressed', 'plain'];
    for (const mode of order) {
      const socket = createConnection({ port, host: '127.0.0.1' });
      await new Promise<void>((resolve) => socket.once('data', () => resolve()));
      const c = new BenchClient(socket);
      await c.command('l', 'LOGIN fred pass');
      if (mode === 'compressed') {
        // The OK is the last plain line (nothing follows it before the next command).
        await c.command('z', 'COMPRESS DEFLATE');
        c.compressNow();
      }
      await c.command('s', 'EXAMINE INBOX');
      for (const cmd of COMMANDS) {
        const wire = c.wireBytes;
        const text = c.textBytes;
        await send({ start: true });
        await go();
        const started = performance.now();
        await c.command('f', cmd.text);
        const ms = performance.now() - started;
        await send({ done: { run: r, mode, command: cmd.name, wireBytes: c.wireBytes - wire, textBytes: c.textBytes - text, ms } satisfies Measured });
        await go();
      }
      socket.destroy();
    }
  }
  await send({ finished: true });
  process.exit(0);
}

// ---- the server (this process) ----

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

async function main(): Promise<void> {
  const count = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 3000);
  const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5);
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'bench-imap-compress-'));
  const server = benchServer(dir, { shipped: true });
  try {
    const buildMs = await fillInbox(server.imap, count, message);
    const port = await server.listen();
    console.log(`imap-compress: ${count} messages built in ${buildMs.toFixed(0)} ms; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const child = fork(fileURLToPath(import.meta.url), ['--client', String(port), `--runs=${runs}`], { stdio: 'inherit' });
    const results: Measured[] = [];
    let cpu = process.cpuUsage();
    await new Promise<void>((resolve, reject) => {
      child.on('message', (m: { start?: true; done?: Measured; finished?: true }) => {
        if (m.start) {
          cpu = process.cpuUsage();
          child.send('go');
        } else if (m.done) {
          const used = process.cpuUsage(cpu);
          results.push({ ...m.done, cpuMs: (used.user + used.system) / 1000 });
          child.send('go');
        } else if (m.finished) resolve();
      });
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`client exited ${code}`))));
    });
    for (const cmd of COMMANDS) {
      // The first run warms the server up (JIT, page cache): left out when there are others.
      const row = (mode: Measured['mode']) => results.filter((r) => r.command === cmd.name && r.mode === mode && (runs === 1 || r.run > 0));
      const plain = row('plain');
      const compressed = row('compressed');
      const text = median(plain.map((r) => r.textBytes));
      for (const [mode, rows] of [['plain', plain], ['compressed', compressed]] as const) {
        const wire = median(rows.map((r) => r.wireBytes));
        console.log(
          `imap-compress: ${cmd.name.padEnd(8)} ${mode.padEnd(10)} wire ${(wire / 1024).toFixed(0).padStart(6)} KiB (${((100 * wire) / text).toFixed(1)}% of ${(text / 1024).toFixed(0)} KiB)` +
          `  time median ${median(rows.map((r) => r.ms)).toFixed(0)} ms [${rows.map((r) => r.ms.toFixed(0)).join(', ')}]` +
          `  server CPU median ${median(rows.map((r) => r.cpuMs!)).toFixed(0)} ms [${rows.map((r) => r.cpuMs!.toFixed(0)).join(', ')}]`,
        );
      }
    }
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--client');
  if (at >= 0) await client(Number(process.argv[at + 1]));
  else await main();
}
