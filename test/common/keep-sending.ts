/**
 * A raw client that will not stop: it sends an opening, then keeps writing `chunk` (respecting
 * back-pressure) after the server has answered and half-closed, as an attacker does. It reads
 * what the server says (a FIN from the server does not end its own side: allowHalfOpen). Used by
 * the wire tests that check a server hangs up on such a client instead of reading on.
 */
import { createConnection } from 'node:net';

export interface KeepSendingResult {
  /** Everything the server sent, latin1. */
  received: string;
  /** Bytes this client wrote after the opening. */
  written: number;
  /** The server closed (or reset) the connection before `limit` bytes were written plus a grace period. */
  closed: boolean;
  /** The server's FIN arrived (all it sent was read). */
  ended: boolean;
}

/**
 * `limit` bounds the bytes written when the server reads on forever; a server that stops reading
 * without closing is given up on after `waitMs` (the result says `closed: false`, no test timeout).
 */
export async function keepSending(port: number, opening: string, chunk: Buffer, limit: number, waitMs = 8000): Promise<KeepSendingResult> {
  const socket = createConnection({ port, host: '127.0.0.1', allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let received = '';
  let closed = false;
  let ended = false;
  socket.on('end', () => (ended = true));
  socket.setEncoding('latin1');
  socket.on('data', (text: string) => (received += text));
  socket.on('error', () => undefined);
  const onClose = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void onClose.then(() => (closed = true));
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
  let gaveUp = false;
  void giveUp.then(() => (gaveUp = true));
  socket.write(opening);
  let written = 0;
  while (!closed && !gaveUp && written < limit) {
    written += chunk.length;
    if (!socket.write(chunk)) await Promise.race([new Promise<void>((resolve) => socket.once('drain', resolve)), onClose, giveUp]);
  }
  // A client that sends nothing more gets a FIN and no reset: wait for either.
  const over = limit === 0 ? new Promise<void>((resolve) => socket.once('end', () => resolve())) : onClose;
  if (!closed && !(limit === 0 && ended)) await Promise.race([over, giveUp]);
  clearTimeout(timer);
  socket.destroy();
  return { received, written, closed, ended };
}
