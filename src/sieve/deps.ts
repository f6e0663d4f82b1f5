/**
 * What every ManageSieve session of a process shares: configuration, the script store, the
 * authenticator, TLS and the settings read once from imapd.conf. Built once per worker process by
 * the timsieved service (or by a test).
 */
import type { SecureContext } from 'node:tls';
import type { Authenticator } from '../auth/index.js';
import type { Logger, TelemetryOpener } from '../common/index.js';
import type { ImapdConfig } from '../config/index.js';
import { allowedExtensions } from '../sieve-script/index.js';
import type { SieveScriptStore } from '../store/index.js';

export interface SieveSettings {
  /** Inactivity autologout (the `timeout` option), ms. */
  timeoutMs: number;
  /** prelogin_timeout: from the greeting to a login at most this long, ms. */
  preloginTimeoutMs: number;
  /** Longest command line between literals. */
  maxLineLength: number;
  /** sieve_maxscriptsize in bytes: the largest literal taken after login. */
  maxScriptSize: number;
  /** The extensions scripts may require: SUPPORTED_EXTENSIONS ∩ sieve_extensions, in the language's order. */
  extensions: readonly string[];
  /** sieve_sasl_send_unsolicited_capability. */
  unsolicitedCapability: boolean;
  /** serverinfo: whether IMPLEMENTATION names the version. */
  serverInfo: 'off' | 'min' | 'on';
}

export interface SieveDeps {
  config: ImapdConfig;
  scripts: SieveScriptStore;
  auth: Authenticator;
  logger: Logger;
  /** TLS credentials for STARTTLS; null when tls_server_cert/key are not set. */
  tlsContext: SecureContext | null;
  serverName: string;
  /** The first line of msg/shutdown while that file exists; null otherwise. */
  shutdown(): string | null;
  /** Opens the per-user telemetry trace at login ({configdirectory}/log/USER); absent: never traced. */
  telemetry?: TelemetryOpener;
  settings: SieveSettings;
  /** The cyrus.conf SERVICES name (sieve) for SERVICE_option lookups and auth. */
  serviceName: string;
}

/** Longest command line (SASL responses included; their decoded size is capped by the auth module). */
export const MAX_LINE_LENGTH = 16 * 1024;
/** Largest literal before login (SASL data only) and the least taken after it. */
export const PRELOGIN_MAX_LITERAL = 16 * 1024;
export const MIN_MAX_LITERAL = 4 * 1024;
/** Most literals in one command (PUTSCRIPT and RENAMESCRIPT have two strings). */
export const MAX_LITERALS = 4;

/** The server's extensions: what the language supports, narrowed by sieve_extensions when set. */
export function allowedExtensionsOf(config: ImapdConfig): string[] {
  return allowedExtensions(config.isSet('sieve_extensions') ? config.list('sieve_extensions') : null);
}

export function settingsFromConfig(config: ImapdConfig): SieveSettings {
  const timeout = config.seconds('timeout') ?? 30 * 60;
  return {
    timeoutMs: Math.max(60, timeout) * 1000,
    preloginTimeoutMs: (config.seconds('prelogin_timeout') ?? 60) * 1000,
    maxLineLength: MAX_LINE_LENGTH,
    maxScriptSize: config.int('sieve_maxscriptsize') * 1024,
    extensions: allowedExtensionsOf(config),
    unsolicitedCapability: config.bool('sieve_sasl_send_unsolicited_capability'),
    serverInfo: config.enum<'off' | 'min' | 'on'>('serverinfo'),
  };
}
