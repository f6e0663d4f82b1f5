/**
 * The mupdate server of one process: the Murder's list, the live sessions and, in slave mode, the
 * keeper that mirrors the master. The mupdate service (run by the master, always as one worker
 * process) and the tests build one with `MupdateServer.create`.
 */
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import { Authenticator, type AuthenticatorOptions } from '../auth/index.js';
import { LiveSessions, tlsContextFromConfig, type Logger } from '../common/index.js';
import type { ImapdConfig } from '../config/index.js';
import { MailStore } from '../store/index.js';
import { settingsFromConfig, type MupdateDeps, type MupdateMode, type MupdateSettings } from './deps.js';
import { MupdateList } from './list.js';
import { Session, type SessionOptions } from './session/session.js';
import { murderSettings, type MurderSettings } from './settings.js';
import { MupdateSlave } from './slave.js';

export interface MupdateServerOptions {
  config: ImapdConfig;
  serviceName: string;
  logger: Logger;
  mode: MupdateMode;
  /** Test hooks for the authenticator. */
  auth?: Partial<AuthenticatorOptions>;
  /** Test hooks over the settings read from imapd.conf. */
  settings?: Partial<MupdateSettings>;
  murder?: Partial<MurderSettings>;
  /** Slave: told each time the mirror holds the master's whole list. */
  onSynced?: () => void;
}

export class MupdateServer {
  private readonly sessions = new LiveSessions<Session>();

  private constructor(readonly deps: MupdateDeps, private readonly store: MailStore, private readonly slave: MupdateSlave | null) {}

  static create(options: MupdateServerOptions): MupdateServer {
    const { config, logger } = options;
    const serverName = config.string('servername') ?? hostname();
    const store = MailStore.open({ config, logger });
    const list = new MupdateList(store, logger);
    const deps: MupdateDeps = {
      config,
      auth: Authenticator.create({ config, logger, ...options.auth }),
      logger,
      tlsContext: tlsContextFromConfig(config, logger),
      serverName,
      mode: options.mode,
      list,
      settings: { ...settingsFromConfig(config), ...options.settings },
      serviceName: options.serviceName,
    };
    const slave = options.mode === 'slave'
      ? new MupdateSlave({ list, settings: { ...murderSettings(config, serverName), ...options.murder }, logger, onSynced: options.onSynced })
      : null;
    logger.info({ mode: options.mode, mailboxes: list.size }, 'mupdate server started');
    slave?.start();
    return new MupdateServer(deps, store, slave);
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  /** Serve one connection until it closes; over mupdate_connections_max it hears BYE. */
  handleConnection(socket: Duplex, options: SessionOptions): Session {
    const full = this.sessions.size >= this.deps.settings.connectionsMax;
    const refusal = full ? 'Too many connections, try again later' : undefined;
    return this.sessions.open(socket, (onClose) => new Session(this.deps, socket, { ...options, refusal, onClose }), options.onClose);
  }

  /** Streams never end by themselves: every session hears BYE at once. */
  async shutdown(_deadlineMs: number): Promise<void> {
    await this.slave?.stop();
    await this.sessions.drain(Date.now());
  }

  close(): void {
    this.deps.auth.close();
    this.store.close();
  }
}
