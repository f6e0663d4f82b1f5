/**
 * A frontend's plain TCP connection to a backend's service (POP3, LMTP): connect with a time
 * limit, read reply lines one at a time, write commands, and hand the connection over for a
 * byte-for-byte relay with whatever was read past the last line. startTls() moves it onto TLS
 * after the protocol's own STARTTLS exchange (link-tls.ts decides and verifies).
 */
import { connect, type Socket } from 'node:net';
import { startLinkTls, type LinkTls } from './link-tls.js';

/** Why talking to a backend failed: it is not reachable, it hung up, or it did not answer in time. */
export class BackendError extends Error {
  constructor(readonly reason: 'connect' | 'closed' | 'timeout', message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

export interface BackendLinkOptions {
  host: string;
  port: number;
  /** Give up connecting, or waiting for one line, after this long (ms). */
  timeoutMs: number;
}

const LF = 0x0a;
/** A reply line longer than this is a broken backend. */
const MAX_LINE = 64 * 1024;

export class BackendLink {
  private buffer: Buffer = Buffer.alloc(0);
  private closedBy: BackendError | null = null;
  private waiter: (() => void) | null = null;
  private released = false;
  /** The link runs over TLS. */
  secure = false;

  private constructor(
    private currentSocket: Socket,
    private readonly timeoutMs: number,
  ) {
    this.attach(currentSocket);
  }

  /** The connection (the TLS one after startTls()). */
  get socket(): Socket {
    return this.currentSocket;
  }

  private attach(socket: Socket): void {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  /**
   * The TLS handshake, once the peer answered its protocol's STARTTLS with yes; LinkTlsError
   * (and the link closed) when it fails or the certificate does not verify.
   */
  async startTls(tls: LinkTls, host: string): Promise<void> {
    const plain = this.currentSocket;
    plain.off('data', this.onData);
    plain.off('error', this.onError);
    plain.off('close', this.onClose);
    this.buffer = Buffer.alloc(0);
    try {
      this.currentSocket = await startLinkTls(plain, tls, host, this.timeoutMs);
    } catch (err) {
      this.closedBy ??= new BackendError('closed', (err as Error).message);
      throw err;
    }
    this.attach(this.currentSocket);
    this.secure = true;
  }

  static open(options: BackendLinkOptions): Promise<BackendLink> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: options.host, port: options.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new BackendError('timeout', `no connection to ${options.host}:${options.port} in time`));
      }, options.timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new BackendError('connect', `cannot connect to ${options.host}:${options.port}: ${err.message}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        resolve(new BackendLink(socket, options.timeoutMs));
      });
    });
  }

  private readonly onData = (chunk: Buffer): void => {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    this.wake();
  };

  private readonly onError = (err: Error): void => {
    this.closedBy ??= new BackendError('closed', `backend connection failed: ${err.message}`);
  };

  private readonly onClose = (): void => {
    this.closedBy ??= new BackendError('closed', 'backend closed the connection');
    this.wake();
  };

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  get closed(): boolean {
    return this.closedBy !== null;
  }

  /** The next line (latin1, without CR LF); BackendError when the backend is gone or silent for timeoutMs. */
  async readLine(timeoutMs = this.timeoutMs): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const nl = this.buffer.indexOf(LF);
      if (nl >= 0) {
        const end = nl > 0 && this.buffer[nl - 1] === 0x0d ? nl - 1 : nl;
        const line = this.buffer.toString('latin1', 0, end);
        this.buffer = this.buffer.subarray(nl + 1);
        return line;
      }
      if (this.buffer.length > MAX_LINE) {
        this.close();
        throw new BackendError('closed', 'backend sent an over-long line');
      }
      if (this.closedBy) throw this.closedBy;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.close();
        throw new BackendError('timeout', 'backend did not answer in time');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(data);
  }

  /**
   * Stop reading lines: the caller takes the socket over (a relay). Returns the bytes read past the
   * last line, which belong to what follows.
   */
  release(): Buffer {
    this.released = true;
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onClose);
    const rest = this.buffer;
    this.buffer = Buffer.alloc(0);
    return rest;
  }

  /** Close at once (what was written before goes out when the socket can still send it). */
  close(): void {
    this.closedBy ??= new BackendError('closed', 'backend connection closed');
    if (!this.released) this.socket.off('data', this.onData);
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), 1000);
    timer.unref();
  }
}

/** SASL PLAIN's message (RFC 4616): "authzid NUL authcid NUL password", base64. */
export function saslPlain(authzid: string, authname: string, password: string): string {
  return Buffer.from(`${authzid}\0${authname}\0${password}`, 'utf8').toString('base64');
}
