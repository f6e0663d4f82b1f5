/**
 * One connection from a Murder frontend to a backend's IMAP service, for one client session: the
 * greeting, AUTHENTICATE PLAIN as the proxy login acting for the user, then commands one at a time
 * with tags of its own. Untagged responses go to the running command's handler as they arrive.
 */
import { connect, type Socket } from 'node:net';
import type { Logger } from '../../common/index.js';
import { LinkTlsError, startLinkTls, wantStartTls, type LinkTls } from '../../murder/index.js';
import { ResponseFramer, type BackendResponse } from './responses.js';

export type TaggedResponse = Extract<BackendResponse, { kind: 'tagged' }>;

/** A piece of a command for the backend: text as is, or a literal's bytes (sent with a marker of its own). */
export type CommandPiece = { kind: 'text'; bytes: Buffer } | { kind: 'literal'; bytes: Buffer; binary: boolean };

export interface CommandHandlers {
  /** An untagged response, as the backend sent it (CRLF and literals included). */
  onUntagged?(bytes: Buffer): void;
  /** A continuation the command did not ask for itself (IDLE): the bytes to send next, or null to stop. */
  onContinuation?(text: string): Promise<Buffer | null>;
}

/** Why the backend cannot be used: not reachable, or it refused the proxy login. */
export class BackendUnavailable extends Error {}

interface Running {
  tag: string;
  handlers: CommandHandlers;
  /** Literal bytes and the text after them, still to send after the backend's `+` (no LITERAL+). */
  waiting: Buffer[];
  resolve(result: TaggedResponse): void;
  reject(err: Error): void;
}

export interface BackendLogin {
  authname: string;
  password: string;
  /** The user the frontend acts for (SASL authorization id). */
  userid: string;
}

/** Connecting, the greeting and the proxy login must be done within this (ms). */
const CONNECT_TIMEOUT_MS = 10_000;
/** A backend that does not close the connection this long after LOGOUT is cut off (ms). */
const LOGOUT_WAIT_MS = 5_000;

export class BackendConnection {
  private framer = new ResponseFramer();
  private running: Running | null = null;
  private nextTag = 1;
  private closed = false;
  private capabilities = new Set<string>();
  /** Extensions ENABLEd on the backend so far. */
  readonly enabled = new Set<string>();
  private closeListeners: Array<() => void> = [];
  private queue: Promise<void> = Promise.resolve();
  /** The backend's greeting once read; who waits for it. */
  private greetingLine: string | null = null;
  private greetingWaiter: ((line: string) => void) | null = null;
  /** The connection runs over TLS (STARTTLS before the login). */
  secure = false;

  private readonly onDataListener = (chunk: Buffer): void => this.onData(chunk);
  private readonly onErrorListener = (err: Error): void => this.log.warn({ err, backend: this.server }, 'backend connection failed');
  private readonly onCloseListener = (): void => this.ended();

  private constructor(
    readonly server: string,
    private socket: Socket,
    private readonly log: Logger,
  ) {
    this.attach(socket);
  }

  private attach(socket: Socket): void {
    socket.on('data', this.onDataListener);
    socket.on('error', this.onErrorListener);
    socket.on('close', this.onCloseListener);
  }

  /** STARTTLS and the handshake; the capabilities are forgotten (asked again after the login). */
  private async startTls(tls: LinkTls, host: string, timeoutMs: number): Promise<void> {
    const answer = await this.command([{ kind: 'text', bytes: Buffer.from('STARTTLS') }]);
    if (answer.status !== 'OK') throw new LinkTlsError(`backend ${this.server} refused STARTTLS: ${answer.status} ${answer.text}`);
    const plain = this.socket;
    plain.off('data', this.onDataListener);
    plain.off('error', this.onErrorListener);
    plain.off('close', this.onCloseListener);
    try {
      this.socket = await startLinkTls(plain, tls, host, timeoutMs);
    } catch (err) {
      this.ended();
      throw err;
    }
    // Bytes sent in the clear after the OK are not taken as said under TLS.
    this.framer = new ResponseFramer();
    this.attach(this.socket);
    this.secure = true;
    this.capabilities = new Set();
  }

