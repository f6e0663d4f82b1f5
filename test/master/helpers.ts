import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CLI = resolve(import.meta.dirname, '../../dist/bin/cyrusts.js');

export interface TempServer {
  dir: string;
  imapdConf: string;
  cyrusConf: string;
  cleanup(): void;
}

/** A temp directory with an imapd.conf (data inside it) and the given cyrus.conf text. */
export function tempServer(cyrusConf: string, imapdExtra = ''): TempServer {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsc -p .\` (npm test does) first`);
  const dir = mkdtempSync(join(tmpdir(), 'cyrusts-master-'));
  const imapdConf = join(dir, 'imapd.conf');
  const cyrusPath = join(dir, 'cyrus.conf');
  writeFileSync(imapdConf, `configdirectory: ${dir}/conf\npartition-default: ${dir}/spool\nservername: test.example\nloglevel: debug\nmaster_shutdown_timeout: 3s\nmaster_restart_backoff: 5s\n${imapdExtra}`);
  writeFileSync(cyrusPath, cyrusConf);
  return { dir, imapdConf, cyrusConf: cyrusPath, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Give each of `users` the password `password` (saslpasswd with the server's configuration). */
export function addUsers(server: TempServer, users: readonly string[], password = 'pass'): void {
  for (const user of users) {
    const result = spawnSync(process.execPath, [CLI, 'saslpasswd', '-C', server.imapdConf, '-p', '-c', user], { input: `${password}\n`, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`saslpasswd failed: ${result.stderr}`);
  }
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A master started with -D on a temp configuration, its stdout announcements and stderr log lines. */
export class RunningMaster {
  readonly stdout: string[] = [];
  readonly logs: LogLine[] = [];
  readonly exited: Promise<number | null>;
  private waiters = new Set<() => void>();

  constructor(readonly proc: ChildProcess) {
    const feed = (stream: NodeJS.ReadableStream, onLine: (line: string) => void) => {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        pending += chunk;
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          onLine(pending.slice(0, nl));
          pending = pending.slice(nl + 1);
        }
        for (const wake of this.waiters) wake();
      });
    };
    feed(proc.stdout!, (line) => this.stdout.push(line));
    feed(proc.stderr!, (line) => {
      try {
        this.logs.push(JSON.parse(line) as LogLine);
      } catch {
        this.logs.push({ level: 60, msg: line });
      }
    });
    this.exited = new Promise((resolvePromise) => proc.on('exit', (code) => resolvePromise(code)));
  }

  static start(server: TempServer, extraArgs: string[] = []): RunningMaster {
    const proc = spawn(process.execPath, [CLI, 'master', '-C', server.imapdConf, '-M', server.cyrusConf, '-D', ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CYRUSTS_LOG_JSON: '1' },
    });
    return new RunningMaster(proc);
  }

  /** Wait until `test` holds, re-checked on every output line; rejects after `ms`. */
  waitFor<T>(what: string, test: () => T | undefined | null | false, ms = 20_000): Promise<T> {
    return new Promise((resolvePromise, reject) => {
      const check = () => {
        const value = test();
        if (value) {
          cleanup();
          resolvePromise(value);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}\nstdout: ${this.stdout.join('\n')}\nlogs: ${this.logs.map((l) => JSON.stringify(l)).join('\n')}`));
      }, ms);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** The address a service announced ("NAME (prog) listening on ADDR"). */
  address(service: string, ms?: number): Promise<string> {
    const re = new RegExp(`^${service} \\(\\w+\\) listening on (.+)$`);
    return this.waitFor(`${service} to listen`, () => {
      for (let i = this.stdout.length - 1; i >= 0; i--) {
        const m = re.exec(this.stdout[i]!);
        if (m) return m[1];
      }
      return undefined;
    }, ms);
  }

  log(msg: string, where: (l: LogLine) => boolean = () => true, ms?: number): Promise<LogLine> {
    return this.waitFor(`log "${msg}"`, () => this.logs.find((l) => l.msg === msg && where(l)), ms);
  }

  workerPids(service: string): number[] {
    return this.logs.filter((l) => l.msg === 'worker started' && l.service === service).map((l) => l.workerPid as number);
  }

  /** Every worker of `service` said it is ready (the master logs it once, after the first start). */
  workersReady(service: string): boolean {
    return this.logs.some((l) => l.msg === 'workers ready' && l.service === service);
  }

  /** The pid of a live worker of `service`, once its workers are ready (what a worker sets up before that is in place). */
  readyWorker(service: string): Promise<number> {
    return this.waitFor(`a ready ${service} worker`, () => (this.workersReady(service) ? this.workerPids(service).find(isAlive) : undefined));
  }

  async stop(): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    return this.exited;
  }
}

/** A client that collects what the server says. */
export class LineClient {
  readonly received: string[] = [];
  private buffer = '';
  private waiters = new Set<() => void>();
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        this.received.push(this.buffer.slice(0, nl).replace(/\r$/, ''));
        this.buffer = this.buffer.slice(nl + 1);
      }
      for (const wake of this.waiters) wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolvePromise) => socket.on('close', () => {
      for (const wake of this.waiters) wake();
      resolvePromise();
    }));
  }

  /** "127.0.0.1:1234" or a UNIX socket path. */
  /** `from`: the local address to connect from (any of 127.0.0.0/8 on loopback). */
  static connect(address: string, from?: string): Promise<LineClient> {
    return new Promise((resolvePromise, reject) => {
      const m = /^(.*):(\d+)$/.exec(address);
      const socket = m && !address.startsWith('/') ? net.createConnection({ host: m[1], port: Number(m[2]), localAddress: from }) : net.createConnection(address);
      socket.once('connect', () => resolvePromise(new LineClient(socket)));
      socket.once('error', reject);
    });
  }

  /** The next line matching `re` (from the start of the conversation), within `ms`. */
  line(re: RegExp, ms = 20_000): Promise<string> {
    return new Promise((resolvePromise, reject) => {
      const check = () => {
        const found = this.received.find((l) => re.test(l));
        if (found !== undefined) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolvePromise(found);
        } else if (this.socket.destroyed) {
          clearTimeout(timer);
          this.waiters.delete(check);
          reject(new Error(`closed before ${re}; got ${JSON.stringify(this.received)}`));
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no line matching ${re} within ${ms} ms; got ${JSON.stringify(this.received)}`));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  close(): void {
    this.socket.destroy();
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
