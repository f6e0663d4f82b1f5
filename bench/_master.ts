// Shared by the benches that run the real master: a temp server directory, a user, the master
// process, and a minimal IMAP client over a raw socket.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapdConfig } from '../src/config/index.js';
import { MailStore } from '../src/store/index.js';
import { PasswordStore } from '../src/auth/index.js';
import { scryptCost } from '../src/auth/password-store.js';
import { benchConfLines } from './_shipped.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'cyrusts.js');

export interface BenchMaster {
  dir: string;
  imapdConf: string;
  port: number;
  /** Listening port of each SERVICES entry by name (imap, and any extraServices). */
  ports: Map<string, number>;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface BenchMasterOptions {
  prefork?: number;
  users?: string[];
  extraConf?: string[];
  /** Extra SERVICES lines of cyrus.conf (e.g. an imaps entry), listening on 127.0.0.1:0. */
  extraServices?: string[];
  /**
   * A directory kept between runs (made and filled on the first run; users and mailboxes are
   * created only then). Without it a temp directory is made and removed at stop().
   */
  keepDir?: string;
  /** Another build's bin/cyrusts.js to start as the master (A/B against a baseline build); CYRUSTS_BENCH_CLI, else this build's, by default. */
  cli?: string;
  /** Run in the new directory before imapd.conf is written (e.g. make a TLS pair); returns more imapd.conf lines. */
  prepare?: (dir: string) => string[];
}

/**
 * The real master on a temp directory with the settings the server ships (scrypt cost, fsync on):
 * only the paths, plaintext login and the log level are set. CYRUSTS_BENCH_CONF="name: value; ..."
 * adds imapd.conf lines, for an A/B of one setting (e.g. `sched_slice_us: 0`).
 */
export async function startBenchMaster(opts: BenchMasterOptions = {}): Promise<BenchMaster> {
  const dir = opts.keepDir ?? mkdtempSync(join(tmpdir(), 'cyrusts-bench-'));
  const fresh = !existsSync(join(dir, 'conf'));
  mkdirSync(join(dir, 'conf'), { recursive: true });
  mkdirSync(join(dir, 'spool'), { recursive: true });
  const imapdConf = join(dir, 'imapd.conf');
  const prepared = opts.prepare?.(dir) ?? [];
  writeFileSync(imapdConf, [`configdirectory: ${join(dir, 'conf')}`, `partition-default: ${join(dir, 'spool')}`, 'defaultpartition: default', 'allowplaintext: yes', 'loglevel: warn', 'autocreate_quota: 0', ...(opts.extraConf ?? []), ...prepared, ...benchConfLines()].join('\n') + '\n');
  const services = [`imap cmd="imapd" listen="127.0.0.1:0" prefork=${opts.prefork ?? 1} maxchild=5000`, ...(opts.extraServices ?? [])];
  writeFileSync(join(dir, 'cyrus.conf'), `SERVICES {\n${services.map((s) => `  ${s}\n`).join('')}}\n`);
  const config = ImapdConfig.load(imapdConf);
  // The shipped password hashing cost (auth_scrypt_cost), as a LOGIN in production pays it. In a
  // kept directory only the users not made by an earlier run are added.
  const passwords = PasswordStore.open(config.path('auth_passwd_db')!, { scrypt: scryptCost(config) });
  const store = MailStore.open({ config });
  for (const user of opts.users ?? ['fred']) {
    if (!fresh && store.lookup(`user.${user}`) !== null) continue;
    await passwords.setPassword(user, 'pass');
    store.createMailbox(`user.${user}`, { acl: `${user}\tlrswipkxtecdan\t` });
  }
  store.close();
  passwords.close();
  const child = spawn(process.execPath, [opts.cli ?? process.env.CYRUSTS_BENCH_CLI ?? CLI, 'master', '-C', imapdConf, '-M', join(dir, 'cyrus.conf'), '-D'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ports = new Map<string, number>();
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    const masterLog = process.env.CYRUSTS_BENCH_MASTER_LOG;
    child.stdout!.on('data', (chunk: Buffer) => {
      if (masterLog) appendFileSync(masterLog, chunk);
      text += chunk.toString();
      for (const m of text.matchAll(/(\w+) \(imapd\) listening on [\d.]+:(\d+)/g)) ports.set(m[1]!, Number(m[2]));
      if (ports.has('imap') && ports.size >= services.length) resolve(ports.get('imap')!);
    });
    child.once('exit', (code) => reject(new Error(`master exited with ${code}`)));
  });
  await new Promise((r) => setTimeout(r, 300));
  return {
    dir,
    imapdConf,
    port,
    ports,
    process: child,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      if (opts.keepDir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `rootPid` and every process below it (Linux /proc). */
export function treePids(rootPid: number): number[] {
  const pids = [rootPid];
  for (let i = 0; i < pids.length; i++) {
    try {
      const children = readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, 'utf8').trim();
      if (children) pids.push(...children.split(/\s+/).map(Number));
    } catch {
      /* gone */
    }
  }
  return pids;
}

/**
 * Memory (KiB) of a process and its descendants, from /proc: PSS (shared pages split between the
 * processes that map them) and RSS (each process's resident pages, shared ones counted in each).
 */
export function treeMemoryKiB(rootPid: number): { pss: number; rss: number; pids: number[]; byPid: Map<number, { pss: number; rss: number }> } {
  const pids = treePids(rootPid);
  let pss = 0;
  let rss = 0;
  const byPid = new Map<number, { pss: number; rss: number }>();
  for (const pid of pids) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const one = { pss: Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0), rss: Number(/^Rss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0) };
      pss += one.pss;
      rss += one.rss;
      byPid.set(pid, one);
    } catch {
      /* gone */
    }
  }
  return { pss, rss, pids, byPid };
}

