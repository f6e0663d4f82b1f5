// Connection plumbing the IMAP, POP3 and LMTP sessions share: the three socket listeners a session
// keeps, and moving them onto a server-side TLS socket when the client asks for STARTTLS/STLS.
import type { Duplex } from 'node:stream';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from './log.js';
import { tlsSocketOptions } from './server-files.js';

/** The listeners a session keeps on its connection; the same function objects must be used to detach. */
export interface SocketListeners {
  readonly onData: (chunk: Buffer) => void;
  readonly onError: (err: Error) => void;
  readonly onClose: () => void;
}

/** The usual listeners: a socket error is only logged (a close follows it); a close ends the session. */
export function sessionListeners(log: Logger, onData: (chunk: Buffer) => void, onClosed: () => void): SocketListeners {
  return {
    onData,
    onError: (err) => log.debug({ err: err.message }, 'socket error'),
    onClose: onClosed,
  };
}

export function attachSocket(socket: Duplex, listeners: SocketListeners): void {
  socket.on('data', listeners.onData);
  socket.on('error', listeners.onError);
  socket.on('close', listeners.onClose);
}

export function detachSocket(socket: Duplex, listeners: SocketListeners): void {
  socket.off('data', listeners.onData);
  socket.off('error', listeners.onError);
  socket.off('close', listeners.onClose);
}

/**
 * Wrap the plaintext socket in a server-side TLS socket and move the listeners onto it. The caller
 * discards its buffered plaintext input and then awaits `tlsHandshake`.
 */
export function swapToTls(plain: Duplex, listeners: SocketListeners, secureContext: SecureContext | null): TLSSocket {
  detachSocket(plain, listeners);
  const secure = serverTlsSocket(plain, secureContext);
  attachSocket(secure, listeners);
  return secure;
}

/**
 * A server-side TLS socket over `plain` (STARTTLS and TLS on connect alike), asking for a client
 * certificate as the context says (tlsSocketOptions). A client that presents a certificate that
 * does not verify is disconnected as soon as the handshake ends, before anything is read from it:
 * Cyrus fails such a handshake under "optional" and "require" alike.
 */
export function serverTlsSocket(plain: Duplex, secureContext: SecureContext | null): TLSSocket {
  const options = tlsSocketOptions(secureContext);
  const secure = new TLSSocket(plain as never, options);
  if (options.requestCert) {
    secure.once('secure', () => {
      if (certificateState(secure) === 'unverified') secure.destroy();
    });
  }
  return secure;
}

/** OpenSSL's verdict on the client's certificate (Node keeps it on the socket's handle). */
interface VerifyingHandle {
  verifyError(): { code?: string } | null | undefined;
}

function certificateState(secure: TLSSocket): 'none' | 'verified' | 'unverified' {
  const peer = secure.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) return 'none';
  const handle = (secure as unknown as { ssl?: VerifyingHandle | null }).ssl;
  if (!handle || typeof handle.verifyError !== 'function') return 'unverified';
  return handle.verifyError() ? 'unverified' : 'verified';
}

/**
 * The identity a verified client certificate gives (its subject's common name, as Cyrus takes it),
 * once the handshake is over; null without a certificate, with one that did not verify or that
 * names no CN.
 */
export function clientCertificateIdentity(secure: TLSSocket): string | null {
  if (secure.destroyed || certificateState(secure) !== 'verified') return null;
  const cn = secure.getPeerCertificate().subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  return typeof name === 'string' && name !== '' ? name : null;
}

/**
 * How long a connection the server has ended stays open before it is destroyed: time for an
 * honest client to read the last answer, bounded so that a client that keeps sending (or never
 * reads) cannot hold the connection, its socket and its session.
 */
export const HANG_UP_LINGER_MS = 1000;

/** Sockets already being hung up (one end, one timer). */
const hungUp = new WeakSet<Duplex>();

/**
 * The server ends the connection (a fatal protocol error, too many errors, a timeout, logout,
 * shutdown). What the session wrote before this call goes out first, then a FIN. From this call
 * on nothing the client sends is read: the session's data listener is detached and the socket is
 * paused, so the bytes stay in the kernel's receive buffer (and stop the client there) instead of
 * being read and dropped by the event loop. The socket is destroyed after `lingerMs` (a client
 * that closes first is not waited for). Safe to call twice.
 */
