// Figures of issues 15 and 16 on a 100,000-message INBOX, ours beside Dovecot 2.3 and Cyrus 3.6 in
// the same run, each measured over a real socket by a client in its own process (_imap-client.ts):
//   issue 16: MULTIAPPEND fill (msg/s), LOGIN+SELECT, STATUS, UID SEARCH UNSEEN, UID SEARCH SUBJECT,
//             UID FETCH 1:* (UID FLAGS), FETCH 1:* (ENVELOPE), NOOP
//   issue 15: UID FETCH 1:* (FLAGS) (CHANGEDSINCE x) with 10 changes, QRESYNC SELECT with 100
//             expunges since the client's modseq, SORT (REVERSE ARRIVAL), SORT (SUBJECT), THREAD REFERENCES,
//             THREAD ORDEREDSUBJECT, THREAD REFS
// Ours runs the shipped settings (conf/: scrypt cost, fsync on, cyrus.conf) through the master; its
// INBOX is filled by MULTIAPPEND. The peers (../shared/peers, already up) keep user40's INBOX between
// runs: it is topped up to the count when short (each run expunges 100 per QRESYNC row run).
// `npm run bench -- imap-100k [count] [--runs=3] [--fill=10000] [--only=TEXT[|TEXT...]] [--peers=none]`
// `--port=N [--host=H] --user=U --pass=P` measures one other server alone.
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientRow } from './_imap-client.js';
import { startShipped } from './_shipped.js';
import { arg } from './_master.js';

const USER = 'user40';
const FILL_USER = 'user41';
const PASSWORD = 'pass';
const PEERS = [
  { label: 'Dovecot 2.3', port: 24301 },
  { label: 'Cyrus 3.6', port: 14301 },
];

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

function cell(row: ClientRow | undefined): string {
  if (row === undefined) return '—';
  if (row.failed !== undefined) return 'refused';
  if (row.unit === 'msg/s') return `${row.ms.toFixed(0)} msg/s`;
  const ms = (v: number): string => (v < 10 ? v.toFixed(2) : v.toFixed(1));
  // The first run beside the best: a cache a server builds on first use shows there.
  const first = row.runs.length > 1 && row.runs[0]! > row.ms * 1.5 ? ` (${ms(row.runs[0]!)})` : '';
  return `${ms(row.ms)} ms${first}`;
}

function printTable(count: number, results: Array<{ label: string; rows: ClientRow[] | Error }>): void {
  const names: string[] = [];
  for (const r of results) if (!(r.rows instanceof Error)) for (const row of r.rows) if (!names.includes(row.name)) names.push(row.name);
  console.log(`imap-100k: ${count} messages in INBOX; best of the runs (NOOP: best of 20), the first run in brackets when it took more than 1.5 times the best`);
  console.log(`imap-100k: ${'row'.padEnd(30)} ${results.map((r) => r.label.padStart(22)).join(' ')}`);
  for (const name of names) {
    const cells = results.map((r) => (r.rows instanceof Error ? 'error' : cell(r.rows.find((row) => row.name === name))).padStart(22));
    console.log(`imap-100k: ${name.padEnd(30)} ${cells.join(' ')}`);
  }
  for (const r of results) {
    if (r.rows instanceof Error) console.log(`imap-100k: ${r.label}: ${r.rows.message}`);
    else for (const row of r.rows) if (row.failed) console.log(`imap-100k: ${r.label}: ${row.name}: ${row.failed}`);
  }
}

async function main(): Promise<void> {
  const count = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 100_000);
  const runs = Number(arg('runs') ?? 3);
  const fill = Number(arg('fill') ?? Math.min(10_000, count));
  const only = arg('only');
  const common = [`--runs=${runs}`, `--expect=${count}`, `--fill=${fill}`, `--fill-user=${FILL_USER}`, ...(only ? [`--only=${only}`] : [])];
  const port = arg('port');
  if (port !== undefined) {
    const rows = await runChild([`--port=${port}`, `--host=${arg('host') ?? '127.0.0.1'}`, `--user=${arg('user') ?? USER}`, `--pass=${arg('pass') ?? PASSWORD}`, ...common]);
    printTable(count, [{ label: `port ${port}`, rows }]);
    return;
  }
  const results: Array<{ label: string; rows: ClientRow[] | Error }> = [];
  const server = await startShipped({ users: [USER, FILL_USER], password: PASSWORD });
  try {
    const ours = server.port('imap');
    results.push({ label: 'ours', rows: await runChild([`--port=${ours}`, `--user=${USER}`, `--pass=${PASSWORD}`, ...common]).catch((e: Error) => e) });
  } finally {
    await server.stop();
  }
  if (arg('peers') !== 'none') {
    for (const peer of PEERS) {
      results.push({ label: peer.label, rows: await runChild([`--port=${peer.port}`, `--user=${USER}`, `--pass=${PASSWORD}`, ...common]).catch((e: Error) => e) });
    }
  }
  printTable(count, results);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
