/**
 * Starts a real POP3 server (in this process) on an ephemeral loopback port, in a fresh temp
 * directory, with users whose password is "pass"; optionally an IMAP server on the same
 * configuration. Each test file starts its own.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, silentLogger, type Logger } from '../../src/common/index.js';
import { ImapdConfig } from '../../src/config/index.js';
import { ImapServer } from '../../src/imap/server.js';
import type { Pop3Settings } from '../../src/pop3/deps.js';
import { Pop3Server } from '../../src/pop3/server.js';

export interface Pop3TestServer {
  port: number;
  host: string;
  dir: string;
  config: ImapdConfig;
  pop3: Pop3Server;
  /** Only with { imap: true }. */
  imap: ImapServer | null;
  imapPort: number;
  /** Append messages (CRLF text or bytes) to a user's INBOX, creating it when missing. */
  deliver(userid: string, messages: Array<string | Buffer>, mailbox?: string): Promise<number[]>;
  close(): Promise<void>;
}

export interface Pop3TestServerOptions {
  users?: string[];
  /** Extra imapd.conf lines. */
  conf?: string[];
  /** Also run an IMAP server on the same spool. */
  imap?: boolean;
  /** The shipped scrypt cost instead of the cheap test cost (benchmarks). */
  shippedHashing?: boolean;
  /** Keep fsync on (benchmarks). */
  durable?: boolean;
  /** Use this directory (a server started before on it, e.g. a restart) instead of a new one. */
  dir?: string;
  /** Leave the directory in place at close (a restart will follow). */
  keepDir?: boolean;
  /** Override settings read from imapd.conf (e.g. a short autologout). */
  settings?: Partial<Pop3Settings>;
  /** Listen on this address and port instead of 127.0.0.1 and an ephemeral port (Murder backends, test/murder/net.ts). */
  listenHost?: string;
  listenPort?: number;
  /** The servers' logger (default: silent, or debug lines on stderr with TEST_LOG set). */
  logger?: Logger;
}

const TEST_HASHING = { passwordStore: { scrypt: { N: 1024, r: 8, p: 1 }, scramIterations: 64 } };

async function listen(onSocket: (socket: Socket) => void, host = '127.0.0.1', port = 0): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return { server, port: (server.address() as { port: number }).port };
}

