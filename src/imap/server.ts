/**
 * The IMAP server of one process: shared dependencies and the live sessions. The imapd service
 * (run by the master) and the tests both build one with `ImapServer.create`.
 */
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import { Accounts } from '../accounts/index.js';
import { RightsChecker } from '../acl/index.js';
import { Authenticator, sweepDenied, type AuthenticatorOptions } from '../auth/index.js';
import type { ImapdConfig } from '../config/index.js';
import { motdFromConfig, shutdownFromConfig, telemetryFromConfig, tlsContextFromConfig, writeServerMessage, type AppendFacts, type ChangeInterest, type Logger, type MovedSession } from '../common/index.js';
import { Intake } from '../intake/index.js';
import { Namespace } from '../names/index.js';
import { PartitionSelector } from '../partition/index.js';
import { MailStore, type ChangeNotifier } from '../store/index.js';
import { limitsFromConfig, type ImapDeps } from './deps.js';
import { Session, type SessionOptions } from './session/session.js';
import { IdlePoller } from './session/idle-poll.js';
import { Watchers } from './session/watchers.js';
import { XferRecovery } from './xfer/index.js';
import { isMurderFrontend } from '../murder/index.js';

interface ImapServerOptions {
  /** imapd.conf seen from this service (config.forService(name)). */
  config: ImapdConfig;
  serviceName: string;
  logger: Logger;
  /** Cross-process notification (the master's channel); in-process listeners work without it. */
  notifier?: ChangeNotifier;
  /** Test hooks for the authenticator (e.g. a cheaper scrypt cost). */
  auth?: Partial<AuthenticatorOptions>;
}

export class ImapServer {
  private readonly sessions = new Set<Session>();
  /** The sessions a change of a mailbox concerns (selected it, or NOTIFY). */
  private readonly watchers = new Watchers<Session>(interestLingerMs(process.env));
  private readonly unsubscribe: () => void;
  /** Stops the sweep that ends the sessions of users cyr_deny denies this service. */
  private readonly stopDenySweep: () => void;

  /** A Murder backend's XFER recovery (moves whose runner is gone, interrupted commits); null elsewhere. */
  private readonly xferRecovery: XferRecovery | null;

  private constructor(readonly deps: ImapDeps) {
    this.unsubscribe = deps.store.onChange((name, facts) => this.mailboxChanged(name, facts));
    this.stopDenySweep = sweepDenied(deps.auth, deps.serviceName, () => this.sessions);
    this.xferRecovery = deps.store.murderBackend !== null && !isMurderFrontend(deps.config) ? new XferRecovery(deps.store, deps.config, deps.logger) : null;
  }

  static create(options: ImapServerOptions): ImapServer {
    const { config, logger } = options;
    const store = MailStore.open({ config, logger, partitionChooser: PartitionSelector.fromConfig(config, { logger }), notifier: options.notifier });
    const auth = Authenticator.create({ config, logger, ...options.auth });
    const limits = limitsFromConfig(config, logger);
    return new ImapServer({
      config,
      store,
      accounts: new Accounts({ store, config, logger }),
      intake: new Intake({ store, config, logger }),
      auth,
      namespace: Namespace.fromConfig(config),
      rights: RightsChecker.fromConfig(config),
      logger,
      tlsContext: tlsContextFromConfig(config, logger),
      serverName: config.string('servername') ?? hostname(),
      limits,
      serviceName: options.serviceName,
      motd: motdFromConfig(config, logger),
      shutdown: shutdownFromConfig(config, logger),
      writeServerMessage: (name, text) => writeServerMessage(config, name, text),
      telemetry: telemetryFromConfig(config, logger),
      idlePoller: new IdlePoller(() => limits.idlePollMs),
    });
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  /** Serve one connection until it closes. */
  handleConnection(socket: Duplex, options: Omit<SessionOptions, 'onClose'> & { onClose?: () => void }): Session {
    const session = this.newSession(socket, options);
    session.start();
    return session;
  }

  /** Serve a logged-in session another worker process moved here (LoginGate.move), until it closes. */
  resumeConnection(socket: Duplex, options: Omit<SessionOptions, 'onClose'> & { onClose?: () => void }, moved: MovedSession): Session {
    const identity = this.deps.auth.identityOf(moved.userid, this.deps.serviceName, moved.authenticatedAs);
    const session = this.newSession(socket, { ...options, sessionId: moved.sessionId });
    session.resume(moved, identity);
    return session;
  }

  private newSession(socket: Duplex, options: Omit<SessionOptions, 'onClose'> & { onClose?: () => void }): Session {
    if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
    const session = new Session(this.deps, socket, {
      ...options,
      onClose: () => {
        this.sessions.delete(session);
        this.watchers.update(session, true);
        options.onClose?.();
      },
      onWatchChange: () => this.watchers.update(session),
    });
    this.sessions.add(session);
    return session;
  }

  /** A mailbox changed (in this process, or in another one as the notification channel says); `facts`: what an append did. */
  mailboxChanged(name: string, facts?: AppendFacts): void {
    this.watchers.changed(name, facts);
  }

  /** Keep `interest` told which mailboxes the sessions want to hear of (the change hub's routing). */
  reportInterest(interest: ChangeInterest): void {
    this.watchers.reportTo(interest);
  }

  /** Sessions of this process that have `name` selected (tests). */
  selecting(name: string): number {
    return this.watchers.selecting(name);
  }

  /** Say BYE to every session (or wait for them until the deadline) and release the store. */
  async shutdown(deadlineMs: number): Promise<void> {
    const waitUntil = Math.max(0, deadlineMs - Date.now());
    const ended = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (this.sessions.size === 0 || Date.now() >= deadlineMs) {
          clearInterval(check);
          resolve();
        }
      }, 50);
      check.unref();
    });
    if (waitUntil === 0) await Promise.all([...this.sessions].map((s) => s.shutdown()));
    await ended;
    await Promise.all([...this.sessions].map((s) => s.shutdown()));
  }

  close(): void {
    this.unsubscribe();
    this.stopDenySweep();
    this.xferRecovery?.stop();
    // The mailboxes APPEND keeps open between commands, before the store.
    this.deps.intake.close();
    this.deps.store.close();
    this.deps.auth.close();
  }
}

/**
 * How long a mailbox no session selects any more stays declared to the change hub (Watchers):
 * CYRUSTS_INTEREST_LINGER_MS, default 10 s (0: dropped at once, as the routing tests want).
 */
export function interestLingerMs(env: NodeJS.ProcessEnv): number {
  const ms = Number(env.CYRUSTS_INTEREST_LINGER_MS);
  return env.CYRUSTS_INTEREST_LINGER_MS !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : 10_000;
}
