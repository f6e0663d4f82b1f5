/**
 * ManageSieve wire tests: a real master (dist/bin/cyrusts.js) in a temp directory running
 * `sieve cmd="timsieved"` on an ephemeral loopback port, users with password "pass", and a raw
 * client that reads whole responses (lines up to OK / NO / BYE, with server literals {N}).
 */
import { createConnection, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { join } from 'node:path';
import { addUsers, RunningMaster, tempServer, type TempServer } from '../master/helpers.js';

export interface SieveTestServer {
  dir: string;
  sievedir: string;
  host: string;
  port: number;
  master: RunningMaster;
  server: TempServer;
  close(): Promise<void>;
}

export interface SieveTestServerOptions {
  users?: string[];
  /** Extra imapd.conf lines. */
  conf?: string[];
}

export async function startSieveServer(options: SieveTestServerOptions = {}): Promise<SieveTestServer> {
  const conf = [
    'allowplaintext: yes',
    'admins: admin',
    'sievedir: {configdirectory}/sieve',
    'fsync_disabled: yes',
    'auth_failure_delay: 0',
    ...(options.conf ?? []),
  ];
  const server = tempServer('SERVICES {\n  sieve cmd="timsieved" listen="127.0.0.1:0" prefork=1\n}\n', `${conf.join('\n')}\n`);
  addUsers(server, options.users ?? ['fred', 'admin', 'joe']);
  const master = RunningMaster.start(server);
  const address = await master.address('sieve');
  await master.waitFor('sieve workers ready', () => master.workersReady('sieve'));
  const m = /^(.*):(\d+)$/.exec(address)!;
  return {
    dir: server.dir,
    sievedir: join(server.dir, 'conf', 'sieve'),
    host: m[1]!,
    port: Number(m[2]),
    master,
    server,
    async close() {
      try {
        await master.stop();
      } finally {
        server.cleanup();
      }
    },
  };
}

export interface Response {
  /** Every line of the response, the final OK / NO / BYE line last; literals inline as sent. */
  lines: string[];
  /** The last line (OK ..., NO ..., BYE ...). */
  status: string;
  /** Contents of the server's literals, in order. */
  literals: Buffer[];
}

/** A raw ManageSieve client: writes bytes, reads whole responses. */
export class SieveClient {
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;
  greeting!: Response;

  private constructor(public socket: Socket) {
    this.attach(socket);
  }

  private attach(socket: Socket): void {
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

  static async connect(server: { host: string; port: number }): Promise<SieveClient> {
    const socket = createConnection({ host: server.host, port: server.port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new SieveClient(socket);
    client.greeting = await client.response();
    return client;
  }

  /** STARTTLS done: continue over TLS (a self-signed test certificate is accepted). */
  /** The client side of STARTTLS; `options` adds to the connection's (e.g. a client certificate). */
  async upgrade(options: ConnectionOptions = {}): Promise<void> {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('close');
    const secure = tlsConnect({ socket: this.socket, rejectUnauthorized: false, ...options });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.socket = secure;
    this.attach(secure);
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  private async more(ms: number): Promise<void> {
    if (this.closed) throw new Error(`connection closed; unread: ${JSON.stringify(this.buffer.toString('latin1'))}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no complete response within ${ms} ms; have ${JSON.stringify(this.buffer.toString('latin1'))}`)), ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The next whole response. */
  async response(ms = 20_000): Promise<Response> {
    const lines: string[] = [];
    const literals: Buffer[] = [];
    let pos = 0;
    let pending = '';
    for (;;) {
      const nl = this.buffer.indexOf(0x0a, pos);
      if (nl < 0) {
        await this.more(ms);
        continue;
      }
      const text = this.buffer.toString('utf8', pos, nl).replace(/\r$/, '');
      const lit = /\{(\d+)\}$/.exec(text);
      if (lit) {
        const size = Number(lit[1]);
        if (this.buffer.length < nl + 1 + size) {
          await this.more(ms);
          continue;
        }
        const content = this.buffer.subarray(nl + 1, nl + 1 + size);
        literals.push(Buffer.from(content));
        pending += text + '\r\n' + content.toString('utf8');
        pos = nl + 1 + size;
        continue;
      }
      const line = pending + text;
      pending = '';
      pos = nl + 1;
      lines.push(line);
      if (/^(OK|NO|BYE)\b/.test(line)) {
        this.buffer = this.buffer.subarray(pos);
        return { lines, status: line, literals };
      }
    }
  }

  /** Send one command line (CRLF added) and read its response. */
  async command(line: string | Buffer): Promise<Response> {
    this.send(typeof line === 'string' ? `${line}\r\n` : Buffer.concat([line, Buffer.from('\r\n')]));
    return this.response();
  }

  async login(user = 'fred', password = 'pass', authzid = ''): Promise<Response> {
    const initial = Buffer.from(`${authzid}\0${user}\0${password}`).toString('base64');
    return this.command(`AUTHENTICATE "PLAIN" "${initial}"`);
  }

  /** Wait until the server closes the connection. */
  async closedByServer(ms = 20_000): Promise<void> {
    while (!this.closed) await this.more(ms).catch(() => {
      if (!this.closed) throw new Error('server did not close the connection');
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A literal argument: {N+}CRLF and the bytes. */
export function literal(content: string | Buffer, sync = false): Buffer {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return Buffer.concat([Buffer.from(`{${bytes.length}${sync ? '' : '+'}}\r\n`), bytes]);
}