  /**
   * Connect, read the greeting, STARTTLS when `tls` says so (murder_tls, link-tls.ts), and log in;
   * BackendUnavailable when any of it fails (LinkTlsError's text when it was TLS).
   */
  static async open(server: string, address: { host: string; port: number }, login: BackendLogin, log: Logger, tls?: LinkTls): Promise<BackendConnection> {
    const socket = connect({ host: address.host, port: address.port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => socket.destroy(new Error('timed out')), CONNECT_TIMEOUT_MS);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
    } catch (err) {
      clearTimeout(timer);
      throw new BackendUnavailable(`cannot connect to ${address.host}:${address.port}: ${(err as Error).message}`);
    }
    const connection = new BackendConnection(server, socket, log);
    try {
      const greeting = await connection.greeting();
      if (!/^\* OK\b/i.test(greeting)) throw new BackendUnavailable(`backend greeting: ${greeting.slice(0, 200)}`);
      connection.noteCapabilities(greeting);
      if (tls !== undefined && tls.mode !== 'off') {
        if (connection.capabilities.size === 0) {
          await connection.command([{ kind: 'text', bytes: Buffer.from('CAPABILITY') }], { onUntagged: (bytes) => connection.noteCapabilities(bytes.toString('latin1')) });
        }
        if (wantStartTls(tls, connection.hasCapability('STARTTLS'), `backend ${server}`)) await connection.startTls(tls, address.host, CONNECT_TIMEOUT_MS);
      }
      const plain = Buffer.from(`${login.userid}\0${login.authname}\0${login.password}`, 'utf8').toString('base64');
      const answer = await connection.command([{ kind: 'text', bytes: Buffer.from(`AUTHENTICATE PLAIN ${plain}`) }]);
      if (answer.status !== 'OK') throw new BackendUnavailable(`backend refused the proxy login: ${answer.status} ${answer.text}`);
      if (answer.code?.toUpperCase().startsWith('CAPABILITY ')) connection.noteCapabilities(`[${answer.code}]`);
      else await connection.command([{ kind: 'text', bytes: Buffer.from('CAPABILITY') }], { onUntagged: (bytes) => connection.noteCapabilities(bytes.toString('latin1')) });
      return connection;
    } catch (err) {
      connection.close();
      if (err instanceof BackendUnavailable) throw err;
      if (err instanceof LinkTlsError) {
        log.error({ backend: server, err: err.message }, 'TLS to the backend failed: not used');
        throw new BackendUnavailable(err.message);
      }
      throw new BackendUnavailable(`backend ${server}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  hasCapability(name: string): boolean {
    return this.capabilities.has(name.toUpperCase());
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  private greeting(): Promise<string> {
    if (this.greetingLine !== null) return Promise.resolve(this.greetingLine);
    return new Promise((resolve, reject) => {
      this.greetingWaiter = resolve;
      this.onClose(() => reject(new BackendUnavailable(`backend ${this.server} closed the connection`)));
    });
  }

  private noteCapabilities(text: string): void {
    const m = /CAPABILITY ([^\]\r\n]*)/i.exec(text);
    if (m) this.capabilities = new Set(m[1]!.trim().toUpperCase().split(/\s+/));
  }

  /**
   * Send one command (the tag is added here) and wait for its tagged response. Literals go as
   * LITERAL+ when the backend offers it, else each waits for the backend's `+`.
   */
  command(pieces: readonly CommandPiece[], handlers: CommandHandlers = {}): Promise<TaggedResponse> {
    // One at a time: a command sent while another runs (the quiet UNSELECT of a selection left) waits its turn.
    const run = this.queue.then(() => this.send(pieces, handlers));
    this.queue = run.then(noop, noop);
    return run;
  }

  private send(pieces: readonly CommandPiece[], handlers: CommandHandlers): Promise<TaggedResponse> {
    if (this.closed) return Promise.reject(new BackendUnavailable(`backend ${this.server} closed the connection`));
    if (this.running !== null) return Promise.reject(new Error('backend command already running'));
    const tag = `P${this.nextTag++}`;
    const nonSync = this.capabilities.has('LITERAL+');
    const segments: Buffer[][] = [[Buffer.from(`${tag} `)]];
    for (const piece of pieces) {
      const current = segments[segments.length - 1]!;
      if (piece.kind === 'text') {
        current.push(piece.bytes);
        continue;
      }
      current.push(Buffer.from(`${piece.binary ? '~' : ''}{${piece.bytes.length}${nonSync ? '+' : ''}}\r\n`));
      if (nonSync) current.push(piece.bytes);
      else segments.push([piece.bytes]);
    }
    segments[segments.length - 1]!.push(Buffer.from('\r\n'));
    const [first, ...rest] = segments.map((parts) => Buffer.concat(parts));
    return new Promise<TaggedResponse>((resolve, reject) => {
      this.running = { tag, handlers, waiting: rest, resolve, reject };
      this.socket.write(first!);
    });
  }

  /** Send bytes as they are (IDLE's DONE). */
  write(bytes: Buffer): void {
    if (!this.closed) this.socket.write(bytes);
  }

  /** Stop reading from the backend until resume() (the client reads slower than the backend sends). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  private onData(chunk: Buffer): void {
    // After close(): the answers to the LOGOUT are not read.
    if (this.closed) return;
    this.framer.push(chunk);
    if (this.greetingLine === null) {
      const first = this.framer.next();
      if (first === null) return;
      this.greetingLine = first.kind === 'untagged' ? first.bytes.toString('utf8').trimEnd() : '';
      this.greetingWaiter?.(this.greetingLine);
      this.greetingWaiter = null;
    }
    this.drain();
  }

  private drain(): void {
    for (let response = this.framer.next(); response !== null; response = this.framer.next()) this.dispatch(response);
  }

  private dispatch(response: BackendResponse): void {
    const running = this.running;
    switch (response.kind) {
      case 'untagged':
        if (running?.handlers.onUntagged) running.handlers.onUntagged(response.bytes);
        else if (/^\* BYE\b/i.test(response.bytes.toString('latin1', 0, 8))) this.log.info({ backend: this.server, text: response.bytes.toString('utf8').trimEnd() }, 'backend said BYE');
        return;
      case 'continuation': {
        if (running === null) return;
        const next = running.waiting.shift();
        if (next !== undefined) {
          this.socket.write(next);
          return;
        }
        const ask = running.handlers.onContinuation;
        if (!ask) {
          // Nothing to send: end the command (the backend reads a bare line as the end of it).
          this.socket.write('\r\n');
          return;
        }
        void ask(response.text).then((bytes) => {
          if (bytes === null) this.close();
          else this.write(bytes);
        });
        return;
      }
      case 'tagged':
        if (running === null || response.tag !== running.tag) {
          this.log.warn({ backend: this.server, tag: response.tag }, 'backend answered a tag not sent');
          return;
        }
        this.running = null;
        running.resolve(response);
    }
  }

  private ended(): void {
    if (this.closed) return;
    this.closed = true;
    const running = this.running;
    this.running = null;
    running?.reject(new BackendUnavailable(`backend ${this.server} closed the connection`));
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  /** Log out politely and close (the socket is destroyed if the backend does not close it soon). */
  close(): void {
    if (this.closed) return;
    if (this.running === null && this.greetingLine !== null) {
      this.socket.end(`P${this.nextTag++} LOGOUT\r\n`);
      setTimeout(() => this.socket.destroy(), LOGOUT_WAIT_MS).unref();
    } else this.socket.destroy();
    this.ended();
  }
}

function noop(): void {}