export function hangUp(socket: Duplex, listeners: SocketListeners, lingerMs = HANG_UP_LINGER_MS): void {
  socket.off('data', listeners.onData);
  socket.pause();
  if (socket.destroyed || hungUp.has(socket)) return;
  hungUp.add(socket);
  if (socket.writable) socket.end();
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** Resolves when the handshake succeeds or fails (a failure arrives as an error and a close). */
export function tlsHandshake(secure: TLSSocket): Promise<void> {
  return new Promise<void>((resolve) => {
    secure.once('secure', resolve);
    secure.once('error', () => resolve());
  });
}

/** Resolves when `socket` can take more data ('drain') or closed: a writer waits here after write() said full. */
export function drained(socket: Duplex): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

/** The part of Node's TCP handle that stopReading uses (internal to Node, stable since its early versions). */
interface ReadingHandle {
  readStop(): number;
  readStart(): number;
  /** Node's own mark of a started read: cleared with the stop, so that a later resume() starts it again. */
  reading: boolean;
}

/**
 * Stop reading `socket` for good, before its descriptor is sent to another process, and return what
 * Node read from it that no listener took (a paused socket still holds it). null: not a socket this
 * can stop (no TCP or pipe handle, e.g. a TLS socket); nothing was changed then.
 *
 * pause() alone does not stop a TCP socket: Node goes on reading into its buffer up to the high-water
 * mark, and once the descriptor is sent those bytes would be lost. Stopping the handle's read leaves
 * every later byte in the kernel's receive buffer, where the next owner of the descriptor finds it.
 * Reading the buffer may start the handle again, so the stop comes after it, in the same turn: the
 * event loop cannot read in between.
 */
export function stopReading(socket: Duplex): Buffer[] | null {
  const handle = (socket as unknown as { _handle?: Partial<ReadingHandle> | null })._handle;
  if (!handle || typeof handle.readStop !== 'function' || socket.destroyed) return null;
  socket.pause();
  const early: Buffer[] = [];
  for (let chunk: unknown; (chunk = socket.read()) !== null; ) early.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  handle.readStop();
  handle.reading = false;
  return early;
}

/**
 * Read `socket` again after stopReading when it is not sent away after all. resume() alone may not
 * start the handle again: the read() that drained Node's buffer can leave the stream waiting on a
 * read it thinks is under way, and nothing more would be read.
 */
export function restartReading(socket: Duplex): void {
  const handle = (socket as unknown as { _handle?: Partial<ReadingHandle> | null })._handle;
  if (handle && typeof handle.readStart === 'function' && !socket.destroyed && handle.reading === false) {
    handle.reading = true;
    handle.readStart();
  }
  socket.resume();
}

/** What LiveSessions needs of a session. */
export interface LiveSession {
  start(): void;
  shutdown(): Promise<void> | void;
}

/**
 * The live sessions of one protocol server in a process (POP3, ManageSieve): each connection's
 * session is counted from its start until its close, and a shutdown lets them end by themselves
 * until a deadline before closing the rest.
 */
export class LiveSessions<S extends LiveSession> {
  private readonly sessions = new Set<S>();

  get size(): number {
    return this.sessions.size;
  }

  /** The live sessions (a sweep over them, e.g. the deny list's). */
  [Symbol.iterator](): IterableIterator<S> {
    return this.sessions.values();
  }

  /** Make (with the close callback it must call), count and start the session of `socket`. */
  open(socket: Duplex, make: (onClose: () => void) => S, onClose?: () => void): S {
    if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
    const session: S = make(() => {
      this.sessions.delete(session);
      onClose?.();
    });
    this.sessions.add(session);
    session.start();
    return session;
  }

  /** Wait until every session ended or `deadlineMs` (epoch ms) passed, then shut the rest down. */
  async drain(deadlineMs: number): Promise<void> {
    while (this.sessions.size > 0 && Date.now() < deadlineMs) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(1, deadlineMs - Date.now()))));
    }
    await Promise.all([...this.sessions].map((s) => s.shutdown()));
  }
}
