/**
 * The POP3 server of one process: shared dependencies and the live sessions. The pop3d service
 * (run by the master) and the tests both build one with `Pop3Server.create`.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { Accounts } from '../accounts/index.js';
import { RightsChecker } from '../acl/index.js';
import { Authenticator, sweepDenied, type AuthenticatorOptions } from '../auth/index.js';
import { LiveSessions, shutdownFromConfig, telemetryFromConfig, tlsContextFromConfig, type Logger } from '../common/index.js';
import type { ImapdConfig } from '../config/index.js';
import { Namespace } from '../names/index.js';
import { PartitionSelector } from '../partition/index.js';
import { MailStore, MaildropStore, type ChangeNotifier } from '../store/index.js';
import { settingsFromConfig, type Pop3Deps, type Pop3Settings } from './deps.js';
import { Session, type SessionOptions } from './session/session.js';

export interface Pop3ServerOptions {
  /** imapd.conf seen from this service (config.forService(name)). */
  config: ImapdConfig;
  serviceName: string;
  logger: Logger;
  /** Cross-process notification (the master's channel): IMAP sessions elsewhere learn of POP3's expunges. */
  notifier?: ChangeNotifier;
  /** Test hooks for the authenticator (e.g. a cheaper scrypt cost). */
  auth?: Partial<AuthenticatorOptions>;
  /** Test hooks over the settings read from imapd.conf (e.g. a short autologout). */
  settings?: Partial<Pop3Settings>;
}

export class Pop3Server {
  private readonly sessions = new LiveSessions<Session>();

  /** Stops the sweep that ends the sessions of users cyr_deny denies this service. */
  private readonly stopDenySweep: () => void;

  private constructor(readonly deps: Pop3Deps) {
    this.stopDenySweep = sweepDenied(deps.auth, deps.serviceName, () => this.sessions);
  }

  static create(options: Pop3ServerOptions): Pop3Server {
    const { config, logger } = options;
    const store = MailStore.open({ config, logger, partitionChooser: PartitionSelector.fromConfig(config, { logger }), notifier: options.notifier });
    const durable = !config.bool('fsync_disabled');
    return new Pop3Server({
      config,
      store,
      accounts: new Accounts({ store, config, logger }),
      maildrops: MaildropStore.open(join(config.configDirectory, 'pop3.db'), durable),
      auth: Authenticator.create({ config, logger, ...options.auth }),
      namespace: Namespace.fromConfig(config),
      rights: RightsChecker.fromConfig(config),
      logger,
      tlsContext: tlsContextFromConfig(config, logger),
      serverName: config.string('servername') ?? hostname(),
      shutdown: shutdownFromConfig(config, logger),
      telemetry: telemetryFromConfig(config, logger),
      settings: { ...settingsFromConfig(config, logger), ...options.settings },
      serviceName: options.serviceName,
    });
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  /** Serve one connection until it closes. */
  handleConnection(socket: Duplex, options: SessionOptions): Session {
    return this.sessions.open(socket, (onClose) => new Session(this.deps, socket, { ...options, onClose }), options.onClose);
  }

  /** Let sessions end by themselves until the deadline, then close the rest (none enters UPDATE). */
  shutdown(deadlineMs: number): Promise<void> {
    return this.sessions.drain(deadlineMs);
  }

  close(): void {
    this.stopDenySweep();
    this.deps.store.close();
    this.deps.maildrops.close();
    this.deps.auth.close();
  }
}
