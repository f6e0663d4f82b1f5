// Connection plumbing the IMAP, POP3 and LMTP sessions share: the three socket listeners a session
// keeps, and moving them onto a server-side TLS socket when the client asks for STARTTLS/STLS.
import type { Duplex } from 'node:stream';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from './log.js';

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
  const secure = new TLSSocket(plain as never, { isServer: true, secureContext: secureContext ?? undefined });
  attachSocket(secure, listeners);
  return secure;
}

/** Resolves when the handshake succeeds or fails (a failure arrives as an error and a close). */
export function tlsHandshake(secure: TLSSocket): Promise<void> {
  return new Promise<void>((resolve) => {
    secure.once('secure', resolve);
    secure.once('error', () => resolve());
  });
}
