/**
 * The backend's pusher: drains mailboxes.db's Murder outbox (src/store/murder-outbox.ts) to the
 * mupdate master, ACTIVATE for a mailbox that is (or changed) here, DELETE for one that is gone,
 * strictly in the rows' order. One process at a time drains (the outbox's lease); the others
 * only kick. When the master is down or refuses the login, the row stays and the drain is tried
 * again after mupdate_retry_delay (doubling, up to ten times that, while it stays down); a row
 * the master answers NO or BAD is logged and dropped (it would block every later change
 * forever). An idle pusher looks for rows left by other processes (a tool, a crashed holder)
 * every second.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../common/index.js';
import type { MailboxListPublisher, MailboxListPublisherFactory, MurderOutbox, OutboxRow } from '../store/index.js';
import { murderSettings, type MurderSettings } from './settings.js';
import { MupdateError, type MupdateConnectOptions, type MupdateConnection } from './types.js';
import { mupdateConnectOptions } from './client.js';

export interface PusherOptions {
  outbox: MurderOutbox;
  settings: MurderSettings;
  connect: (options: MupdateConnectOptions) => Promise<MupdateConnection>;
  logger: Logger;
  /** How long the drain lease lasts without renewal (default 30 s, above a command's 10 s timeout). */
  leaseMs?: number;
  /** How often settled() looks whether another process has drained the rows (default 20 ms). */
  pollMs?: number;
}

/** How often an idle pusher looks for rows others left (one indexed read of mailboxes.db). */
const IDLE_CHECK_MS = 1000;

export class MailboxListPusher implements MailboxListPublisher {
  private readonly holder = `${process.pid}:${randomUUID()}`;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private connection: MupdateConnection | null = null;
  private draining = false;
  private again = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Drains in a row that found the master unreachable (the retry delay doubles, up to ten times). */
  private failures = 0;
  private readonly idleTimer: NodeJS.Timeout;
  /** settled() callers, woken after each row this process pushes. */
  private readonly waiters = new Set<() => void>();

  constructor(private readonly options: PusherOptions) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 20;
    this.idleTimer = setInterval(() => {
      if (!this.draining && this.retryTimer === null && options.outbox.firstSeq() !== null) this.kick();
    }, IDLE_CHECK_MS).unref();
    // Rows a crashed process or a tool left behind.
    this.kick();
  }

  kick(): void {
    if (this.closed) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = true;
    setImmediate(() => {
      this.drain()
        .catch((err: unknown) => this.options.logger.error({ err }, 'mupdate push failed'))
        .finally(() => {
          this.draining = false;
          const again = this.again;
          this.again = false;
          // Rows written meanwhile; while the master is down the retry timer brings them.
          if (again && !this.closed && this.retryTimer === null) this.kick();
        });
    });
  }

  async settled(timeoutMs: number): Promise<boolean> {
    const { outbox } = this.options;
    const target = outbox.lastSeq();
    if (target === null) return true;
    const pushed = () => {
      const first = outbox.firstSeq();
      return first === null || first > target;
    };
    const deadline = Date.now() + timeoutMs;
    while (!pushed()) {
      if (this.closed) return false;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      // Woken by this process's drain, or after a poll (another process may be the one draining).
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, this.pollMs));
        this.waiters.add(done);
      });
      if (!this.draining && this.retryTimer === null) this.kick();
    }
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Let another process drain at once rather than when the lease runs out.
    try {
      this.options.outbox.surrender(this.holder);
    } catch (err) {
      this.options.logger.warn({ err }, 'could not give up the mupdate push lease');
    }
    clearInterval(this.idleTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const wake of [...this.waiters]) wake();
    const conn = this.connection;
    this.connection = null;
    conn?.close().catch(() => undefined);
  }

  /** Push rows while this process holds the lease and rows wait. */
  private async drain(): Promise<void> {
    const { outbox } = this.options;
    for (;;) {
      if (this.closed || outbox.leasedElsewhere(this.holder)) return;
      if (!outbox.claim(this.holder, this.leaseMs)) return; // another process drains (the idle check covers its death)
      const rows = outbox.pending(64);
      if (rows.length === 0) {
        if (outbox.release(this.holder)) return;
        continue;
      }
      for (const row of rows) {
        if (this.closed || !outbox.claim(this.holder, this.leaseMs)) return;
        const outcome = await this.push(row);
        // Closed meanwhile (the store too): the row stays and is pushed again by the next drainer.
        if (this.closed) return;
        if (outcome === 'retry') {
          this.retryLater();
          return;
        }
        this.failures = 0;
        outbox.done(row.seq);
        for (const wake of [...this.waiters]) wake();
      }
    }
  }

  /** Send one row; 'retry' when the master could not be reached (the row stays). */
  private async push(row: OutboxRow): Promise<'done' | 'retry'> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const reused = this.connection !== null;
      let conn: MupdateConnection;
      try {
        conn = await this.connect();
      } catch (err) {
        if (err instanceof MupdateError && err.reason === 'tls') this.options.logger.error({ err: err.message, server: this.options.settings.mupdateServer }, 'TLS to the mupdate master failed: not used');
        this.options.logger.warn({ err, mailbox: row.name, retryInMs: this.options.settings.retryDelayMs }, 'mupdate master unreachable; list changes stay queued');
        return 'retry';
      }
      try {
        if (row.action === 'activate') await conn.activate(row.name, row.location, row.acl);
        else await conn.delete(row.name);
        this.options.logger.debug({ mailbox: row.name, action: row.action }, 'pushed to the mupdate master');
        return 'done';
      } catch (err) {
        if (err instanceof MupdateError && (err.reason === 'no' || err.reason === 'bad')) {
          this.options.logger.error({ err, mailbox: row.name, action: row.action }, 'the mupdate master refused a list change; dropped');
          return 'done';
        }
        this.dropConnection(conn);
        // A kept connection may have died while idle: one fresh try before waiting.
        if (reused) continue;
        this.options.logger.warn({ err, mailbox: row.name, retryInMs: this.options.settings.retryDelayMs }, 'mupdate push failed; list changes stay queued');
        return 'retry';
      }
    }
    return 'retry';
  }

  private async connect(): Promise<MupdateConnection> {
    if (this.connection) return this.connection;
    const { settings } = this.options;
    const conn = await this.options.connect(mupdateConnectOptions(settings));
    if (this.closed) {
      await conn.close().catch(() => undefined);
      throw new MupdateError('connection', 'pusher closed');
    }
    this.connection = conn;
    this.options.logger.info({ server: settings.mupdateServer, tls: conn.secure === true }, 'connected to the mupdate master');
    conn.onClose(() => {
      if (this.connection === conn) this.connection = null;
    });
    return conn;
  }

  private dropConnection(conn: MupdateConnection): void {
    if (this.connection === conn) this.connection = null;
    conn.close().catch(() => undefined);
  }

  private retryLater(): void {
    if (this.closed || this.retryTimer !== null) return;
    const base = this.options.settings.retryDelayMs;
    const delay = Math.min(base * 2 ** this.failures, base * 10);
    this.failures++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, delay);
    this.retryTimer.unref();
  }
}

/** The store's publisher maker for a Murder backend: a pusher per store, through `connect`. */
export function listPublisherFactory(connect: PusherOptions['connect'], tuning: Pick<PusherOptions, 'leaseMs' | 'pollMs'> = {}): MailboxListPublisherFactory {
  return (store, murder) => new MailboxListPusher({
    outbox: store.murderOutbox,
    settings: murderSettings(murder.config, murder.servername),
    connect,
    logger: murder.logger,
    ...tuning,
  });
}
