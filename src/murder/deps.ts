/**
 * What every mupdate session of a process shares: configuration, the authenticator, TLS, the
 * Murder's list and the settings read once from imapd.conf. Built once by the mupdate service (or
 * a test).
 */
import type { SecureContext } from 'node:tls';
import type { Authenticator } from '../auth/index.js';
import type { Logger } from '../common/index.js';
import type { ImapdConfig } from '../config/index.js';
import type { MupdateList } from './list.js';

export type MupdateMode = 'master' | 'slave';

export interface MupdateSettings {
  /** prelogin_timeout: from the greeting to a login at most this long, ms. */
  preloginTimeoutMs: number;
  /** Longest command line between literals. */
  maxLineLength: number;
  /** Largest literal (a mailbox name, a location, an ACL, a SASL response). */
  maxLiteral: number;
  /** mupdate_connections_max: sessions of this process; over it a new connection hears BYE. */
  connectionsMax: number;
  /** Output a streaming client has not read, past which it is disconnected (it resyncs on reconnect). */
  maxStreamBacklog: number;
}

export interface MupdateDeps {
  config: ImapdConfig;
  auth: Authenticator;
  logger: Logger;
  tlsContext: SecureContext | null;
  serverName: string;
  mode: MupdateMode;
  list: MupdateList;
  settings: MupdateSettings;
  /** The cyrus.conf SERVICES name (mupdate) for SERVICE_option lookups and auth. */
  serviceName: string;
}

export const MAX_LINE_LENGTH = 64 * 1024;
export const MAX_LITERAL = 64 * 1024;
/** Most literals in one command (ACTIVATE has three strings). */
export const MAX_LITERALS = 4;

export function settingsFromConfig(config: ImapdConfig): MupdateSettings {
  return {
    preloginTimeoutMs: (config.seconds('prelogin_timeout') ?? 60) * 1000,
    maxLineLength: MAX_LINE_LENGTH,
    maxLiteral: MAX_LITERAL,
    connectionsMax: config.int('mupdate_connections_max'),
    maxStreamBacklog: 16 * 1024 * 1024,
  };
}
