/** What every LMTP session of a process shares (built once by LmtpServer.create). */
import type { SecureContext } from 'node:tls';
import type { Authenticator, UseridRules } from '../auth/index.js';
import type { Logger } from '../common/index.js';
import type { ImapdConfig } from '../config/index.js';
import type { Intake } from '../intake/index.js';
import type { Recipients } from '../recipients/index.js';

export interface LmtpPolicy {
  /** `lmtpd -a`: TCP connections may deliver without AUTH (UNIX socket connections always may). */
  preauthorized: boolean;
  /** lmtp_over_quota_perm_failure. */
  overQuotaPermanent: boolean;
  /** lmtp_strict_quota: refuse the message that would exceed, not only once over. */
  strictQuota: boolean;
  /** lmtp_strict_rfc2821: 8-bit in an envelope local part is refused (else made "X"). */
  strictAddresses: boolean;
  /** reject8bit: 8-bit header bytes refuse the message. */
  reject8bit: boolean;
}

export interface LmtpLimits {
  /** Largest message (the intake's maxmessagesize); advertised as SIZE. */
  maxMessageSize: number;
  /** Most recipients in one transaction (more: 452 4.5.3, the client sends them again later). */
  maxRecipients: number;
  /** Longest command line. */
  maxLineLength: number;
  /** Inactivity before the session is closed with 421. */
  idleTimeoutMs: number;
  /** prelogin_timeout: an untrusted session that has not done AUTH by then is closed (never later than idleTimeoutMs). */
  preloginTimeoutMs?: number;
  /** Bad commands after which the session is closed with 421. */
  maxBadCommands: number;
}

export interface LmtpDeps {
  readonly config: ImapdConfig;
  readonly serviceName: string;
  readonly logger: Logger;
  readonly serverName: string;
  readonly auth: Authenticator;
  /** Canonical userids (MAIL AUTH=). */
  readonly userids: UseridRules;
  readonly intake: Intake;
  /** The one recipient decision (src/recipients), shared with smmapd. */
  readonly recipients: Recipients;
  readonly tlsContext: SecureContext | null;
  readonly policy: LmtpPolicy;
  readonly limits: LmtpLimits;
}
