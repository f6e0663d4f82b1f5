/**
 * What every POP3 session of a process shares: configuration, the mail store and the layers above
 * it, authentication, naming, rights, TLS and the settings read once from imapd.conf. Built once per
 * worker process by the pop3d service (or by a test).
 */
import type { SecureContext } from 'node:tls';
import type { Accounts } from '../accounts/index.js';
import type { RightsChecker } from '../acl/index.js';
import type { Authenticator } from '../auth/index.js';
import type { Logger, TelemetryOpener } from '../common/index.js';
import type { ImapdConfig } from '../config/index.js';
import type { Namespace } from '../names/index.js';
import type { MailStore, MaildropStore } from '../store/index.js';
import type { UidlFormat } from './wire/uidl.js';

export interface Pop3Settings {
  /** Inactivity autologout (poptimeout, at least 10 minutes), ms. */
  timeoutMs: number;
  /** prelogin_timeout: from the greeting to a login at most this long (never longer than timeoutMs), ms. */
  preloginTimeoutMs?: number;
  /** Longest command line (and SASL response line) accepted. */
  maxLineLength: number;
  /** popminpoll in seconds (0: none); CAPA LOGIN-DELAY. */
  minPollSeconds: number;
  /** poppollpadding. */
  pollPadding: number;
  /** popexpiretime in whole days; null: NEVER. */
  expireDays: number | null;
  useImapFlags: boolean;
  useAcl: boolean;
  subfolders: boolean;
  lockMaildrop: boolean;
  uidlFormat: UidlFormat;
  /** serverinfo: how much the greeting and CAPA IMPLEMENTATION tell. */
  serverInfo: 'off' | 'min' | 'on';
}

export interface Pop3Deps {
  config: ImapdConfig;
  store: MailStore;
  accounts: Accounts;
  maildrops: MaildropStore;
  auth: Authenticator;
  namespace: Namespace;
  rights: RightsChecker;
  logger: Logger;
  /** TLS credentials for STLS; null when tls_server_cert/key are not set. */
  tlsContext: SecureContext | null;
  serverName: string;
  /** The first line of msg/shutdown while that file exists (new connections are refused, sessions end); null otherwise. */
  shutdown(): string | null;
  /** Opens the per-user telemetry trace at login ({configdirectory}/log/USER); absent: never traced. */
  telemetry?: TelemetryOpener;
  settings: Pop3Settings;
  /** The cyrus.conf SERVICES name (pop3, pop3s) for SERVICE_option lookups and auth. */
  serviceName: string;
}

/** RFC 1939 section 3: an autologout timer lasts at least 10 minutes. */
export const MIN_TIMEOUT_SECONDS = 10 * 60;

/**
 * Command lines up to this long are read (RFC 2449 allows 255 octets; the margin is for SASL
 * responses, whose decoded size the auth module caps at SASL_MAX_MESSAGE).
 */
export const MAX_LINE_LENGTH = 16 * 1024;

export function settingsFromConfig(config: ImapdConfig, logger?: Logger): Pop3Settings {
  let timeout = config.seconds('poptimeout') ?? MIN_TIMEOUT_SECONDS;
  if (timeout < MIN_TIMEOUT_SECONDS) {
    logger?.warn({ option: 'poptimeout', configured: timeout, used: MIN_TIMEOUT_SECONDS }, 'poptimeout is below 10 minutes (RFC 1939): using 10 minutes');
    timeout = MIN_TIMEOUT_SECONDS;
  }
  const expire = config.seconds('popexpiretime') ?? -1;
  return {
    timeoutMs: timeout * 1000,
    preloginTimeoutMs: (config.seconds('prelogin_timeout') ?? 60) * 1000,
    maxLineLength: MAX_LINE_LENGTH,
    minPollSeconds: config.seconds('popminpoll') ?? 0,
    pollPadding: config.int('poppollpadding'),
    expireDays: expire < 0 ? null : Math.floor(expire / 86400),
    useImapFlags: config.bool('popuseimapflags'),
    useAcl: config.bool('popuseacl'),
    subfolders: config.bool('popsubfolders'),
    lockMaildrop: config.bool('poplockmaildrop'),
    uidlFormat: config.enum<UidlFormat>('uidl_format'),
    serverInfo: config.enum<'off' | 'min' | 'on'>('serverinfo'),
  };
}
