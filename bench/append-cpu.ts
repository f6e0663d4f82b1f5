// Figure (issue 16): CPU per appended message on the imapd worker's main thread (user + system, from
// /proc; the system part is the kernel's: renames, WAL writes, socket I/O), beside the CPU of the
// master's whole process tree (all threads: the thread pool's file writes and fsyncs among them) and
// the wall time. Each round appends `count` bench messages (as
// imap-fill sends them: LITERAL+, `batch` per APPEND command, so 1 is plain APPEND and 100 is
// MULTIAPPEND) into a scratch mailbox made and deleted in the round. With --cli a second build runs
// beside this one and the rounds alternate between them (an A/B in the same minutes); the first
// round of each is a warm-up (the JIT settling) and not counted. Medians per build.
// Shipped settings (fsync on). The data directories live under TMPDIR (os.tmpdir()): say where.
// `npm run bench -- append-cpu [count=2000] [--batch=100] [--rounds=5] [--cli=OTHER/dist/bin/cyrusts.js]`
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { TaggedClient, benchMessage } from './_imap-client.js';
import { arg, median, treeCpuMs } from './_master.js';
import { startShipped, type ShippedServer } from './_shipped.js';

const PASSWORD = 'pass';
const USER = 'user1';

/** [user, system] CPU ms of the main threads of the master's imap workers. */
function workerMainThreadMs(master: number): [number, number] {
  let pids: number[] = [];
  try {
    pids = execFileSync('pgrep', ['-P', String(master), '-f', 'service imap ']).toString().trim().split('\n').map(Number);
  } catch {
    /* none yet */
  }
  const ms: [number, number] = [0, 0];
  for (const pid of pids) {
    const text = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'latin1');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    ms[0] += Number(f[11]) * 10;
    ms[1] += Number(f[12]) * 10;
  }
  return ms;
}

interface Round {
  mainMs: number;
  /** The main thread's system (kernel) part of mainMs. */
  mainSysMs: number;
  treeMs: number;
  wallMs: number;
}

async function round(server: ShippedServer, count: number, batch: number, messages: Buffer[]): Promise<Round> {
  const master = server.master.pid!;
  const c = await TaggedClient.open(server.port('imap'));
  try {
    await c.ok([`LOGIN ${USER} ${PASSWORD}\r\n`], 'LOGIN');
    await c.ok(['CREATE benchcpu\r\n'], 'CREATE');
    await new Promise((r) => setTimeout(r, 200));
    const [user0, sys0] = workerMainThreadMs(master);
    const tree0 = treeCpuMs(master);
    const t0 = performance.now();
    for (let at = 0; at < count; at += batch) {
      const pieces: Array<string | Buffer> = ['APPEND benchcpu'];
      for (let i = at; i < Math.min(count, at + batch); i++) {
        const flags = i % 2 === 0 ? ' (\\Seen)' : i % 7 === 0 ? ' (\\Flagged $Work)' : '';
        pieces.push(`${flags} {${messages[i]!.length}+}\r\n`, messages[i]!);
      }
      pieces.push('\r\n');
      await c.ok(pieces, 'APPEND');
    }
    const wallMs = performance.now() - t0;
    const [user1, sys1] = workerMainThreadMs(master);
    const result = { mainMs: user1 - user0 + sys1 - sys0, mainSysMs: sys1 - sys0, treeMs: treeCpuMs(master) - tree0, wallMs };
    await c.ok(['DELETE benchcpu\r\n'], 'DELETE');
    await c.ok(['LOGOUT\r\n'], 'LOGOUT').catch(() => undefined);
    return result;
  } finally {
    c.close();
  }
}

async function main(): Promise<void> {
  const count = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 2000);
  const batch = Number(arg('batch') ?? 100);
  const rounds = Number(arg('rounds') ?? 5);
  const cli = arg('cli');
  const messages = Array.from({ length: count }, (_, i) => benchMessage(i));
  const editCyrusConf = (t: string) => t.replace(/(imap\s+cmd="imapd[^"]*"[^\n]*?)maxchild/, '$1prefork=1 maxchild');
  const builds: Array<{ label: string; server: ShippedServer; runs: Round[] }> = [];
  try {
    builds.push({ label: 'this build', server: await startShipped({ users: [USER], password: PASSWORD, editCyrusConf }), runs: [] });
    if (cli !== undefined) builds.push({ label: 'other build', server: await startShipped({ users: [USER], password: PASSWORD, editCyrusConf, cli }), runs: [] });
    console.log(`append-cpu: data under ${tmpdir()}; ${count} messages per round, ${batch} per APPEND`);
    for (const b of builds) await round(b.server, Math.min(count, 500), batch, messages);
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < builds.length; k++) {
        const b = builds[(r + k) % builds.length]!;
        const run = await round(b.server, count, batch, messages);
        b.runs.push(run);
        console.log(`append-cpu: round ${r + 1} ${b.label.padEnd(11)} main thread ${(run.mainMs / count * 1000).toFixed(0).padStart(4)} us/msg (system ${(run.mainSysMs / count * 1000).toFixed(0).padStart(3)})  tree ${(run.treeMs / count * 1000).toFixed(0).padStart(4)} us/msg  ${(count * 1000 / run.wallMs).toFixed(0).padStart(5)} msg/s`);
      }
    }
    for (const b of builds) {
      const per = (f: (r: Round) => number) => median(b.runs.map(f));
      console.log(`append-cpu: ${b.label.padEnd(11)} median of ${rounds}: main thread ${(per((r) => r.mainMs) / count * 1000).toFixed(0)} us/msg (system ${(per((r) => r.mainSysMs) / count * 1000).toFixed(0)}), process tree ${(per((r) => r.treeMs) / count * 1000).toFixed(0)} us/msg, ${per((r) => count * 1000 / r.wallMs).toFixed(0)} msg/s`);
    }
  } finally {
    for (const b of builds) await b.server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
