/**
 * What every IMAP session of a process shares: configuration, the mail store, authentication and
 * naming, TLS, limits. Built once per worker process by the imapd service (or by a test).
 */
import type { SecureContext } from 'node:tls';
import type { Accounts } from '../accounts/index.js';
import type { RightsChecker } from '../acl/index.js';
import type { Authenticator } from '../auth/index.js';
import type { ImapdConfig } from '../config/index.js';
import type { Logger, ServerMessage, TelemetryOpener } from '../common/index.js';
import type { Intake } from '../intake/index.js';
import type { Namespace } from '../names/index.js';
import type { MailStore } from '../store/index.js';
import type { SearchLimits } from './commands/message/search/budget.js';
import type { IdlePoller } from './session/idle-poll.js';

interface ImapLimits {
  maxLineLength: number;
  maxLiteralSize: number;
  maxMessageSize: number;
  /** Most bytes of arguments in one command, literals included (maxargssize, always bounded). */
  maxArgumentsSize: number;
  /** Most literals in one command. */
  maxLiterals: number;
  /** The much tighter bounds before login: a few KB of arguments and a handful of literals. */
  preauth: { maxArgumentsSize: number; maxLiterals: number };
  /** Autologout after this much inactivity (ms). */
  timeoutMs: number;
  /** Autologout while in IDLE (ms). */
  idleTimeoutMs: number;
  /** Inactivity allowed before login (ms). */
  preauthTimeoutMs: number;
  maxBadCommands: number;
  maxUnauthCommands: number;
  /**
   * While idling, look at the selected mailbox this often (ms) even without a notification: the
   * safety net for a change made by a process that does not publish one.
   */
  idlePollMs: number;
  /** What one SEARCH may cost (search_maxcriteria, search_budget). */
  search: SearchLimits;
  /** Non-synchronising literals: LITERAL+ (any size) or, with `literalminus`, LITERAL- (up to 4096 bytes). */
  literalPlus: 'plus' | 'minus';
}

export interface ImapDeps {
  /** imapd.conf as this service sees it. */
  config: ImapdConfig;
  store: MailStore;
  /** A user's first contact (autocreation), rename and delete: the mail layer shared with POP3 and LMTP. */
  accounts: Accounts;
  /** Storing a new message (byte rules, quota / Sieve seams): the mail layer shared with LMTP. */
  intake: Intake;
  auth: Authenticator;
  namespace: Namespace;
  /** The one way to check a right (implicit_owner_rights, admins, ACLs), cached per identity. */
  rights: RightsChecker;
  logger: Logger;
  /** TLS credentials for STARTTLS; null when tls_server_cert/key are not set. */
  tlsContext: SecureContext | null;
  serverName: string;
  limits: ImapLimits;
  /** The service name (cyrus.conf SERVICES entry) for SERVICE_option lookups and auth. */
  serviceName: string;
  /** The message of the day (first line of {configdirectory}/msg/motd), sent as ALERT after login; null when none. */
  motd(): string | null;
  /** The first line of msg/shutdown while that file exists (sessions end, new ones are refused); null otherwise. */
  shutdown(): string | null;
  /** Replace msg/motd or msg/shutdown (null: remove it): METADATA's server /shared/motd and .../shutdown. */
  writeServerMessage(name: ServerMessage, text: string | null): void;
  /** Opens the per-user telemetry trace at login ({configdirectory}/log/USER); absent: never traced. */
  telemetry?: TelemetryOpener;
  /** The IDLE safety poll shared by the process's sessions (one timer, not one per session). */
  idlePoller: IdlePoller;
}

/** How often an idling session checks its mailbox without being told (ms). */
const IDLE_POLL_MS = 5000;

/** RFC 3501 section 5.4: an inactivity autologout timer lasts at least 30 minutes. */
export const MIN_TIMEOUT_SECONDS = 30 * 60;

/** `timeout` in seconds; below 30 minutes it is raised to 30 with a warning, as Cyrus does. */
export function sessionTimeoutSeconds(config: ImapdConfig, logger?: Logger): number {
  const configured = config.seconds('timeout') ?? 32 * 60;
  if (configured >= MIN_TIMEOUT_SECONDS) return configured;
  logger?.warn({ option: 'timeout', configured, used: MIN_TIMEOUT_SECONDS }, 'timeout is below 30 minutes (RFC 3501): using 30 minutes');
  return MIN_TIMEOUT_SECONDS;
}

/** Per-command bounds the configuration does not set (see issue 17: tiny literals before login). */
const MAX_LITERALS = 10_000;
const PREAUTH_MAX_ARGUMENTS_SIZE = 16 * 1024;
const PREAUTH_MAX_LITERALS = 8;

/** Limits from imapd.conf (maxlinelength, maxliteral, maxmessagesize, timeout, ...). */
export function limitsFromConfig(config: ImapdConfig, logger?: Logger): ImapLimits {
  const maxMessageSize = config.bytes('maxmessagesize') || 64 * 1024 * 1024;
  const timeoutMs = sessionTimeoutSeconds(config, logger) * 1000;
  const maxLineLength = config.bytes('maxlinelength') || 64 * 1024;
  const maxLiteralSize = config.bytes('maxliteral') || maxMessageSize;
  // maxargssize 0: one command may carry its largest literal plus a line of text, no more.
  const maxArgumentsSize = config.bytes('maxargssize') || Math.max(maxLiteralSize, maxMessageSize) + maxLineLength;
  return {
    maxLineLength,
    maxLiteralSize,
    maxMessageSize,
    maxArgumentsSize,
    maxLiterals: MAX_LITERALS,
    preauth: { maxArgumentsSize: Math.min(PREAUTH_MAX_ARGUMENTS_SIZE, maxArgumentsSize), maxLiterals: PREAUTH_MAX_LITERALS },
    timeoutMs,
    idleTimeoutMs: (config.seconds('imapidletimeout') ?? 0) * 1000 || timeoutMs,
    preauthTimeoutMs: (config.seconds('prelogin_timeout') ?? 60) * 1000,
    maxBadCommands: config.int('imap_max_bad_commands'),
    maxUnauthCommands: config.int('imap_max_unauth_commands'),
    idlePollMs: IDLE_POLL_MS,
    literalPlus: config.bool('literalminus') ? 'minus' : 'plus',
    search: { maxCriteria: config.int('search_maxcriteria'), budget: config.int('search_budget') },
  };
}