/** /proc counts CPU time in USER_HZ ticks, 100 a second on Linux. */
const TICK_MS = 1000 / 100;

/**
 * The fields of a /proc stat line after the command name (which may hold spaces and parentheses):
 * [0] is the state, [11] and [12] utime and stime, [13] and [14] cutime and cstime.
 */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU time (user + system, ms) used so far by a process and its descendants, from /proc. */
export function treeCpuMs(rootPid: number): number {
  const pids = treePids(rootPid);
  let ms = 0;
  for (const pid of pids) {
    try {
      // utime and stime, cutime and cstime (children already reaped, e.g. a peer's per-login processes)
      const fields = statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      ms += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * TICK_MS;
    } catch {
      /* gone */
    }
  }
  return ms;
}

/**
 * CPU (ms) of every thread of a process tree and of this process ("bench"), keyed "pid/comm" (the
 * threads of one name summed) or with `byTid` "pid/comm:tid": which of a worker's threads (main,
 * V8's helpers, libuv's pool) used the CPU over a phase.
 */
export function threadCpuMs(rootPid: number, byTid = false): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of [...treePids(rootPid), process.pid]) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = statFields(stat);
        const key = `${pid === process.pid ? 'bench' : pid}/${tid === String(pid) ? 'main' : byTid ? `${comm}:${tid}` : comm}`;
        out.set(key, (out.get(key) ?? 0) + (Number(fields[11]) + Number(fields[12])) * TICK_MS);
      } catch {
        /* gone */
      }
    }
  }
  return out;
}

/**
 * Time (ms) each process's main thread has spent runnable but waiting for a core
 * (/proc/PID/task/PID/schedstat, second field), keyed by pid: who waited for the CPU over a phase.
 */
export function mainThreadWaitMs(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    try {
      out.set(pid, Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'latin1').split(' ')[1]) / 1e6);
    } catch {
      /* gone, or no schedstats */
    }
  }
  return out;
}

/** The threads whose CPU moved between two `threadCpuMs` readings, most first. */
export function threadCpuDelta(before: Map<string, number>, after: Map<string, number>): string {
  return [...after]
    .map(([key, ms]) => [key, ms - (before.get(key) ?? 0)] as const)
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([key, ms]) => `${key} ${ms}`)
    .join(', ');
}

/** A tiny IMAP client: send a tagged command, wait for its tagged answer; watch untagged lines. */
export class BenchClient {
  private buffer = '';
  private pending: { tag: string; resolve: (lines: string[]) => void; lines: string[] } | null = null;
  onUntagged: ((line: string, at: number) => void) | null = null;
  private counter = 0;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      const at = performance.timeOrigin + performance.now();
      this.buffer += chunk;
      let i: number;
      while ((i = this.buffer.indexOf('\r\n')) >= 0) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 2);
        if (this.pending) {
          this.pending.lines.push(line);
          if (line.startsWith(`${this.pending.tag} `)) {
            const p = this.pending;
            this.pending = null;
            p.resolve(p.lines);
          }
        }
        this.onUntagged?.(line, at);
      }
    });
  }

  static connect(port: number): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('error', reject);
      const client = new BenchClient(socket);
      client.onUntagged = (line) => {
        if (line.startsWith('* OK')) {
          client.onUntagged = null;
          resolve(client);
        }
      };
    });
  }

  command(text: string): Promise<string[]> {
    const tag = `b${++this.counter}`;
    return new Promise((resolve) => {
      this.pending = { tag, resolve, lines: [] };
      this.socket.write(`${tag} ${text}\r\n`);
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }
}

/** Percentile of sorted numbers. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Median of numbers (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The value of a `--name=value` argument, if given. */
export function arg(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}
