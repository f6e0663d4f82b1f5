/**
 * What every IMAP session of a process shares: configuration, the mail store, authentication and
 * naming, TLS, limits. Built once per worker process by the imapd service (or by a test).
 */
import type { SecureContext } from 'node:tls';
import type { Authenticator, Namespace } from '../auth/index.js';
import type { ImapdConfig } from '../config/index.js';
import type { Logger } from '../common/log.js';
import type { MailStore } from '../store/index.js';

export interface ImapLimits {
  maxLineLength: number;
  maxLiteralSize: number;
  maxMessageSize: number;
  maxArgumentsSize: number;
  /** Autologout after this much inactivity (ms). */
  timeoutMs: number;
  /** Autologout while in IDLE (ms). */
  idleTimeoutMs: number;
  /** Inactivity allowed before login (ms). */
  preauthTimeoutMs: number;
  maxBadCommands: number;
  maxUnauthCommands: number;
}

export interface ImapDeps {
  /** imapd.conf as this service sees it. */
  config: ImapdConfig;
  store: MailStore;
  auth: Authenticator;
  namespace: Namespace;
  logger: Logger;
  /** TLS credentials for STARTTLS; null when tls_server_cert/key are not set. */
  tlsContext: SecureContext | null;
  serverName: string;
  limits: ImapLimits;
  /** The service name (cyrus.conf SERVICES entry) for SERVICE_option lookups and auth. */
  serviceName: string;
}

/** Limits from imapd.conf (maxlinelength, maxliteral, maxmessagesize, timeout, ...). */
export function limitsFromConfig(config: ImapdConfig): ImapLimits {
  const maxMessageSize = config.bytes('maxmessagesize') || 64 * 1024 * 1024;
  const timeoutMs = (config.seconds('timeout') ?? 32 * 60) * 1000;
  return {
    maxLineLength: config.bytes('maxlinelength') || 64 * 1024,
    maxLiteralSize: config.bytes('maxliteral') || maxMessageSize,
    maxMessageSize,
    maxArgumentsSize: config.bytes('maxargssize'),
    timeoutMs,
    idleTimeoutMs: (config.seconds('imapidletimeout') ?? 0) * 1000 || timeoutMs,
    preauthTimeoutMs: Math.min(timeoutMs, 5 * 60 * 1000),
    maxBadCommands: config.int('imap_max_bad_commands'),
    maxUnauthCommands: config.int('imap_max_unauth_commands'),
  };
}
