/**
 * The contract between a worker process and the program it runs for one SERVICES entry (imapd,
 * pop3d, lmtpd). It lives below both: the protocols implement it, the master runs what it is
 * handed (the entry point names the programs), and neither imports the other.
 */
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type { ImapdConfig } from '../config/index.js';
import type { Logger } from './log.js';

/** The change-notification channel shared by every process of the server (the master's hub). */
export interface ChangeChannel {
  /** Tell every other process that this mailbox changed. */
  publish(mailbox: string): void;
  /** Hear about other processes' changes; returns the unsubscribe function. */
  subscribe(listener: (mailbox: string) => void): () => void;
}

/** What a worker process gives the program it runs for one SERVICES entry. */
export interface ServiceContext {
  /** The SERVICES entry name in cyrus.conf, e.g. "imap", "imaps", "lmtpunix". */
  readonly serviceName: string;
  /** imapd.conf seen from this service: `imaps_option` beats `option`. */
  readonly config: ImapdConfig;
  /** The worker's logger (one per process); make a child with a session id per connection. */
  readonly logger: Logger;
  /** The change-notification channel shared by every process of the server. */
  readonly notify: ChangeChannel;
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

/**
 * The master's word on one connection's login (per-user and per-address session limits). Sessions
 * started without a master (tests, tools) have none and no limits.
 */
export interface LoginGate {
  /** The session logged in as `userid`: resolves null when it may go on, else the limit that refuses it. */
  loggedIn(userid: string): Promise<string | null>;
  /** The session is past the login stage without a user (a trusted LMTP peer). */
  passed(): void;
}

export interface ServiceInstance {
  /** Serve one accepted connection (already TLS when ctx.tls). */
  handleConnection(socket: net.Socket, loginGate?: LoginGate): void;
  /** Stop taking work; resolve when every session has ended, or once `deadlineMs` (epoch ms) passes. */
  shutdown(deadlineMs: number): Promise<void>;
  activeConnections(): number;
}

/** The programs a SERVICES cmd can name (imapd, pop3d, lmtpd), each loaded only where it runs. */
export type ServicePrograms = Readonly<Record<string, () => Promise<{ program: ServiceProgram }>>>;

/** A short random id that tags every log line of one connection. */
export function newSessionId(): string {
  return randomBytes(6).toString('base64url');
}

/** Where an accepted socket came from, as a protocol server's handleConnection takes it. */
export interface SocketOrigin {
  tls: boolean;
  unixSocket: boolean;
  localAddress: string | undefined;
  remoteAddress: string | undefined;
  /** The master's login limits for this connection (none when run without a master). */
  loginGate?: LoginGate;
}

/** What a protocol server offers the worker: connections in, a drain, a close, a session count. */
export interface ConnectionServer {
  handleConnection(socket: net.Socket, origin: SocketOrigin): void;
  shutdown(deadlineMs: number): Promise<void>;
  close(): void;
  readonly activeSessions: number;
}

/**
 * The ServiceInstance of one protocol server: each socket is handed over with its origin (a UNIX
 * socket has neither remote address nor port), and a shutdown drains, runs `onShutdown`, then closes.
 */
export function serviceInstance(ctx: ServiceContext, server: ConnectionServer, onShutdown?: () => void): ServiceInstance {
  return {
    handleConnection(socket: net.Socket, loginGate?: LoginGate) {
      const unixSocket = socket.remoteAddress === undefined && socket.remotePort === undefined;
      server.handleConnection(socket, { tls: ctx.tls, unixSocket, localAddress: socket.localAddress, remoteAddress: socket.remoteAddress, loginGate });
    },
    async shutdown(deadlineMs: number) {
      await server.shutdown(deadlineMs);
      onShutdown?.();
      server.close();
    },
    activeConnections: () => server.activeSessions,
  };
}
