/**
 * A client of a mupdate server (RFC 3656): connects, reads the greeting, logs in with SASL PLAIN
 * (the initial response sent with the command), then sends tagged commands, pipelined, each
 * settled by its tagged OK / NO / BAD. After UPDATE the connection streams: every data line with
 * the UPDATE's tag is an event. Used by backends (to push their list) and by the slave mupdate.
 */
import { connect, type Socket } from 'node:net';
import { startLinkTls, wantStartTls, type LinkTls } from './link-tls.js';
import { MupdateError, type MupdateConnectOptions, type MupdateConnection, type MupdateEvent, type MupdateRecord } from './types.js';
import type { MurderSettings } from './settings.js';
import { LineReader, type Word } from './wire/reader.js';
import { parseEventWords } from './wire/records.js';
import { commandLine } from './wire/writer.js';

const DEFAULT_TIMEOUT_MS = 10_000;
/** Large enough for any mailbox name, location and ACL. */
const CLIENT_LIMITS = { maxLineLength: 1024 * 1024, maxLiteral: 16 * 1024 * 1024, maxLiterals: 64 };

interface Pending {
  tag: string;
  records: MupdateRecord[];
  resolve(records: MupdateRecord[]): void;
  reject(err: MupdateError): void;
}

interface Stream {
  tag: string;
  onEvent(event: MupdateEvent): void;
  onSynced?: () => void;
  synced: boolean;
}

function statusText(words: readonly Word[]): string {
  return words.slice(2).map((w) => w.text).join(' ');
}

class Connection implements MupdateConnection {
  private reader = new LineReader(CLIENT_LIMITS);
  private readonly pending = new Map<string, Pending>();
  private nextTag = 1;
  private stream: Stream | null = null;
  private closeListeners: ((err: Error | null) => void)[] = [];
  private ended = false;
  private closing = false;
  private timer: NodeJS.Timeout | null = null;
  /** Resolves with the greeting's end (null) or fails when the server refuses. */
  private greetingWaiter: { resolve(): void; reject(err: MupdateError): void } | null = null;
  private greeted = false;
  /** The greeting listed STARTTLS. */
  starttlsOffered = false;
  /** The connection runs over TLS. */
  secure = false;

  private readonly onDataListener = (chunk: Buffer): void => this.onData(chunk);
  private readonly onErrorListener = (err: Error): void => this.end(new MupdateError('connection', err.message));
  private readonly onCloseListener = (): void => this.end(new MupdateError('connection', 'connection closed'));

  constructor(private socket: Socket, private readonly timeoutMs: number) {
    this.attach(socket);
  }

  private attach(socket: Socket): void {
    socket.on('data', this.onDataListener);
    socket.on('error', this.onErrorListener);
    socket.on('close', this.onCloseListener);
  }

  /** STARTTLS, the handshake, then the greeting again (RFC 3656 5.1); MupdateError when any of it fails. */
  async startTls(tls: LinkTls, host: string): Promise<void> {
    try {
      await this.send('STARTTLS', []);
    } catch (err) {
      throw new MupdateError('tls', `mupdate ${host} refused STARTTLS: ${(err as Error).message}`);
    }
    const plain = this.socket;
    plain.off('data', this.onDataListener);
    plain.off('error', this.onErrorListener);
    plain.off('close', this.onCloseListener);
    try {
      this.socket = await startLinkTls(plain, tls, host, this.timeoutMs);
    } catch (err) {
      this.end(new MupdateError('tls', (err as Error).message));
      throw new MupdateError('tls', (err as Error).message);
    }
    // Bytes sent in the clear after the OK are not taken as said under TLS.
    this.reader = new LineReader(CLIENT_LIMITS);
    this.secure = true;
    this.greeted = false;
    this.starttlsOffered = false;
    this.attach(this.socket);
    await this.waitGreeting();
  }