export async function startPop3Server(options: Pop3TestServerOptions = {}): Promise<Pop3TestServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'cyrusts-pop3-'));
  mkdirSync(join(dir, 'conf'), { recursive: true });
  mkdirSync(join(dir, 'spool'), { recursive: true });
  const text = [
    `configdirectory: ${join(dir, 'conf')}`,
    `partition-default: ${join(dir, 'spool')}`,
    'defaultpartition: default',
    'allowplaintext: yes',
    'admins: admin',
    'autocreate_quota: 0',
    'expunge_mode: immediate',
    'auth_failure_delay: 0', // every test logs in from 127.0.0.1: the login penalty only where a test sets it
    ...(options.durable ? [] : ['fsync_disabled: yes']),
    ...(options.conf ?? []),
  ].join('\n');
  writeFileSync(join(dir, 'imapd.conf'), text);
  const config = ImapdConfig.load(join(dir, 'imapd.conf'));
  const logger = options.logger ?? (process.env.TEST_LOG ? createLogger({ name: 'pop3-test', level: 'debug', pretty: false }) : silentLogger());
  const auth = options.shippedHashing ? {} : TEST_HASHING;
  const pop3 = Pop3Server.create({ config: config.forService('pop3'), serviceName: 'pop3', logger, auth, settings: options.settings });
  for (const user of options.users ?? ['fred', 'admin']) await pop3.deps.auth.store.setPassword(user, 'pass');
  const popListener = await listen((socket) => {
    pop3.handleConnection(socket, { tls: false, unixSocket: false, localAddress: socket.localAddress, remoteAddress: socket.remoteAddress });
  }, options.listenHost, options.listenPort);
  let imap: ImapServer | null = null;
  let imapListener: { server: Server; port: number } | null = null;
  if (options.imap) {
    const imapServer = ImapServer.create({ config: config.forService('imap'), serviceName: 'imap', logger, auth });
    imap = imapServer;
    imapListener = await listen((socket) => {
      imapServer.handleConnection(socket, { tls: false, unixSocket: false, localAddress: socket.localAddress, remoteAddress: socket.remoteAddress });
    });
  }
  const store = pop3.deps.store;
  return {
    port: popListener.port,
    host: options.listenHost ?? '127.0.0.1',
    dir,
    config,
    pop3,
    imap,
    imapPort: imapListener?.port ?? 0,
    async deliver(userid, messages, mailbox) {
      const name = mailbox ?? `user.${userid}`;
      if (!store.lookup(name)) store.createMailbox(name, { acl: `${userid}\tlrswipkxtecdan\t` });
      const box = store.openMailbox(name);
      try {
        const result = await box.append(messages.map((m) => ({ content: typeof m === 'string' ? Buffer.from(m, 'latin1') : m })));
        return result.uids;
      } finally {
        box.close();
      }
    },
    async close() {
      await pop3.shutdown(Date.now());
      if (imap) await imap.shutdown(Date.now());
      await new Promise<void>((resolve) => popListener.server.close(() => resolve()));
      if (imapListener) await new Promise<void>((resolve) => imapListener!.server.close(() => resolve()));
      pop3.close();
      imap?.close();
      if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw POP3 client for wire tests: lines and multi-line responses, exactly as sent. */
export class PopClient {
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;
  greeting = '';

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<PopClient> {
    const socket = createConnection({ port, host });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new PopClient(socket);
    client.greeting = await client.line();
    return client;
  }

  /** Log in with USER/PASS; throws unless both answer +OK. */
  static async login(port: number, user = 'fred', pass = 'pass'): Promise<PopClient> {
    const client = await PopClient.connect(port);
    const u = await client.command(`USER ${user}`);
    if (!u.startsWith('+OK')) throw new Error(`USER: ${u}`);
    const p = await client.command(`PASS ${pass}`);
    if (!p.startsWith('+OK')) throw new Error(`PASS: ${p}`);
    return client;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  private async waitFor(test: () => number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = test();
      if (at >= 0) return at;
      if (this.closed) throw new Error(`connection closed; got: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 300))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout; got: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 300))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** One response line (without CRLF). */
  async line(timeoutMs = 10_000): Promise<string> {
    const end = await this.waitFor(() => this.buffer.indexOf('\r\n'), timeoutMs);
    const text = this.buffer.toString('latin1', 0, end);
    this.buffer = this.buffer.subarray(end + 2);
    return text;
  }

  /** The raw bytes of a multi-line body up to and without the terminating ".\r\n" (still dot-stuffed). */
  async multiline(timeoutMs = 10_000): Promise<Buffer> {
    const isEnd = () => {
      if (this.buffer.subarray(0, 3).equals(Buffer.from('.\r\n'))) return 0;
      const at = this.buffer.indexOf('\r\n.\r\n');
      return at < 0 ? -1 : at + 2;
    };
    const end = await this.waitFor(isEnd, timeoutMs);
    const body = Buffer.from(this.buffer.subarray(0, end));
    this.buffer = this.buffer.subarray(end + 3);
    return body;
  }

  async command(text: string): Promise<string> {
    this.write(`${text}\r\n`);
    return this.line();
  }

  /** A command with a multi-line answer: its status line and the body's lines (un-stuffed). */
  async listing(text: string): Promise<{ status: string; lines: string[] }> {
    const status = await this.command(text);
    if (!status.startsWith('+OK')) return { status, lines: [] };
    const body = (await this.multiline()).toString('latin1');
    const lines = body === '' ? [] : body.replace(/\r\n$/, '').split('\r\n').map((l) => (l.startsWith('..') ? l.slice(1) : l));
    return { status, lines };
  }

  /** Wait until the server closes the connection. */
  async closedByServer(timeoutMs = 10_000): Promise<void> {
    await this.waitFor(() => (this.closed ? 0 : -1), timeoutMs).catch((err) => {
      if (!this.closed) throw err;
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Run a Python script file with arguments, asynchronously (the server runs in this process). */
export function runPython(script: string, args: string[], timeoutMs = 30_000): Promise<{ status: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('python3', [script, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr });
    });
  });
}

/** A small RFC 5322 message with CRLF line ends. */
export function message(subject: string, body = 'hello\r\n'): string {
  return `From: sender@example.com\r\nTo: fred@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.com>\r\n\r\n${body}`;
}
