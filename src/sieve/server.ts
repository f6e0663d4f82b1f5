/**
 * The ManageSieve server of one process: shared dependencies and the live sessions. The timsieved
 * service (run by the master) and the tests both build one with `SieveServer.create`.
 */
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import { Authenticator, sweepDenied, type AuthenticatorOptions } from '../auth/index.js';
import { LiveSessions, shutdownFromConfig, telemetryFromConfig, tlsContextFromConfig, type Logger } from '../common/index.js';
import type { ImapdConfig } from '../config/index.js';
import { SieveScriptStore } from '../store/index.js';
import { settingsFromConfig, type SieveDeps, type SieveSettings } from './deps.js';
import { Session, type SessionOptions } from './session/session.js';

export interface SieveServerOptions {
  /** imapd.conf seen from this service (config.forService(name)). */
  config: ImapdConfig;
  serviceName: string;
  logger: Logger;
  /** Test hooks for the authenticator (e.g. a cheaper scrypt cost). */
  auth?: Partial<AuthenticatorOptions>;
  /** Test hooks over the settings read from imapd.conf. */
  settings?: Partial<SieveSettings>;
}

export class SieveServer {
  private readonly sessions = new LiveSessions<Session>();

  /** Stops the sweep that ends the sessions of users cyr_deny denies this service. */
  private readonly stopDenySweep: () => void;

  private constructor(readonly deps: SieveDeps) {
    this.stopDenySweep = sweepDenied(deps.auth, deps.serviceName, () => this.sessions);
  }

  static create(options: SieveServerOptions): SieveServer {
    const { config, logger } = options;
    return new SieveServer({
      config,
      scripts: SieveScriptStore.fromConfig(config, logger),
      auth: Authenticator.create({ config, logger, ...options.auth }),
      logger,
      tlsContext: tlsContextFromConfig(config, logger),
      serverName: config.string('servername') ?? hostname(),
      shutdown: shutdownFromConfig(config, logger),
      telemetry: telemetryFromConfig(config, logger),
      settings: { ...settingsFromConfig(config), ...options.settings },
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

  /** Let sessions end by themselves until the deadline, then close the rest. */
  shutdown(deadlineMs: number): Promise<void> {
    return this.sessions.drain(deadlineMs);
  }

  close(): void {
    this.stopDenySweep();
    this.deps.auth.close();
  }
}