  waitGreeting(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.greetingWaiter = { resolve, reject };
      this.armTimer();
    });
  }

  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.ended) return;
    if (this.pending.size === 0 && this.greeted) return;
    this.timer = setTimeout(() => this.end(new MupdateError('connection', 'timed out waiting for the mupdate server')), this.timeoutMs);
    this.timer.unref?.();
  }

  private onData(chunk: Buffer): void {
    this.reader.push(chunk);
    try {
      for (let event = this.reader.next(); event !== null; event = this.reader.next()) {
        if (event.kind === 'line') this.onLine(event.words);
        else if (event.kind !== 'continue') throw new MupdateError('connection', `unreadable answer from the mupdate server (${event.kind})`);
        if (this.ended) return;
      }
    } catch (err) {
      this.end(err instanceof MupdateError ? err : new MupdateError('connection', String(err)));
      return;
    }
    // Re-armed while replies are awaited; cleared once none is (a stream may then be quiet for hours).
    this.armTimer();
  }

  private onLine(words: Word[]): void {
    const tag = words[0]?.text ?? '';
    const kind = words[1]?.kind === 'atom' ? words[1].text.toUpperCase() : '';
    if (tag === '*') {
      if (kind === 'STARTTLS' && !this.greeted) this.starttlsOffered = true;
      if (kind === 'BYE') throw new MupdateError('connection', `mupdate server said BYE: ${statusText(words)}`);
      if (kind === 'OK' && !this.greeted) {
        this.greeted = true;
        this.greetingWaiter?.resolve();
        this.greetingWaiter = null;
      }
      return;
    }
    if (tag === '+') return;
    if (kind === 'OK' || kind === 'NO' || kind === 'BAD') {
      const pending = this.pending.get(tag);
      if (!pending) return;
      this.pending.delete(tag);
      if (kind === 'OK') {
        if (this.stream?.tag === tag && !this.stream.synced) {
          this.stream.synced = true;
          this.stream.onSynced?.();
        }
        pending.resolve(pending.records);
      } else {
        if (this.stream?.tag === tag) this.stream = null;
        pending.reject(new MupdateError(kind === 'NO' ? 'no' : 'bad', statusText(words)));
      }
      return;
    }
    const event = parseEventWords(words.slice(1));
    if (event === null) throw new MupdateError('connection', `unexpected line from the mupdate server: ${kind}`);
    if (this.stream?.tag === tag) {
      this.stream.onEvent(event);
      return;
    }
    const pending = this.pending.get(tag);
    if (pending && event.kind !== 'delete') pending.records.push(event);
  }

  private end(err: MupdateError): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket.destroy();
    this.greetingWaiter?.reject(err);
    this.greetingWaiter = null;
    for (const pending of this.pending.values()) pending.reject(err);
    this.pending.clear();
    if (!this.closing) for (const listener of this.closeListeners) listener(err);
    this.closeListeners = [];
  }

  /** Send one command; settles with its tagged answer and the data lines before it. */
  send(command: string, args: readonly string[], tag = `${this.nextTag++}`): Promise<MupdateRecord[]> {
    if (this.ended || this.closing) return Promise.reject(new MupdateError('connection', 'connection closed'));
    return new Promise((resolve, reject) => {
      this.pending.set(tag, { tag, records: [], resolve, reject });
      this.socket.write(commandLine(tag, command, args));
      this.armTimer();
    });
  }

  async find(name: string): Promise<MupdateRecord | null> {
    const records = await this.send('FIND', [name]);
    return records.find((r) => r.name === name) ?? records[0] ?? null;
  }

  list(server?: string): Promise<MupdateRecord[]> {
    return this.send('LIST', server === undefined ? [] : [server]);
  }

  async activate(name: string, location: string, acl: string): Promise<void> {
    await this.send('ACTIVATE', [name, location, acl]);
  }

  async reserve(name: string, location: string): Promise<void> {
    await this.send('RESERVE', [name, location]);
  }

  async delete(name: string): Promise<void> {
    await this.send('DELETE', [name]);
  }

  async noop(): Promise<void> {
    await this.send('NOOP', []);
  }

  async update(onEvent: (event: MupdateEvent) => void, onSynced?: () => void): Promise<void> {
    if (this.stream) throw new MupdateError('bad', 'already streaming');
    const tag = `${this.nextTag++}`;
    this.stream = { tag, onEvent, onSynced, synced: false };
    await this.send('UPDATE', [], tag);
  }

  onClose(listener: (err: Error | null) => void): void {
    if (this.ended) {
      if (!this.closing) queueMicrotask(() => listener(new MupdateError('connection', 'connection closed')));
      return;
    }
    this.closeListeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.ended || this.closing) return;
    const logout = this.send('LOGOUT', []).catch(() => []);
    this.closing = true;
    const done = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    await Promise.race([logout, done]);
    this.end(new MupdateError('connection', 'connection closed'));
  }

  async login(options: MupdateConnectOptions): Promise<void> {
    const response = Buffer.from(`${options.authzid ?? ''}\0${options.authname}\0${options.password}`, 'utf8').toString('base64');
    try {
      await this.send('AUTHENTICATE', ['PLAIN', response]);
    } catch (err) {
      if (err instanceof MupdateError && (err.reason === 'no' || err.reason === 'bad')) {
        throw new MupdateError('auth', `mupdate login as ${options.authname} refused: ${err.message}`);
      }
      throw err;
    }
  }
}

/**
 * How this server reaches its mupdate master (mupdate_server, its login, the link's TLS); throws
 * MupdateError 'connection' without mupdate_server, 'auth' without mupdate_authname/_password.
 */
export function mupdateConnectOptions(settings: MurderSettings): MupdateConnectOptions {
  if (settings.mupdateServer === null) throw new MupdateError('connection', 'mupdate_server is not set');
  const login = settings.mupdateLogin;
  if (login === null) throw new MupdateError('auth', 'mupdate_authname and mupdate_password are not set');
  return {
    host: settings.mupdateServer,
    port: settings.mupdatePort,
    authname: login.authname,
    ...(login.authzid === '' ? {} : { authzid: login.authzid }),
    password: login.password,
    tls: settings.linkTls,
  };
}

/** Connect to a mupdate server and log in; fails with MupdateError ('connection' or 'auth'). */
export async function connectMupdate(options: MupdateConnectOptions): Promise<MupdateConnection> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host: options.host, port: options.port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new MupdateError('connection', `connecting to mupdate ${options.host}:${options.port} timed out`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(new MupdateError('connection', `cannot connect to mupdate ${options.host}:${options.port}: ${err.message}`));
    });
  });
  socket.setNoDelay(true);
  // A stream may be silent for hours: TCP keepalive finds a master that vanished without a FIN.
  socket.setKeepAlive(true, 60_000);
  const connection = new Connection(socket, timeoutMs);
  try {
    await connection.waitGreeting();
    const tls = options.tls;
    let upgrade = false;
    try {
      upgrade = tls !== undefined && wantStartTls(tls, connection.starttlsOffered, `mupdate ${options.host}:${options.port}`);
    } catch (err) {
      throw new MupdateError('tls', (err as Error).message);
    }
    if (upgrade) await connection.startTls(tls!, options.host);
    await connection.login(options);
  } catch (err) {
    await connection.close().catch(() => undefined);
    socket.destroy();
    throw err;
  }
  return connection;
}
