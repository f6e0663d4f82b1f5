import type net from 'node:net';

/**
 * The live connections of one service program in a worker, for activeConnections() and for a
 * shutdown that lets sessions end by themselves until a deadline and then closes the rest.
 */
export class ConnectionSet {
  private readonly sockets = new Set<net.Socket>();
  private readonly emptied = new Set<() => void>();

  add(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      if (this.sockets.size === 0) for (const wake of this.emptied) wake();
    });
  }

  get size(): number {
    return this.sockets.size;
  }

  /** Wait for every connection to close; at `deadlineMs` write `farewell` (if any) and close the rest. */
  drain(deadlineMs: number, farewell?: string): Promise<void> {
    if (this.sockets.size === 0) return Promise.resolve();
    return new Promise((resolvePromise) => {
      const done = () => {
        clearTimeout(timer);
        this.emptied.delete(done);
        resolvePromise();
      };
      const timer = setTimeout(() => {
        for (const socket of this.sockets) {
          if (farewell && socket.writable) socket.end(farewell);
          setTimeout(() => socket.destroy(), 200).unref();
        }
      }, Math.max(0, deadlineMs - Date.now()));
      this.emptied.add(done);
    });
  }
}

/** Calls `onLine` with each CRLF- or LF-terminated line (without the terminator); false from `onLong` stops reading. */
export function readLines(socket: net.Socket, onLine: (line: string) => void, maxLength = 8192, onLong?: () => void): void {
  let pending = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).replace(/\r$/, '');
      pending = pending.slice(nl + 1);
      onLine(line);
      if (socket.destroyed) return;
    }
    if (pending.length > maxLength) {
      pending = '';
      if (onLong) onLong();
      else socket.destroy();
    }
  });
}
