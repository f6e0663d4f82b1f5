/**
 * The contract between a worker process and the program it runs for one SERVICES entry (imapd,
 * pop3d, lmtpd). It lives below both: the protocols implement it, the master runs what it is
 * handed (the entry point names the programs), and neither imports the other.
 */
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type { ImapdConfig } from '../config/index.js';
import type { Logger } from './log.js';
import type { AppendFacts } from './append-facts.js';

/** The change-notification channel shared by every process of the server (the master's hub). */
export interface ChangeChannel {
  /** Tell every other process that this mailbox changed (`facts`: it was an append, and what it did). */
  publish(mailbox: string, facts?: AppendFacts): void;
  /** Hear about other processes' changes (with an append's facts when it told them); returns the unsubscribe function. */
  subscribe(listener: (mailbox: string, facts?: AppendFacts) => void): () => void;
  /**
   * Hear only the changes this process says it wants (src/master/notify.ts): from now on the
   * returned interest decides; a process that never calls this hears every change.
   */
  narrow?(): ChangeInterest;
}

/** The mailbox names a process wants to hear of (kept up to date by its program). */
export interface ChangeInterest {
  /** `name` is wanted now (the first session selected it). */
  want(name: string): void;
  /** `name` is no longer wanted (its last session left it). */
  unwant(name: string): void;
  /** Every name is wanted (a session may want any: NOTIFY) or, with false, only those wanted by name. */
  wantAll(on: boolean): void;
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
 * The master's word on one connection's login (per-user and per-address session limits, and where
 * the session is best served). Sessions started without a master (tests, tools) have none and no limits.
 */
export interface LoginGate {
  /**
   * The session logged in as `userid`. `movable`: the session could be handed to another process of
   * the service (imapd: a plaintext TCP connection standing between commands).
   */
  loggedIn(userid: string, movable?: boolean): Promise<LoginVerdict>;
  /** The session is past the login stage without a user (a trusted LMTP peer). */
  passed(): void;
  /**
   * Hand this connection, with the session's state, to the process that serves the user's other
   * sessions (after a verdict with `move`). The caller has stopped reading the socket and took every
   * byte read; false when it cannot be sent now (the caller keeps serving the connection).
   */
  move?(moved: MovedSession): boolean;
  /**
   * Later moves (the master's rebalancing after a login storm): `asked` is called when the master
   * would like this logged-in session served by its user's home now. The session moves (move) at a
   * safe point of its own, or says it stays (stay). Registered once, by sessions that can move.
   */
  onMoveAsked?(asked: () => void): void;
  /** The session will not move after an ask (cannot now, or gave up waiting for a safe point). */
  stay?(): void;
}

export interface LoginVerdict {
  /** null when the session may go on, else the limit that refuses it. */
  refusal: string | null;
  /**
   * The master would rather this connection were served by the process that has the user's other
   * sessions: each mailbox then has one SQLite connection and one page cache on the machine instead
   * of one per worker (only ever true for a login that said `movable`).
   */
  move: boolean;
}

/** A logged-in session on its way to another worker process (protocol-neutral; imapd makes them). */
export interface MovedSession {
  /** The session's log id, kept so that its log lines read as one connection. */
  sessionId: string;
  userid: string;
  /** Identity.authenticatedAs (a proxy login), else null. */
  authenticatedAs: string | null;
  /** Base64 bytes the session had queued and not written yet (the login's answer): written first. */
  written: string;
  /** Base64 bytes read from the client and not consumed (pipelined commands): read first. */
  unread: string;
  /**
   * The protocol's own session state (JSON, read only by the program that wrote it), for a session
   * moved after its login (imapd: ENABLEd extensions and the selected mailbox's view); absent: none.
   */
  state?: string;
}

export const LOGIN_ALLOWED: LoginVerdict = Object.freeze({ refusal: null, move: false });

export interface ServiceInstance {
  /** Serve one accepted connection (already TLS when ctx.tls). */
  handleConnection(socket: net.Socket, loginGate?: LoginGate): void;
  /** Serve a connection another worker moved here (LoginGate.move); false: this program takes none. */
  resumeConnection(socket: net.Socket, moved: MovedSession, loginGate?: LoginGate): boolean;
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
  /** Serve a logged-in session another worker moved here (only servers whose sessions move). */
  resumeConnection?(socket: net.Socket, origin: SocketOrigin, moved: MovedSession): void;
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
    resumeConnection(socket: net.Socket, moved: MovedSession, loginGate?: LoginGate) {
      if (!server.resumeConnection) return false;
      server.resumeConnection(socket, { tls: false, unixSocket: false, localAddress: socket.localAddress, remoteAddress: socket.remoteAddress, loginGate }, moved);
      return true;
    },
    async shutdown(deadlineMs: number) {
      await server.shutdown(deadlineMs);
      onShutdown?.();
      server.close();
    },
    activeConnections: () => server.activeSessions,
  };
}
