// Figure: UID FETCH 1:* (UID FLAGS ENVELOPE) on a 50,000-message mailbox over a real socket (msg/s).
// `node dist/bench/imap-fetch.js [count] [--runs=N]`
import * as fs from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchServer, fillInbox } from './_imap-fixture.js';


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
  const server = benchServer(dir);
  try {
    const buildMs = await fillInbox(server.imap, count, message);
    const port = await server.listen();
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
    await server.close();
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
