/**
 * The slave's side of mupdate: keeps this server's mailboxes.db a mirror of the master's list.
 * It connects to mupdate_server, sends UPDATE, replaces the mirror with the initial list (remote
 * entries the master does not have are removed), then applies every event. A lost connection is
 * tried again after mupdate_retry_delay, doubled on each failure up to ten times that, and back
 * to the base once a list was received.
 */
import type { Logger } from '../common/index.js';
import { connectMupdate, mupdateConnectOptions } from './client.js';
import type { MupdateList } from './list.js';
import type { MurderSettings } from './settings.js';
import { MupdateError, type MupdateConnection, type MupdateEvent, type MupdateRecord } from './types.js';

export interface SlaveOptions {
  list: MupdateList;
  settings: MurderSettings;
  logger: Logger;
  /** Told each time the mirror has the master's whole list (tests wait on it). */
  onSynced?: () => void;
}

export class MupdateSlave {
  private connection: MupdateConnection | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private failures = 0;

  constructor(private readonly options: SlaveOptions) {}

  start(): void {
    const { settings, logger } = this.options;
    if (settings.mupdateServer === null || settings.mupdateLogin === null) {
      logger.error('mupdate slave: mupdate_server, mupdate_authname and mupdate_password must be set; serving the mirror as it is');
      return;
    }
    void this.connect();
  }

  private async connect(): Promise<void> {
    const { settings, logger, list } = this.options;
    let connection: MupdateConnection;
    try {
      connection = await connectMupdate(mupdateConnectOptions(settings));
    } catch (err) {
      if (err instanceof MupdateError && err.reason === 'tls') logger.error({ err: err.message, server: settings.mupdateServer }, 'TLS to the mupdate master failed: not used');
      logger.warn({ err: (err as Error).message, server: settings.mupdateServer }, 'mupdate slave: cannot reach the master');
      this.retry();
      return;
    }
    if (this.stopped) {
      await connection.close();
      return;
    }
    this.connection = connection;
    logger.info({ server: settings.mupdateServer, tls: connection.secure === true }, 'mupdate slave: connected to the master');
    connection.onClose((err) => {
      this.connection = null;
      logger.warn({ err: err?.message }, 'mupdate slave: connection to the master lost');
      this.retry();
    });
    const initial: MupdateRecord[] = [];
    let synced = false;
    const onEvent = (event: MupdateEvent): void => {
      if (!synced) {
        if (event.kind !== 'delete') initial.push(event);
        return;
      }
      this.apply(() => list.apply(event), event.name);
    };
    const onSynced = (): void => {
      synced = true;
      this.failures = 0;
      list.replaceAll(initial, (name, err) => logger.warn({ err: err.message, mailbox: name }, 'mupdate slave: mirror write refused'));
      logger.info({ mailboxes: initial.length, server: settings.mupdateServer }, 'mupdate slave: mirror in step with the master');
      this.options.onSynced?.();
    };
    try {
      await connection.update(onEvent, onSynced);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'mupdate slave: UPDATE refused');
      await connection.close();
      this.connection = null;
      this.retry();
    }
  }

  /** Write to the mirror; a name the store refuses (a local mailbox of that name) is logged and skipped. */
  private apply(write: () => void, name: string | null): void {
    try {
      write();
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message, mailbox: name }, 'mupdate slave: mirror write refused');
    }
  }

  private retry(): void {
    if (this.stopped || this.retryTimer) return;
    const base = this.options.settings.retryDelayMs;
    const delay = Math.min(base * 2 ** this.failures, base * 10);
    this.failures++;
    this.options.logger.info({ delayMs: delay }, 'mupdate slave: trying the master again later');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const connection = this.connection;
    this.connection = null;
    await connection?.close();
  }
}
