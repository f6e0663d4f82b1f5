/**
 * Starts a real LMTP server (in this process) on an ephemeral loopback port and on a UNIX socket,
 * in a fresh temp directory, with users whose password is "pass" and whose INBOX exists. Each test
 * file starts its own. Also a raw LMTP client that writes anything and reads replies.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ImapdConfig } from '../../src/config/index.js';
import { createLogger, silentLogger, type Logger } from '../../src/common/index.js';
import { LmtpServer } from '../../src/lmtp/server.js';
import type { RecipientQuota } from '../../src/recipients/index.js';
import { MailStore } from '../../src/store/index.js';
import { PasswordStore } from '../../src/auth/index.js';

export interface TestLmtp {
  port: number;
  socketPath: string;
  dir: string;
  config: ImapdConfig;
  lmtp: LmtpServer;
  /** A store on the same files, to create mailboxes and look at what was delivered. */
  store: MailStore;
  /** Cut every TCP connection at once, as a backend that crashed (the listener stays). */
  dropTcpConnections(): void;
  /** TCP connections accepted so far. */
  readonly tcpAccepted: number;
  close(): Promise<void>;
}

export interface TestLmtpOptions {
  /** Users with an INBOX (and password "pass"). */
  users?: string[];
  conf?: string[];
  /** `lmtpd -a` on the TCP listener. */
  preauthorized?: boolean;
  quota?: RecipientQuota;
  /** Listen on this address and port instead of 127.0.0.1 and an ephemeral port (Murder backends, test/murder/net.ts). */
  listenHost?: string;
  listenPort?: number;
  /** The server's logger (default: silent, or debug lines on stderr with TEST_LOG set). */
  logger?: Logger;
}

export async function startTestLmtp(options: TestLmtpOptions = {}): Promise<TestLmtp> {
  const dir = mkdtempSync(join(tmpdir(), 'cyrusts-lmtp-'));
  mkdirSync(join(dir, 'conf'));
  mkdirSync(join(dir, 'spool'));
  writeFileSync(join(dir, 'imapd.conf'), [
    `configdirectory: ${join(dir, 'conf')}`,
    `partition-default: ${join(dir, 'spool')}`,
    'defaultpartition: default',
    'allowplaintext: yes',
    'admins: admin',
    'servername: lmtp.test',
    'fsync_disabled: yes',
    'auth_failure_delay: 0', // every test logs in from 127.0.0.1: the login penalty only where a test sets it
    ...(options.conf ?? []),
  ].join('\n'));
  const config = ImapdConfig.load(join(dir, 'imapd.conf')).forService('lmtp');
  const logger = options.logger ?? (process.env.TEST_LOG ? createLogger({ name: 'lmtp-test', level: 'debug', pretty: false }) : silentLogger());
  const passwords = PasswordStore.open(config.path('auth_passwd_db')!, { scrypt: { N: 1024, r: 8, p: 1 }, scramIterations: 64 });
  const store = MailStore.open({ config });
  for (const user of options.users ?? ['fred', 'joe']) {
    await passwords.setPassword(user, 'pass');
    const at = user.indexOf('@');
    const name = at < 0 ? `user.${user.replaceAll('.', '^')}` : `${user.slice(at + 1)}!user.${user.slice(0, at).replaceAll('.', '^')}`;
    store.createMailbox(name, { acl: `${user}\tlrswipkxtecdan\t` });
  }
  await passwords.setPassword('admin', 'pass');
  passwords.close();
  const lmtp = LmtpServer.create({
    config,
    serviceName: 'lmtp',
    logger,
    preauthorized: options.preauthorized,
    quota: options.quota,
    auth: { passwordStore: { scrypt: { N: 1024, r: 8, p: 1 }, scramIterations: 64 } },
  });
  const tcpSockets = new Set<Socket>();
  let accepted = 0;
  const tcp: Server = createServer((socket) => {
    tcpSockets.add(socket);
    accepted++;
    socket.once('close', () => tcpSockets.delete(socket));
    lmtp.handleConnection(socket, { tls: false, unixSocket: false, localAddress: socket.localAddress, remoteAddress: socket.remoteAddress });
  });
  await new Promise<void>((resolve) => tcp.listen(options.listenPort ?? 0, options.listenHost ?? '127.0.0.1', resolve));
  const socketPath = config.path('lmtpsocket')!;
  mkdirSync(dirname(socketPath), { recursive: true });
  const unix: Server = createServer((socket) => lmtp.handleConnection(socket, { tls: false, unixSocket: true }));
  await new Promise<void>((resolve) => unix.listen(socketPath, resolve));
  return {
    port: (tcp.address() as { port: number }).port,
    socketPath,
    dir,
    config,
    lmtp,
    store,
    get tcpAccepted() {
      return accepted;
    },
    dropTcpConnections() {
      for (const socket of tcpSockets) socket.destroy();
    },
    async close() {
      await lmtp.shutdown(Date.now());
      await Promise.all([tcp, unix].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      lmtp.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw LMTP client: write anything, read whole replies (a reply ends at "NNN " line). */
export class LmtpClient {
  private buffer = '';
  private waiters: Array<() => void> = [];
  closed = false;
  greeting = '';

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

  static async connect(target: { port: number } | { path: string }): Promise<LmtpClient> {
    const socket = 'port' in target ? createConnection({ port: target.port, host: '127.0.0.1' }) : createConnection({ path: target.path });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new LmtpClient(socket);
    client.greeting = (await client.replies(1))[0]!;
    return client;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** The next `count` replies; a multi-line reply is returned joined by "\n". */
  async replies(count: number, timeoutMs = 5000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    const out: string[] = [];
    let current: string[] = [];
    for (;;) {
      let nl: number;
      while (out.length < count && (nl = this.buffer.indexOf('\r\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 2);
        current.push(line);
        if (line[3] !== '-') {
          out.push(current.join('\n'));
          current = [];
        }
      }
      if (out.length >= count) return out;
      if (this.closed) throw new Error(`connection closed after ${JSON.stringify(out)}; buffer ${JSON.stringify(this.buffer)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout after ${JSON.stringify(out)}; buffer ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
      if (current.length > 0) {
        // an unfinished multi-line reply: put it back and wait for the rest
        this.buffer = current.map((l) => `${l}\r\n`).join('') + this.buffer;
        current = [];
      }
    }
  }

  /** Send one command line and return its reply. */
  async command(line: string): Promise<string> {
    this.write(`${line}\r\n`);
    return (await this.replies(1))[0]!;
  }

  /** Wait until the server closes the connection. */
  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('still open');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A small message with a given Message-ID. */
export function message(messageId: string, body = 'Hello there.\r\n', extra = ''): string {
  return `From: sender@example.org\r\nTo: fred@example.com\r\nSubject: test ${messageId}\r\nMessage-ID: <${messageId}>\r\n${extra}\r\n${body}`;
}

/** The messages of a mailbox, as stored (strings). */
export async function storedMessages(store: MailStore, name: string): Promise<string[]> {
  const mailbox = store.openMailbox(name);
  try {
    const uids = mailbox.snapshot().uids;
    const out: string[] = [];
    for (const uid of uids) out.push((await mailbox.readMessage(uid)).toString('latin1'));
    return out;
  } finally {
    mailbox.close();
  }
}
