// Figure: UID FETCH 1:* (UID FLAGS ENVELOPE) on a 50,000-message mailbox over a real socket (msg/s).
// `node dist/bench/imap-fetch.js [count] [--runs=N]`
import * as fs from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../src/common/log.js';
import { ImapdConfig } from '../src/config/index.js';
import { ImapServer } from '../src/imap/server.js';

const BATCH = 1000;

function message(i: number): Buffer {
  const header = [
    `Date: Mon, ${1 + (i % 28)} Jan 2024 10:${String(i % 60).padStart(2, '0')}:00 +0000`,
    `From: "Sender ${i % 977}" <sender${i % 977}@example.com>`,
    'To: Fred <fred@example.com>, "Team" <team@example.org>',
    i % 3 === 0 ? 'Cc: carol@example.net' : 'X-Filler: none',
    `Subject: Load message number ${i} about =?UTF-8?Q?caf=C3=A9?=`,
    `Message-ID: <m${i}@bench.example.com>`,
    i % 5 === 0 ? `In-Reply-To: <m${i - 1}@bench.example.com>` : 'X-Other: 1',
  ].join('\r\n');
  const line = 'The quick brown fox jumps over the lazy dog, again and again.\r\n';
  return Buffer.from(`${header}\r\n\r\n${line.repeat(8 + (i % 16))}`);
}

/** Send one command and resolve with the number of untagged FETCH lines and the elapsed ms. */
function timedFetch(socket: Socket, tag: string, command: string): Promise<{ fetches: number; ms: number; tagged: string }> {
  return new Promise((resolve) => {
    let pending = '';
    let fetches = 0;
    const start = performance.now();
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString('latin1');
      let end = pending.lastIndexOf('\r\n');
      if (end < 0) return;
      const lines = pending.slice(0, end).split('\r\n');
      pending = pending.slice(end + 2);
      for (const line of lines) {
        if (line.startsWith('* ') && line.includes(' FETCH (')) fetches++;
        else if (line.startsWith(`${tag} `)) {
          socket.off('data', onData);
          resolve({ fetches, ms: performance.now() - start, tagged: line });
          end = -1;
        }
      }
    };
    socket.on('data', onData);
    socket.write(`${tag} ${command}\r\n`);
  });
}

export async function benchImapFetch(count: number, runs: number): Promise<{ buildMs: number; results: Array<{ ms: number; perSecond: number }> }> {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'bench-imap-fetch-'));
  fs.mkdirSync(join(dir, 'conf'));
  fs.mkdirSync(join(dir, 'spool'));
  const text = [`configdirectory: ${join(dir, 'conf')}`, `partition-default: ${join(dir, 'spool')}`, 'allowplaintext: yes', 'fsync_disabled: yes', 'autocreate_quota: 0'].join('\n');
  const config = ImapdConfig.fromText(text, join(dir, 'imapd.conf')).forService('imap');
  const imap = ImapServer.create({ config, serviceName: 'imap', logger: silentLogger(), auth: { passwordStore: { scrypt: { N: 1024, r: 8, p: 1 }, scramIterations: 64 } } });
  const listener = createServer((socket) => imap.handleConnection(socket, { tls: false, unixSocket: false, localAddress: socket.localAddress, remoteAddress: socket.remoteAddress }));
  try {
    await imap.deps.auth.store.setPassword('fred', 'pass');
    imap.deps.store.createMailbox('user.fred');
    const buildStart = performance.now();
    const mailbox = imap.deps.store.openMailbox('user.fred');
    try {
      for (let from = 0; from < count; from += BATCH) {
        const items = [];
        for (let i = from; i < Math.min(count, from + BATCH); i++) items.push({ content: message(i), flags: i % 2 === 0 ? ['\\Seen'] : i % 7 === 0 ? ['\\Flagged', '$Work'] : [] });
        await mailbox.append(items, { userid: 'fred' });
      }
    } finally {
      mailbox.close();
    }
    const buildMs = performance.now() - buildStart;
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as { port: number }).port;
    const socket = createConnection({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    await timedFetch(socket, 'l', 'LOGIN fred pass');
    await timedFetch(socket, 's', 'EXAMINE INBOX');
    const results: Array<{ ms: number; perSecond: number }> = [];
    for (let r = 0; r < runs; r++) {
      const { fetches, ms, tagged } = await timedFetch(socket, `f${r}`, 'UID FETCH 1:* (UID FLAGS ENVELOPE)');
      if (fetches !== count || !tagged.includes(' OK ')) throw new Error(`expected ${count} FETCH responses, got ${fetches} (${tagged})`);
      results.push({ ms, perSecond: (count * 1000) / ms });
    }
    socket.destroy();
    return { buildMs, results };
  } finally {
    await imap.shutdown(Date.now());
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    imap.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const count = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 50_000);
  const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 3);
  const { buildMs, results } = await benchImapFetch(count, runs);
  console.log(`imap-fetch: built ${count} messages in ${buildMs.toFixed(0)} ms (fsync_disabled)`);
  results.forEach((r, i) => console.log(`imap-fetch: run ${i + 1}: UID FETCH 1:* (UID FLAGS ENVELOPE) of ${count} messages in ${r.ms.toFixed(0)} ms = ${r.perSecond.toFixed(0)} msg/s`));
  const best = Math.max(...results.map((r) => r.perSecond));
  console.log(`imap-fetch: best ${best.toFixed(0)} msg/s`);
}
