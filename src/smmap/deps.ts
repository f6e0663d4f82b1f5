/** What every smmapd session of a process shares (built once by SmmapServer.create). */
import type { Logger } from '../common/index.js';
import type { Recipients } from '../recipients/index.js';
import type { AnswerPolicy } from './error-map.js';

export interface SmmapLimits {
  /** Longest request payload (a netstring declaring more is refused with PERM and the connection closed). */
  maxRequestLength: number;
  /** Requests read ahead of their answers before the socket is paused (a client that pipelines). */
  maxQueuedRequests: number;
  /** Inactivity before the connection is closed (Cyrus's smmapd: 360 s). */
  idleTimeoutMs: number;
}

export interface SmmapDeps {
  readonly serviceName: string;
  readonly logger: Logger;
  /** The one recipient decision (src/recipients), the one LMTP's RCPT makes. */
  readonly recipients: Recipients;
  readonly policy: AnswerPolicy;
  readonly limits: SmmapLimits;
}
