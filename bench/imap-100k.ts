// Figure: the peers' 100k-message table (LOGIN+SELECT, UID FETCH 1:* (UID FLAGS), FETCH 1:* (ENVELOPE),
// UID SEARCH UNSEEN / SUBJECT "x", STATUS) over a real socket, the client in a separate process.
// `npm run bench -- imap-100k [count] [--runs=3] [--dir=PATH]` builds the INBOX (fsync_disabled; with
// --dir it is built once and reused; --only=TEXT runs LOGIN+SELECT and the rows naming TEXT) and serves it; `--port=N [--host=H] --user=U --pass=P` instead
// points the same client at another server (a peer), which must already hold the messages.
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchServer, fillInbox } from './_imap-fixture.js';

/** The peers' figures on this machine (ms), [Dovecot 2.3, Cyrus 3.6]. */
const PEERS: Record<string, [number, number]> = {
  'LOGIN+SELECT': [5.5, 29],
  'UID FETCH 1:* (UID FLAGS)': [88, 150],
  'FETCH 1:* (ENVELOPE)': [849, 318],
  'UID SEARCH UNSEEN': [4.5, 64],
  'UID SEARCH SUBJECT "x"': [267, 460],
  STATUS: [0.5, 17],
};

interface ClientRow {
  name: string;
  ms: number;
  runs: number[];
  count: number;
}

/** Varied, realistic headers; an 8-bit subject now and then (kept as raw bytes in the file). */
function message(i: number): Buffer {
  const subject = i % 11 === 0 ? `Re: Réunion du ${i % 28} janvier` : `Load message number ${i} about =?UTF-8?Q?caf=C3=A9?=`;
  const header = [
    `Date: Mon, ${1 + (i % 28)} Jan 2024 10:${String(i % 60).padStart(2, '0')}:00 +0000`,
    `From: "Sender ${i % 977}" <sender${i % 977}@example.com>`,
    i % 4 === 0 ? 'To: Fred <fred@example.com>, "Team" <team@example.org>' : 'To: fred@example.com',
    i % 3 === 0 ? 'Cc: carol@example.net, "Dave D." <dave@example.net>' : 'X-Filler: none',
    `Subject: ${subject}`,
    `Message-ID: <m${i}@bench.example.com>`,
    i % 5 === 0 ? `In-Reply-To: <m${i - 1}@bench.example.com>` : 'X-Other: 1',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ].join('\r\n');
  const line = 'The quick brown fox jumps over the lazy dog, again and again.\r\n';
  return Buffer.from(`${header}\r\n\r\n${line.repeat(8 + (i % 16))}`);
}

function runChild(args: string[]): Promise<ClientRow[]> {
  const script = join(dirname(fileURLToPath(import.meta.url)), '_imap-client.js');
  return new Promise((resolve, reject) => {
    const child = fork(script, args, { stdio: 'inherit', execArgv: [] });
    let rows: ClientRow[] | null = null;
    child.on('message', (m: { rows?: ClientRow[]; error?: string }) => {
      if (m.error) reject(new Error(m.error));
      else rows = m.rows ?? null;
    });
    child.on('exit', (code) => (rows ? resolve(rows) : reject(new Error(`client exited with ${code}`))));
  });
}

function print(rows: ClientRow[], label: string): void {
  for (const r of rows) {
    const [dovecot, cyrus] = PEERS[r.name] ?? [NaN, NaN];
    console.log(
      `imap-100k: ${label} ${r.name.padEnd(26)} ${r.ms.toFixed(1).padStart(8)} ms  (runs ${r.runs.map((t) => t.toFixed(0)).join('/')}, n=${r.count})` +
        `   peers: Dovecot ${dovecot} ms, Cyrus ${cyrus} ms; us/Cyrus ${(r.ms / cyrus).toFixed(2)}x`,
    );
  }
}

async function serveAndMeasure(count: number, runs: number, keepDir: string | null, only: string | undefined): Promise<void> {
  const dir = keepDir ?? fs.mkdtempSync(join(os.tmpdir(), 'bench-imap-100k-'));
  const fresh = !fs.existsSync(join(dir, 'conf'));
  const server = benchServer(dir);
  try {
    if (fresh) {
      const ms = await fillInbox(server.imap, count, message);
      console.log(`imap-100k: built ${count} messages in ${ms.toFixed(0)} ms (fsync_disabled)`);
    } else {
      console.log(`imap-100k: reusing the mailbox in ${dir}`);
    }
    const port = await server.listen();
    const rows = await runChild([`--port=${port}`, '--user=fred', '--pass=pass', `--runs=${runs}`, `--expect=${count}`, ...(only ? [`--only=${only}`] : [])]);
    print(rows, 'ours');
  } finally {
    await server.close();
    if (keepDir === null) fs.rmSync(dir, { recursive: true, force: true });
  }
}

function arg(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const count = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 100_000);
  const runs = Number(arg('runs') ?? 3);
  const port = arg('port');
  if (port !== undefined) {
    const args = [`--port=${port}`, `--host=${arg('host') ?? '127.0.0.1'}`, `--user=${arg('user') ?? 'fred'}`, `--pass=${arg('pass') ?? 'pass'}`, `--runs=${runs}`];
    print(await runChild(args), `port ${port}`);
  } else {
    await serveAndMeasure(count, runs, arg('dir') ?? null, arg('only'));
  }
}
