import net from 'node:net';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { silentLogger, type Logger } from '../common/log.js';

/**
 * The change-notification channel (the role of Cyrus's idled). The master runs a hub on a UNIX
 * socket; every process connects a client. A client's publish reaches its own subscribers at once
 * and every other process through the hub. Wire format: one JSON object per line, {"m": mailbox}.
 */

const MAX_LINE = 64 * 1024;
/** A client that reads this far behind is cut off (it reconnects and carries on). */
const MAX_BACKLOG = 4 * 1024 * 1024;

function splitLines(onLine: (line: string) => void): (chunk: Buffer) => boolean {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.length > 0) onLine(line);
    }
    return pending.length <= MAX_LINE;
  };
}

/** The master's side: relays each line a client sends to every other client. */
export class NotifyHub {
  private readonly clients = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly path: string,
    private readonly logger: Logger,
  ) {}

  static async listen(path: string, logger: Logger = silentLogger()): Promise<NotifyHub> {
    mkdirSync(dirname(path), { recursive: true });
    rmSync(path, { force: true });
    const server = net.createServer();
    const hub = new NotifyHub(server, path, logger);
    server.on('connection', (socket) => hub.accept(socket));
    await new Promise<void>((resolvePromise, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolvePromise();
      });
    });
    return hub;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  private accept(socket: net.Socket): void {
    this.clients.add(socket);
    const feed = splitLines((line) => {
      const out = line + '\n';
      for (const other of this.clients) {
        if (other === socket || other.destroyed) continue;
        if (other.writableLength > MAX_BACKLOG) {
          this.logger.warn({ backlog: other.writableLength }, 'notify client too far behind, disconnected');
          other.destroy();
          continue;
        }
        other.write(out);
      }
    });
    socket.on('data', (chunk: Buffer) => {
      if (!feed(chunk)) socket.destroy();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.clients.delete(socket));
  }

  async close(): Promise<void> {
    for (const socket of this.clients) socket.destroy();
    await new Promise<void>((resolvePromise) => this.server.close(() => resolvePromise()));
    rmSync(this.path, { force: true });
  }
}

type Listener = (mailbox: string) => void;

/** One process's end of the channel. Never throws on publish: without a hub it is a no-op. */
export class NotifyClient {
  private socket: net.Socket | null = null;
  private connected = false;
  private closed = false;
  private retryDelay = 50;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Publishes made while the first (or a re-) connection attempt is under way. */
  private queue: string[] = [];
  private readonly listeners = new Set<Listener>();
  /** Listeners of other processes' changes only (the hub never echoes a publish to its sender). */
  private readonly remoteListeners = new Set<Listener>();

  private constructor(
    readonly path: string,
    private readonly logger: Logger,
  ) {}

  /** Connect to the hub at `path` (idlesocket); keeps reconnecting while the hub is away. */
  static connect(path: string, logger: Logger = silentLogger()): NotifyClient {
    const client = new NotifyClient(path, logger);
    client.open();
    return client;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  private open(): void {
    const socket = net.createConnection(this.path);
    this.socket = socket;
    socket.unref();
    const feed = splitLines((line) => {
      let mailbox: unknown;
      try {
        mailbox = (JSON.parse(line) as { m?: unknown }).m;
      } catch {
        return;
      }
      if (typeof mailbox === 'string') this.deliver(mailbox, true);
    });
    socket.on('connect', () => {
      this.connected = true;
      this.retryDelay = 50;
      for (const line of this.queue) socket.write(line);
      this.queue = [];
      this.logger.debug({ path: this.path }, 'notify channel connected');
    });
    socket.on('data', (chunk: Buffer) => {
      if (!feed(chunk)) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const wasConnected = this.connected;
      this.connected = false;
      this.socket = null;
      this.queue = [];
      if (this.closed) return;
      if (wasConnected) this.logger.info({ path: this.path }, 'notify channel lost, reconnecting');
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (!this.closed) this.open();
      }, this.retryDelay);
      this.retryTimer.unref();
      this.retryDelay = Math.min(this.retryDelay * 2, 2000);
    });
  }

  private deliver(mailbox: string, remote: boolean): void {
    this.call(this.listeners, mailbox);
    if (remote) this.call(this.remoteListeners, mailbox);
  }

  private call(listeners: ReadonlySet<Listener>, mailbox: string): void {
    for (const listener of listeners) {
      try {
        listener(mailbox);
      } catch (err) {
        this.logger.error({ err, mailbox }, 'notify listener failed');
      }
    }
  }

  /** Tell every process (this one included) that `mailbox` changed. */
  publish(mailbox: string): void {
    if (this.closed || /[\r\n]/.test(mailbox)) return;
    if (this.listeners.size > 0) queueMicrotask(() => this.deliver(mailbox, false));
    const line = JSON.stringify({ m: mailbox }) + '\n';
    if (this.connected && this.socket) this.socket.write(line);
    else if (this.socket && this.queue.length < 10_000) this.queue.push(line);
  }

  /** Call `listener` with the name of every mailbox that changes; returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Call `listener` with the name of every mailbox another process changes (the ChangeChannel a
   * worker gives its service program: the program hears its own changes from its own store, and
   * hearing them twice woke every IDLE session twice per change).
   */
  subscribeRemote(listener: Listener): () => void {
    this.remoteListeners.add(listener);
    return () => this.remoteListeners.delete(listener);
  }

  /** Flush what was published and disconnect. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.listeners.clear();
    this.remoteListeners.clear();
    const socket = this.socket;
    if (!socket) return;
    if (!this.connected && this.queue.length > 0) {
      // Publishes made right after connect: give the connection attempt a moment to deliver them.
      socket.ref();
      await new Promise<void>((resolvePromise) => {
        const done = () => resolvePromise();
        socket.once('connect', done);
        socket.once('close', done);
        setTimeout(done, 1000).unref();
      });
    }
    if (!this.connected || socket.destroyed) {
      socket.destroy();
      return;
    }
    await new Promise<void>((resolvePromise) => {
      socket.once('close', () => resolvePromise());
      // The socket is unref'd so it never keeps a process alive; while closing it must, or a
      // process whose last task is this close would exit before the flush.
      socket.ref();
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }
}
