/**
 * mupdate servers in this process for tests: a master or a slave on an ephemeral loopback port
 * (or a given one, for a restart), in a temp directory, users "admin" (in admins) and "fred"
 * with password "pass"; and a raw client that reads whole tagged answers.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, silentLogger } from '../../src/common/index.js';
import { ImapdConfig } from '../../src/config/index.js';
import type { MupdateSettings } from '../../src/murder/deps.js';
import { MupdateServer } from '../../src/murder/server.js';
import type { MurderSettings } from '../../src/murder/index.js';
import { MailStore } from '../../src/store/index.js';

const TEST_HASHING = { passwordStore: { scrypt: { N: 1024, r: 8, p: 1 }, scramIterations: 64 } };

export interface MupdateTestServer {
  host: string;
  port: number;
  dir: string;
  config: ImapdConfig;
  server: MupdateServer;
  /** Resolves at the slave's next full sync (slaves only). */
  nextSync(): Promise<void>;
  /** The remote entries of this server's mailboxes.db, read through a store of its own. */
  mirror(): Array<{ name: string; server: string | null; partition: string; acl: string; type: string[] }>;
  close(): Promise<void>;
}

export interface MupdateTestOptions {
  mode?: 'master' | 'slave';
  conf?: string[];
  port?: number;
  dir?: string;
  keepDir?: boolean;
  settings?: Partial<MupdateSettings>;
  murder?: Partial<MurderSettings>;
}

export async function startMupdate(options: MupdateTestOptions = {}): Promise<MupdateTestServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'cyrusts-mupdate-'));
  mkdirSync(join(dir, 'conf'), { recursive: true });
  const text = [
    `configdirectory: ${join(dir, 'conf')}`,
    `partition-default: ${join(dir, 'spool')}`,
    'servername: mupdate.test',
    'allowplaintext: yes',
    'admins: admin',
    'fsync_disabled: yes',
    'auth_failure_delay: 0',
    ...(options.conf ?? []),
  ].join('\n');
  writeFileSync(join(dir, 'imapd.conf'), `${text}\n`);
  const config = ImapdConfig.load(join(dir, 'imapd.conf')).forService('mupdate');
  const logger = process.env.TEST_LOG ? createLogger({ name: 'mupdate-test', level: 'debug', pretty: false }) : silentLogger();
  let syncWaiters: Array<() => void> = [];
  const server = MupdateServer.create({
    config, serviceName: 'mupdate', logger, mode: options.mode ?? 'master', auth: TEST_HASHING, settings: options.settings,
    murder: { retryDelayMs: 20, ...options.murder },
    onSynced: () => {
      const waiters = syncWaiters;
      syncWaiters = [];
      for (const w of waiters) w();
    },
  });
  for (const user of ['admin', 'fred']) await server.deps.auth.store.setPassword(user, 'pass');
  const listener: Server = createServer((socket) => {
    server.handleConnection(socket, { tls: false, unixSocket: false, localAddress: socket.localAddress, remoteAddress: socket.remoteAddress });
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (listener.address() as { port: number }).port;
  return {
    host: '127.0.0.1',
    port,
    dir,
    config,
    server,
    nextSync: () => new Promise<void>((resolve) => syncWaiters.push(resolve)),
    mirror() {
      const store = MailStore.open({ config });
      try {
        return store.remoteEntries().map((e) => ({ name: e.name, server: e.server, partition: e.partition, acl: e.acl, type: e.type }));
      } finally {
        store.close();
      }
    },
    async close() {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      await server.shutdown(Date.now());
      await closed;
      server.close();
      if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw mupdate client: writes bytes, reads up to a tagged OK / NO / BAD or an untagged BYE. */
export class RawClient {
  private buffer = '';
  private waiters: Array<() => void> = [];
  closed = false;
  greeting = '';

  private constructor(public socket: Socket) {
    this.attach(socket);
  }

  private attach(socket: Socket): void {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  /** After the server's OK to STARTTLS: the TLS handshake, then everything goes through TLS. */
  async upgrade(): Promise<void> {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('close');
    const secure = tlsConnect({ socket: this.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.socket = secure;
    this.attach(secure);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const socket = createConnection({ port, host });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawClient(socket);
    client.greeting = await client.until(/^\* (OK MUPDATE|BYE) .*\r\n/m);
    return client;
  }

  /** Everything up to and including the first match of `re` (which is consumed). */
  async until(re: RegExp, ms = 10_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = re.exec(this.buffer);
      if (m) {
        const end = m.index + m[0].length;
        const text = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        return text;
      }
      if (this.closed) throw new Error(`connection closed; buffered: ${JSON.stringify(this.buffer)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; buffered: ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Send one command line (CRLF added) and read its whole answer. */
  async command(tag: string, text: string): Promise<string> {
    this.socket.write(`${tag} ${text}\r\n`);
    return this.answer(tag);
  }

  answer(tag: string): Promise<string> {
    const escaped = tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return this.until(new RegExp(`(^|\\n)(${escaped} (OK|NO|BAD) .*|\\* BYE .*)\\r\\n`));
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Resolves when the server closed the connection. */
  async waitClosed(ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection still open');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async login(user = 'admin', password = 'pass'): Promise<string> {
    const ir = Buffer.from(`\0${user}\0${password}`).toString('base64');
    return this.command('L0', `AUTHENTICATE "PLAIN" "${ir}"`);
  }

  close(): void {
    this.socket.destroy();
  }
}

export const PLAIN_ADMIN = Buffer.from('\0admin\0pass').toString('base64');
