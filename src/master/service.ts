import type net from 'node:net';
import type { ImapdConfig } from '../config/index.js';
import type { Logger } from '../common/log.js';
import type { NotifyClient } from './notify.js';

/**
 * What a worker process gives the program (imapd, pop3d, lmtpd) it runs for one SERVICES entry.
 */
export interface ServiceContext {
  /** The SERVICES entry name in cyrus.conf, e.g. "imap", "imaps", "lmtpunix". */
  readonly serviceName: string;
  /** imapd.conf seen from this service: `imaps_option` beats `option`. */
  readonly config: ImapdConfig;
  /** The worker's logger (one per process); make a child with a session id per connection. */
  readonly logger: Logger;
  /** The change-notification channel shared by every process of the server. */
  readonly notify: NotifyClient;
  /** The cmd arguments after the program name, e.g. ['-s', '-U', '30']. */
  readonly argv: readonly string[];
  /**
   * -s: TLS on connect. The worker wraps each socket before handleConnection, so the program
   * receives a tls.TLSSocket already; this flag tells it not to offer STARTTLS.
   */
  readonly tls: boolean;
}

/** One program that serves connections, loaded by a worker process. */
export interface ServiceProgram {
  start(ctx: ServiceContext): Promise<ServiceInstance>;
}

export interface ServiceInstance {
  /** Serve one accepted connection (already TLS when ctx.tls). */
  handleConnection(socket: net.Socket): void;
  /** Stop taking work; resolve when every session has ended, or once `deadlineMs` (epoch ms) passes. */
  shutdown(deadlineMs: number): Promise<void>;
  activeConnections(): number;
}

/** The programs a SERVICES cmd can name, and where each lives. */
export const SERVICE_PROGRAMS: Readonly<Record<string, () => Promise<{ program: ServiceProgram }>>> = {
  imapd: () => import('../imap/service.js'),
  pop3d: () => import('../pop3/service.js'),
  lmtpd: () => import('../lmtp/service.js'),
};

/** Messages between the master and a worker over the IPC channel. */
export type MasterToWorker = { type: 'conn'; id: number } | { type: 'shutdown'; deadlineMs: number };
export type WorkerToMaster = { type: 'ready' } | { type: 'closed'; id: number } | { type: 'failed'; message: string };
