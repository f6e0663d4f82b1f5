/**
 * The LMTP server of one process: shared dependencies and the live sessions. The lmtpd service
 * (run by the master) and the tests both build one with `LmtpServer.create`.
 */
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import { Accounts } from '../accounts/index.js';
import { RightsChecker } from '../acl/index.js';
import { Authenticator, UseridRules, type AuthenticatorOptions } from '../auth/index.js';
import { tlsContextFromConfig, type Logger } from '../common/index.js';
import type { ImapdConfig } from '../config/index.js';
import { Intake, SieveFilter } from '../intake/index.js';
import { Namespace } from '../names/index.js';
import { PartitionSelector } from '../partition/index.js';
import { Recipients, type RecipientQuota } from '../recipients/index.js';
import { DuplicateStore, MailStore, type ChangeNotifier } from '../store/index.js';
import type { LmtpDeps } from './deps.js';
import { duplicateSuppression } from './duplicate-hooks.js';
import { Session, type SessionOptions } from './session/session.js';

export interface LmtpServerOptions {
  /** imapd.conf seen from this service (config.forService(name)). */
  config: ImapdConfig;
  serviceName: string;
  logger: Logger;
  /** `lmtpd -a`: TCP clients may deliver without AUTH. */
  preauthorized?: boolean;
  /** Cross-process notification (the master's channel): IDLE clients elsewhere learn of deliveries. */
  notifier?: ChangeNotifier;
  /** Test hooks for the authenticator (e.g. a cheaper scrypt cost). */
  auth?: Partial<AuthenticatorOptions>;
  /** The quota answers at RCPT (default: the store's quotas; see src/recipients/quota.ts). */
  quota?: RecipientQuota;
}

const IDLE_TIMEOUT_MS = 10 * 60 * 1000;

export class LmtpServer {
  private readonly sessions = new Set<Session>();

  private constructor(
    readonly deps: LmtpDeps,
    private readonly store: MailStore,
    /** deliver.db: duplicate suppression and Sieve's records. */
    private readonly duplicates: DuplicateStore,
  ) {}

  static create(options: LmtpServerOptions): LmtpServer {
    const { config, logger } = options;
    const store = MailStore.open({ config, logger, partitionChooser: PartitionSelector.fromConfig(config, { logger }), notifier: options.notifier });
    const auth = Authenticator.create({ config, logger, ...options.auth });
    const accounts = new Accounts({ store, config, logger });
    const duplicates = config.bool('duplicatesuppression') ? DuplicateStore.fromConfig(config) : null;
    const serverName = config.string('servername') ?? hostname();
    const rights = RightsChecker.fromConfig(config);
    // Sieve's records (vacation replies, redirects) live in deliver.db even with duplicate suppression off.
    const sieveRecords = duplicates ?? DuplicateStore.fromConfig(config);
    const sieve = new SieveFilter({
      store,
      config,
      logger,
      scripts: store.sieveScripts,
      duplicates: sieveRecords,
      rights,
      namespace: Namespace.fromConfig(config),
      identityOf: (userid) => auth.identityOf(userid, options.serviceName),
      serverName,
      // fcc copies are stored as any message is: through the intake (made just below).
      append: async (mailbox, content, flags, userid) => {
        await intake.append(mailbox, [{ bytes: content, flags }], { userid });
      },
    });
    const intake = new Intake({
      store,
      config,
      logger,
      settings: { singleInstance: config.bool('singleinstancestore') },
      hooks: {
        ...(duplicates ? duplicateSuppression(duplicates, logger, (mailbox) => store.allowsDuplicateDelivery(mailbox)) : {}),
        sieve: (message, recipient) => sieve.verdict(message, recipient),
      },
    });
    const identityOf = (userid: string) => auth.identityOf(userid, options.serviceName);
    const recipients = Recipients.create({ config, store, accounts, rights, identityOf, logger, quota: options.quota });
    const deps: LmtpDeps = {
      config,
      serviceName: options.serviceName,
      logger,
      serverName,
      auth,
      userids: new UseridRules(config),
      intake,
      recipients,
      tlsContext: tlsContextFromConfig(config, logger),
      policy: {
        preauthorized: options.preauthorized ?? false,
        overQuotaPermanent: config.bool('lmtp_over_quota_perm_failure'),
        strictQuota: config.bool('lmtp_strict_quota'),
        strictAddresses: config.bool('lmtp_strict_rfc2821'),
        reject8bit: config.bool('reject8bit'),
      },
      limits: {
        maxMessageSize: intake.settings.maxMessageSize,
        maxRecipients: 1000,
        maxLineLength: 4096,
        idleTimeoutMs: IDLE_TIMEOUT_MS,
        preloginTimeoutMs: (config.seconds('prelogin_timeout') ?? 60) * 1000,
        maxBadCommands: 25,
      },
    };
    return new LmtpServer(deps, store, sieveRecords);
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  /** Serve one connection until it closes. */
  handleConnection(socket: Duplex, options: Omit<SessionOptions, 'onClose' | 'preauthorized'> & { onClose?: () => void }): Session {
    if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
    const session = new Session(this.deps, socket, {
      ...options,
      preauthorized: this.deps.policy.preauthorized,
      onClose: () => {
        this.sessions.delete(session);
        options.onClose?.();
      },
    });
    this.sessions.add(session);
    session.start();
    return session;
  }

  /** Idle sessions say 421 at once; busy ones finish their transaction until the deadline, then 421. */
  async shutdown(deadlineMs: number): Promise<void> {
    for (const session of this.sessions) if (!session.busy) session.shutdown();
    while (this.sessions.size > 0 && Date.now() < deadlineMs) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (const session of this.sessions) if (!session.busy) session.shutdown();
    }
    for (const session of this.sessions) session.shutdown();
  }

  close(): void {
    this.deps.intake.close();
    this.store.close();
    this.deps.auth.close();
    this.duplicates.close();
  }
}
