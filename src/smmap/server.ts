/**
 * The smmapd server of one process: the recipient decision on this server's store and the live
 * sessions. The smmapd service (run by the master) and the tests both build one with
 * `SmmapServer.create`. It only reads: no INBOX is created, nothing is charged.
 */
import type net from 'node:net';
import { Accounts } from '../accounts/index.js';
import { RightsChecker } from '../acl/index.js';
import { Authenticator } from '../auth/index.js';
import type { ConnectionServer, Logger, SocketOrigin } from '../common/index.js';
import type { ImapdConfig } from '../config/index.js';
import { Recipients, type RecipientQuota } from '../recipients/index.js';
import { MailStore } from '../store/index.js';
import type { SmmapDeps, SmmapLimits } from './deps.js';
import { SmmapSession } from './session.js';

export interface SmmapServerOptions {
  /** imapd.conf seen from this service (config.forService(name)). */
  config: ImapdConfig;
  serviceName: string;
  logger: Logger;
  /** The quota answers (default: the store's quotas.db). */
  quota?: RecipientQuota;
  limits?: Partial<SmmapLimits>;
}

/** A recipient address with its map name is far below this; Cyrus's smmapd takes 1 KiB requests. */
export const MAX_REQUEST_LENGTH = 4096;

const DEFAULT_LIMITS: SmmapLimits = {
  maxRequestLength: MAX_REQUEST_LENGTH,
  maxQueuedRequests: 64,
  idleTimeoutMs: 360_000,
};

export class SmmapServer implements ConnectionServer {
  private readonly sessions = new Set<SmmapSession>();

  private constructor(
    readonly deps: SmmapDeps,
    private readonly store: MailStore,
    private readonly auth: Authenticator,
  ) {}

  static create(options: SmmapServerOptions): SmmapServer {
    const { config, logger, serviceName } = options;
    const store = MailStore.open({ config, logger });
    const auth = Authenticator.create({ config, logger });
    const accounts = new Accounts({ store, config, logger });
    const identityOf = (userid: string) => auth.identityOf(userid, serviceName);
    const recipients = Recipients.create({ config, store, accounts, rights: RightsChecker.fromConfig(config), identityOf, logger, quota: options.quota });
    const deps: SmmapDeps = {
      serviceName,
      logger,
      recipients,
      policy: { overQuotaPermanent: config.bool('lmtp_over_quota_perm_failure') },
      limits: { ...DEFAULT_LIMITS, ...options.limits },
    };
    return new SmmapServer(deps, store, auth);
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  /** Serve one connection until it closes. */
  handleConnection(socket: net.Socket, origin: SocketOrigin): void {
    socket.setNoDelay(true);
    const session = new SmmapSession(this.deps, socket, { ...origin, onClose: () => this.sessions.delete(session) });
    this.sessions.add(session);
    session.start();
  }

  /** Idle sessions close at once; a session answering a lookup closes after its answer (or at the deadline). */
  async shutdown(deadlineMs: number): Promise<void> {
    for (const session of this.sessions) session.shutdown();
    while (this.sessions.size > 0 && Date.now() < deadlineMs) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  close(): void {
    this.store.close();
    this.auth.close();
  }
}
