/**
 * smmapd wire tests: a real master (dist/bin/cyrusts.js) in a temp directory running smmapd on an
 * ephemeral loopback port and on a UNIX socket (and, for the tests that compare, lmtpd beside it),
 * mailboxes made on the same files before it starts; and a raw socketmap client that writes any
 * bytes and reads whole netstring replies (parsed here, not with the server's own reader).
 */
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { ImapdConfig } from '../../src/config/index.js';
import { MailStore } from '../../src/store/index.js';
import { RunningMaster, tempServer, type TempServer } from '../master/helpers.js';

export interface SmmapTestServer {
  dir: string;
  master: RunningMaster;
  server: TempServer;
  /** "127.0.0.1:PORT" of each service by name. */
  address(service: string): Promise<string>;
  /** The UNIX socket smmapd listens on (service smmapunix). */
  socketPath: string;
  /** Open the store on the server's files (close it after). */
  openStore(): MailStore;
  close(): Promise<void>;
}

export interface SmmapTestOptions {
  /** Extra imapd.conf lines. */
  conf?: string[];
  /** Extra SERVICES lines. */
  services?: string[];
  /** Make mailboxes and quotas before the master starts. */
  setup?: (store: MailStore) => void;
}

export async function startSmmap(options: SmmapTestOptions = {}): Promise<SmmapTestServer> {
  const conf = ['fsync_disabled: yes', 'auth_failure_delay: 0', ...(options.conf ?? [])];
  const server = tempServer('', `${conf.join('\n')}\n`);
  const socketPath = join(server.dir, 'smmap.sock');
  writeFileSync(server.cyrusConf, [
    'SERVICES {',
    '  smmap cmd="smmapd" listen="127.0.0.1:0" prefork=1',
    `  smmapunix cmd="smmapd" listen="${socketPath}" prefork=1`,
    ...(options.services ?? []).map((line) => `  ${line}`),
    '}',
    '',
  ].join('\n'));
  const store = MailStore.open({ config: ImapdConfig.load(server.imapdConf) });
  try {
    options.setup?.(store);
  } finally {
    store.close();
  }
  const master = RunningMaster.start(server);
  await master.waitFor('smmap workers ready', () => master.workersReady('smmap') && master.workersReady('smmapunix'));
  return {
    dir: server.dir,
    master,
    server,
    socketPath,
    address: (service) => master.address(service),
    openStore: () => MailStore.open({ config: ImapdConfig.load(server.imapdConf) }),
    async close() {
      try {
        await master.stop();
      } finally {
        server.cleanup();
      }
    },
  };
}

/** A raw socketmap client. */
export class SmmapClient {
  private buffer = Buffer.alloc(0);
  private readonly replies: string[] = [];
  private waiters = new Set<() => void>();
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const m = /^(\d+):/.exec(this.buffer.toString('latin1', 0, Math.min(this.buffer.length, 12)));
        if (!m) break;
        const start = m[0].length;
        const length = Number(m[1]);
        if (this.buffer.length < start + length + 1) break;
        if (this.buffer[start + length] !== 0x2c) throw new Error(`reply without its comma: ${this.buffer.toString()}`);
        this.replies.push(this.buffer.subarray(start, start + length).toString('utf8'));
        this.buffer = this.buffer.subarray(start + length + 1);
      }
      for (const wake of this.waiters) wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      for (const wake of this.waiters) wake();
    });
  }

  /** "127.0.0.1:1234" or a UNIX socket path. */
  static connect(address: string): Promise<SmmapClient> {
    const m = /^(.*):(\d+)$/.exec(address);
    const socket = m ? createConnection({ host: m[1]!, port: Number(m[2]) }) : createConnection({ path: address });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(new SmmapClient(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** Send "MAPNAME KEY" as one netstring and read its reply. */
  async lookup(key: string, mapName = 'cyrus'): Promise<string> {
    const payload = Buffer.from(`${mapName} ${key}`, 'utf8');
    this.write(Buffer.concat([Buffer.from(`${payload.length}:`), payload, Buffer.from(',')]));
    return (await this.read(1))[0]!;
  }

  /** The next `count` replies (rejects when the connection closes first or after `ms`). */
  read(count: number, ms = 20_000): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.replies.length >= count) {
          cleanup();
          resolve(this.replies.splice(0, count));
        } else if (this.closed) {
          cleanup();
          reject(new Error(`connection closed after ${JSON.stringify(this.replies)}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${count} replies within ${ms} ms; got ${JSON.stringify(this.replies)}`));
      }, ms);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves when the server has closed the connection (rejects after `ms`). */
  waitClosed(ms = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!this.closed) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`connection still open after ${ms} ms`));
      }, ms);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Replies read and not taken yet. */
  get unread(): readonly string[] {
    return this.replies;
  }

  close(): void {
    this.socket.destroy();
  }
}
