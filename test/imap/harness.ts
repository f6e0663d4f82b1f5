/**
 * Starts a real IMAP server (in this process) on an ephemeral loopback port, in a fresh temp
 * directory, with users whose password is "pass". Each test file starts its own.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, createConnection, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapdConfig } from '../../src/config/index.js';
import { silentLogger, createLogger, type Logger } from '../../src/common/log.js';
import { ImapServer } from '../../src/imap/server.js';
import { NotifyClient, NotifyHub } from '../../src/master/notify.js';

export interface TestServer {
  port: number;
  host: string;
  dir: string;
  config: ImapdConfig;
  imap: ImapServer;
  close(): Promise<void>;
}

export interface TestServerOptions {
  users?: string[];
  /** Extra imapd.conf lines. */
  conf?: string[];
  /** Run a notification hub (as the master does) and connect the server to it. */
  notify?: boolean;
  /** The server's logger (default: silent, or debug lines on stderr with TEST_LOG set). */
  logger?: Logger;
  /** Listen here (default 127.0.0.1 on an ephemeral port): a Murder backend of the tests has an address of its own. */
  host?: string;
  port?: number;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'cyrusts-imap-'));
  mkdirSync(join(dir, 'conf'));
  mkdirSync(join(dir, 'spool'));
  const text = [
    `configdirectory: ${join(dir, 'conf')}`,
    `partition-default: ${join(dir, 'spool')}`,
    'defaultpartition: default',
    'allowplaintext: yes',
    'admins: admin',
    'autocreate_quota: 0',
    'expunge_mode: immediate',
    'fsync_disabled: yes',
    'auth_failure_delay: 0', // every test logs in from 127.0.0.1: the login penalty only where a test sets it
    ...(options.conf ?? []),
  ].join('\n');
  writeFileSync(join(dir, 'imapd.conf'), text);
  const config = ImapdConfig.load(join(dir, 'imapd.conf')).forService('imap');
  const hub = options.notify ? await NotifyHub.listen(config.path('idlesocket')!) : null;
  const notify = hub ? NotifyClient.connect(hub.path) : null;
  const logger = options.logger ?? (process.env.TEST_LOG ? createLogger({ name: 'imap-test', level: 'debug', pretty: false }) : silentLogger());
  const imap = ImapServer.create({
    config,
    serviceName: 'imap',
    logger,
    notifier: notify ? { mailboxChanged: (name, facts) => notify.publish(name, facts) } : undefined,
    auth: { passwordStore: { scrypt: { N: 1024, r: 8, p: 1 }, scramIterations: 64 } },
  });
  notify?.subscribe((name, facts) => imap.mailboxChanged(name, facts));
  for (const user of options.users ?? ['fred', 'admin']) await imap.deps.auth.store.setPassword(user, 'pass');
  const server: Server = createServer((socket) => {
    imap.handleConnection(socket, { tls: false, unixSocket: false, localAddress: socket.localAddress, remoteAddress: socket.remoteAddress });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    host,
    dir,
    config,
    imap,
    async close() {
      await imap.shutdown(Date.now());
      await new Promise<void>((resolve) => server.close(() => resolve()));
      imap.close();
      await notify?.close();
      await hub?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw line-oriented IMAP client for wire tests. */
export class RawClient {
  private buffer = '';
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const socket = createConnection({ port, host });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawClient(socket);
    await client.readLine();
    return client;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Wait until the buffer holds a line matching `done`, then return everything up to it. */
  async readUntil(done: (line: string) => boolean, timeoutMs = 5000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = this.buffer.split('\r\n');
      for (let i = 0; i < lines.length - 1; i++) {
        if (done(lines[i]!)) {
          const taken = lines.slice(0, i + 1);
          this.buffer = lines.slice(i + 1).join('\r\n');
          return taken;
        }
      }
      if (this.closed) throw new Error(`connection closed; got: ${JSON.stringify(this.buffer.slice(0, 500))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout; got: ${JSON.stringify(this.buffer.slice(0, 500))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async readLine(): Promise<string> {
    return (await this.readUntil(() => true))[0]!;
  }

  /** Send `tag command` and return all lines up to the tagged response. */
  async command(tag: string, command: string): Promise<string[]> {
    this.write(`${tag} ${command}\r\n`);
    return this.readUntil((line) => line.startsWith(`${tag} `));
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Child processes in these tests run the compiled store: build dist/ when it is missing or older than src/. */
export function ensureBuilt(): void {
  const root = join(import.meta.dirname, '..', '..');
  const built = join(root, 'dist', 'src', 'store', 'index.js');
  if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(root, 'src', 'store', 'mail-store.ts')).mtimeMs) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'ignore' });
  }
}

/** Whether Cyrus's Perl cyradm (Debian cyrus-admin) is installed: the tests that drive it skip otherwise. */
export const hasCyradm = ((): boolean => {
  try {
    execFileSync('sh', ['-c', 'command -v cyradm'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Run a script through Cyrus's Perl cyradm against the server on `port`, logged in as admin/pass;
 * never blocks the event loop (the server under test runs in the same process).
 */
export function runCyradm(port: number, script: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('cyradm', ['--norc', '-u', 'admin', '-w', 'pass', '-p', String(port), '127.0.0.1'], { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
      if (err && err.killed) reject(err);
      else resolve({ stdout, stderr });
    });
    child.stdin!.end(script);
  });
}
