// Shared by the benches that run the real master: a temp server directory, a user, the master
// process, and a minimal IMAP client over a raw socket.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImapdConfig } from '../src/config/index.js';
import { MailStore } from '../src/store/index.js';
import { PasswordStore } from '../src/auth/index.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'cyrusts.js');

export interface BenchMaster {
  dir: string;
  imapdConf: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startBenchMaster(opts: { prefork?: number; users?: string[]; extraConf?: string[] } = {}): Promise<BenchMaster> {
  const dir = mkdtempSync(join(tmpdir(), 'cyrusts-bench-'));
  mkdirSync(join(dir, 'conf'));
  mkdirSync(join(dir, 'spool'));
  const imapdConf = join(dir, 'imapd.conf');
  writeFileSync(imapdConf, [`configdirectory: ${join(dir, 'conf')}`, `partition-default: ${join(dir, 'spool')}`, 'defaultpartition: default', 'allowplaintext: yes', 'loglevel: warn', 'autocreate_quota: 0', ...(opts.extraConf ?? [])].join('\n') + '\n');
  writeFileSync(join(dir, 'cyrus.conf'), `SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0" prefork=${opts.prefork ?? 1} maxchild=5000\n}\n`);
  const config = ImapdConfig.load(imapdConf);
  const passwords = PasswordStore.open(config.path('auth_passwd_db')!, { scrypt: { N: 1024, r: 8, p: 1 } });
  const store = MailStore.open({ config });
  for (const user of opts.users ?? ['fred']) {
    await passwords.setPassword(user, 'pass');
    store.createMailbox(`user.${user}`, { acl: `${user}\tlrswipkxtecdan\t` });
  }
  store.close();
  passwords.close();
  const child = spawn(process.execPath, [CLI, 'master', '-C', imapdConf, '-M', join(dir, 'cyrus.conf'), '-D'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = /imap \(imapd\) listening on [\d.]+:(\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`master exited with ${code}`)));
  });
  await new Promise((r) => setTimeout(r, 300));
  return {
    dir,
    imapdConf,
    port,
    process: child,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Memory (KiB) of a process and its descendants, from /proc: PSS (shared pages split between the
 * processes that map them) and RSS (each process's resident pages, shared ones counted in each).
 */
export function treeMemoryKiB(rootPid: number): { pss: number; rss: number; pids: number[] } {
  const pids = [rootPid];
  for (let i = 0; i < pids.length; i++) {
    try {
      const children = readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, 'utf8').trim();
      if (children) pids.push(...children.split(/\s+/).map(Number));
    } catch {
      /* gone */
    }
  }
  let pss = 0;
  let rss = 0;
  for (const pid of pids) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      pss += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
      rss += Number(/^Rss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return { pss, rss, pids };
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
