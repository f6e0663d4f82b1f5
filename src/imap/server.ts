/**
 * The IMAP server of one process: shared dependencies and the live sessions. The imapd service
 * (run by the master) and the tests both build one with `ImapServer.create`.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { createSecureContext, type SecureContext } from 'node:tls';
import { Authenticator, Namespace, type AuthenticatorOptions } from '../auth/index.js';
import type { ImapdConfig } from '../config/index.js';
import type { Logger } from '../common/log.js';
import { PartitionSelector } from '../partition/index.js';
import { MailStore, type ChangeNotifier } from '../store/index.js';
import { limitsFromConfig, type ImapDeps } from './deps.js';
import { Session, type SessionOptions } from './session/session.js';

export interface ImapServerOptions {
  /** imapd.conf seen from this service (config.forService(name)). */
  config: ImapdConfig;
  serviceName: string;
  logger: Logger;
  /** Cross-process notification (the master's channel); in-process listeners work without it. */
  notifier?: ChangeNotifier;
  /** Test hooks for the authenticator (e.g. a cheaper scrypt cost). */
  auth?: Partial<AuthenticatorOptions>;
}

/**
 * TLS credentials from tls_server_cert / tls_server_key, or null when not configured. Files that
 * cannot be read are logged and TLS is left off (STARTTLS is then not offered), rather than
 * keeping the whole service down.
 */
export function tlsContextFromConfig(config: ImapdConfig, logger?: Logger): SecureContext | null {
  const cert = config.path('tls_server_cert');
  const key = config.path('tls_server_key');
  if (!cert || !key) return null;
  try {
    return createSecureContext({ cert: readFileSync(cert), key: readFileSync(key), minVersion: 'TLSv1.2' });
  } catch (err) {
    logger?.error({ err: (err as Error).message, cert, key }, 'cannot load the TLS certificate or key: STARTTLS disabled');
    return null;
  }
}

/**
 * The message of the day as Cyrus keeps it: the first line of {configdirectory}/msg/motd, read at
 * each login (so an edit takes effect at once); null when the file is missing or its line empty.
 */
export function motdFromConfig(config: ImapdConfig, logger?: Logger): () => string | null {
  const file = join(config.configDirectory, 'msg', 'motd');
  return () => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') logger?.warn({ err: (err as Error).message, file }, 'cannot read the motd file');
      return null;
    }
    const line = text.split(/\r?\n/, 1)[0]!.trim();
    return line === '' ? null : line;
  };
}

export class ImapServer {
  private readonly sessions = new Set<Session>();
  private readonly unsubscribe: () => void;

  private constructor(readonly deps: ImapDeps) {
    this.unsubscribe = deps.store.onChange((name) => this.mailboxChanged(name));
  }

  static create(options: ImapServerOptions): ImapServer {
    const { config, logger } = options;
    const store = MailStore.open({ config, logger, partitionChooser: PartitionSelector.fromConfig(config, { logger }), notifier: options.notifier });
    const auth = Authenticator.create({ config, logger, ...options.auth });
    return new ImapServer({
      config,
      store,
      auth,
      namespace: Namespace.fromConfig(config),
      logger,
      tlsContext: tlsContextFromConfig(config, logger),
      serverName: config.string('servername') ?? hostname(),
      limits: limitsFromConfig(config, logger),
      serviceName: options.serviceName,
      motd: motdFromConfig(config, logger),
    });
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  /** Serve one connection until it closes. */
  handleConnection(socket: Duplex, options: Omit<SessionOptions, 'onClose'> & { onClose?: () => void }): Session {
    if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
    const session = new Session(this.deps, socket, {
      ...options,
      onClose: () => {
        this.sessions.delete(session);
        options.onClose?.();
      },
    });
    this.sessions.add(session);
    session.start();
    return session;
  }

  /** A mailbox changed (in this process, or in another one as the notification channel says). */
  mailboxChanged(name: string): void {
    for (const session of this.sessions) session.mailboxChanged(name);
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
    this.deps.store.close();
    this.deps.auth.close();
  }
}
