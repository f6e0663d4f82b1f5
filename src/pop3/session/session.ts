/**
 * One POP3 connection: reads command lines, runs them one at a time through the registry (state
 * gate, parse, handler, one error mapping), answers pipelined commands in order and flushes when
 * no further command is waiting, and keeps the inactivity timer. The maildrop is given back when
 * the session ends, however it ends; only QUIT enters UPDATE.
 */
import type { Duplex } from 'node:stream';
import { connectionContext, tlsStarted, type ConnectionContext, type Identity } from '../../auth/index.js';
import {
  attachSocket, detachSocket, hangUp, newSessionId, sessionListeners, swapToTls, tlsHandshake, type Logger, type LoginGate, type SocketListeners, type Telemetry, endTrace, startTrace,
} from '../../common/index.js';
import { implementation } from '../capabilities.js';
import type { CommandContext } from '../commands/types.js';
import { REGISTRY } from '../commands/registry.js';
import type { Pop3Deps } from '../deps.js';
import { errLine, Pop3Error, pop3Failure } from '../error-map.js';
import { parseCommandLine, Pop3SyntaxError } from '../wire/command-line.js';
import { LineReader, type LineEvent } from '../wire/line-reader.js';
import type { BackendLink } from '../../murder/index.js';
import { loginOnBackend, remoteMaildropServer } from '../proxy/backend.js';
import { Pop3Relay } from '../proxy/relay.js';
import { Maildrop } from './maildrop.js';
import type { PendingUser, SessionState } from './state.js';
import { ResponseWriter } from './writer.js';

/** Stop reading from the socket while this much unread input is buffered. */
const PAUSE_AT = 1024 * 1024;
/** Unknown commands (and over-long lines) in a row a session may send before it is closed (Dovecot: 20). */
export const MAX_BAD_COMMANDS = 20;
const TOO_MANY = '; too many bad commands, closing';

export interface SessionOptions {
  tls: boolean;
  unixSocket: boolean;
  localAddress?: string;
  remoteAddress?: string;
  /** The master's per-user and per-address session limits, asked at login. */
  loginGate?: LoginGate;
  onClose?: () => void;
}

export class Session {
  readonly id = newSessionId();
  readonly log: Logger;
  state: SessionState = { kind: 'authorization', pendingUser: null };
  private socket: Duplex;
  private readonly listeners: SocketListeners;
  private readonly reader: LineReader;
  private readonly out: ResponseWriter;
  private readonly connection: ConnectionContext;
  private tls: boolean;
  private busy = false;
  private pumping = false;
  private closed = false;
  private closeRequested = false;
  private badCommands = 0;
  private tlsRequested = false;
  private lineWaiter: ((line: LineEvent | null) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** A proxied login's backend, joined to the client once the +OK is out. */
  private proxyPending: BackendLink | null = null;
  private relay: Pop3Relay | null = null;
  private readonly context: CommandContext;
  /** The user's telemetry trace ({configdirectory}/log/USER), from the login's +OK on; null: not traced. */
  private telemetry: Telemetry | null = null;

  constructor(
    private readonly deps: Pop3Deps,
    socket: Duplex,
    private readonly options: SessionOptions,
  ) {
    this.socket = socket;
    this.tls = options.tls;
    this.reader = new LineReader(deps.settings.maxLineLength);
    this.out = new ResponseWriter(socket);
    this.log = deps.logger.child({ sid: this.id });
    this.listeners = sessionListeners(this.log, this.onData, () => this.finish('client closed connection'));
    this.connection = connectionContext(deps.serviceName, options, this.id, () => this.closed, socket);
    this.context = this.makeContext();
  }

  start(): void {
    this.log.info({ remote: this.options.remoteAddress, tls: this.tls }, 'connection opened');
    attachSocket(this.socket, this.listeners);
    const down = this.deps.shutdown();
    if (down !== null) {
      // msg/shutdown exists: new connections are refused with its first line (Cyrus's pop3d).
      this.out.line(errLine({ code: 'SYS/TEMP', text: down }));
      void this.hangUp('shutdown file');
      return;
    }
    const info = this.deps.settings.serverInfo;
    const name = info === 'off' ? '' : ` ${this.deps.serverName}`;
    const version = info === 'on' ? ` ${implementation()}` : '';
    this.out.line(`+OK${name}${version} server ready`);
    void this.out.flush();
    this.armTimer();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.armTimer();
    this.telemetry?.input(chunk);
    this.reader.push(chunk);
    if (this.reader.bufferedBytes > PAUSE_AT) this.socket.pause();
    this.pump();
  };

  /** RFC 1939 section 3: an expired timer closes the connection without UPDATE and without an answer. */
  private armTimer(): void {
    if (this.closed || this.state.kind === 'proxied') return;
    const { timeoutMs, preloginTimeoutMs } = this.deps.settings;
    // Before login the window (prelogin_timeout) runs from the greeting, whatever the client sends.
    const prelogin = this.state.kind === 'authorization';
    if (prelogin && this.timer) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.socket.destroy();
      this.finish(prelogin ? 'no login in time' : 'autologout');
    }, prelogin ? Math.min(timeoutMs, preloginTimeoutMs ?? timeoutMs) : timeoutMs);
    this.timer.unref();
  }

  /** Run buffered commands until more input is needed or a command is running. */
  private pump(): void {
    if (this.pumping || this.closed || this.state.kind === 'proxied') return;
    this.pumping = true;
    try {
      for (;;) {
        if (this.lineWaiter) {
          const event = this.reader.next();
          if (!event) break;
          const waiter = this.lineWaiter;
          this.lineWaiter = null;
          waiter(event);
          continue;
        }
        if (this.busy) break;
        const event = this.reader.next();
        if (!event) break;
        this.busy = true;
        this.run(event)
          .catch((err: unknown) => {
            // Only I/O around a command gets here (handlers' errors are answered): drop the connection.
            this.log.error({ err }, 'session failed');
            this.dropConnection('session failed');
          })
          .finally(() => {
            this.busy = false;
            this.pump();
          });
        break;
      }
    } finally {
      this.pumping = false;
    }
    if (!this.closed && this.reader.bufferedBytes < PAUSE_AT) this.socket.resume();
  }

  private async run(event: LineEvent): Promise<void> {
    if (event.kind === 'tooLong') {
      this.countBad();
      this.out.line(`-ERR Line too long${this.closeRequested ? TOO_MANY : ''}`);
    } else await this.execute(event.text);
    if (this.closed) return;
    if (this.proxyPending) return this.startRelay(this.proxyPending);
    this.armTimer();
    if (this.closeRequested) {
      await this.hangUp(this.state.kind === 'update' ? 'quit' : 'closed by server');
      return;
    }
    if (this.tlsRequested) {
      await this.out.flush();
      await this.upgradeTls();
      return;
    }
    if (this.reader.hasLine()) await this.out.maybeFlush();
    else await this.out.flush();
  }

  private async execute(line: string): Promise<void> {
    const down = this.deps.shutdown();
    if (down !== null) {
      // msg/shutdown appeared: the session ends before its next command, without UPDATE.
      this.out.line(errLine({ code: 'SYS/TEMP', text: down }));
      await this.hangUp('shutdown file');
      return;
    }
    try {
      const { name, argument } = parseCommandLine(line);
      const command = REGISTRY.get(name);
      if (!command || (this.state.kind !== 'authorization' && this.state.kind !== 'transaction') || !command.states.includes(this.state.kind)) {
        this.countBad();
        throw new Pop3Error(null, 'Unrecognized command');
      }
      this.badCommands = 0;
      this.log.debug({ command: name }, 'command');
      await command.handle(this.context, command.parse(argument));
    } catch (err) {
      if (this.closed) return;
      if (err instanceof Pop3SyntaxError || err instanceof Pop3Error) {
        const text = this.badCommands >= MAX_BAD_COMMANDS && this.closeRequested ? `${err.message}${TOO_MANY}` : err.message;
        this.out.line(errLine({ code: err instanceof Pop3Error ? err.code : null, text }));
        return;
      }
      const failure = pop3Failure(err, 'command');
      // The command's name only: a PASS or AUTH line carries a secret.
      if (failure.internal) this.log.error({ err, command: line.split(/[ \t]/, 1)[0]!.slice(0, 8).toUpperCase() }, 'internal error');
      this.out.line(errLine(failure));
    }
  }

  /**
   * An unknown command or an over-long line: after MAX_BAD_COMMANDS of them in a row the
   * session ends (a client that only sends garbage gets no endless answers).
   */
  private countBad(): void {
    if (++this.badCommands < MAX_BAD_COMMANDS || this.closeRequested) return;
    this.log.info({ bad: this.badCommands }, 'too many bad commands');
    this.closeRequested = true;
  }

  private makeContext(): CommandContext {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const session = this;
    return {
      deps: this.deps,
      out: this.out,
      sessionId: this.id,
      log: this.log,
      connection: this.connection,
      get tls() {
        return session.tls;
      },
      get state() {
        return session.state;
      },
      maildrop: () => {
        if (this.state.kind !== 'transaction') throw new Error('no maildrop before login');
        return this.state.maildrop;
      },
      setPendingUser: (user) => this.setPendingUser(user),
      loggedIn: (identity, subfolder) => this.loggedIn(identity, subfolder),
      readLine: () => this.readLine(),
      startTls: () => {
        this.tlsRequested = true;
      },
      closeAfterReply: () => {
        this.closeRequested = true;
      },
      dropConnection: (reason) => this.dropConnection(reason),
      enterUpdate: () => {
        if (this.state.kind === 'transaction') this.state = { kind: 'update', maildrop: this.state.maildrop };
      },
    };
  }

  private setPendingUser(user: PendingUser | null): void {
    if (this.state.kind === 'authorization') this.state = { kind: 'authorization', pendingUser: user };
  }

  /** After a good login: first contact (INBOX autocreation), then the maildrop, then TRANSACTION. */
  private async loggedIn(identity: Identity, subfolder: string | null): Promise<void> {
    const refusal = (await this.options.loginGate?.loggedIn(identity.userid))?.refusal ?? null;
    if (refusal !== null) {
      this.log.info({ user: identity.userid, limit: refusal }, 'login refused: too many sessions');
      throw new Pop3Error('SYS/TEMP', `Too many sessions: ${refusal}`);
    }
    const server = remoteMaildropServer(this.deps, identity);
    if (server !== null) return this.proxyLogin(identity, subfolder, server);
    try {
      const contact = await this.deps.accounts.firstLogin(identity);
      if (contact.kind === 'frontend' && contact.backend !== null) {
        // A Murder frontend: the user's first login makes the INBOX on a serverlist backend.
        await this.proxyLogin(identity, subfolder, contact.backend);
        this.deps.accounts.mirrorNewInbox(identity, contact.backend);
        return;
      }
    } catch (err) {
      if (err instanceof Pop3Error) throw err;
      // The login stands (as in Cyrus): opening the maildrop says what is missing.
      this.log.warn({ err, user: identity.userid }, 'autocreate of INBOX failed');
    }
    let maildrop: Maildrop;
    try {
      maildrop = Maildrop.open(this.deps, identity, subfolder, this.id);
    } catch (err) {
      const failure = pop3Failure(err, 'maildrop');
      if (failure.internal) this.log.error({ err, user: identity.userid }, 'opening the maildrop failed');
      else this.log.info({ user: identity.userid, reason: (err as Error).message }, 'maildrop refused');
      throw new Pop3Error(failure.code, failure.text);
    }
    if (this.closed) {
      maildrop.release();
      return;
    }
    this.state = { kind: 'transaction', identity, maildrop };
    this.armTimer();
    // The one "login" line is the auth module's; this one says which maildrop the session holds.
    this.log.info({ user: identity.userid, mailbox: maildrop.mailboxName, messages: maildrop.count }, 'maildrop opened');
    // Cyrus's pop3d starts the trace here, with the maildrop open: its +OK is the first line traced.
    this.startTelemetry(identity);
    this.out.line(`+OK Mailbox locked and ready SESSIONID=<${this.id}>`);
  }

  /** Murder frontend: log in on the backend holding the INBOX; the relay starts after the +OK. */
  private async proxyLogin(identity: Identity, subfolder: string | null, server: string): Promise<void> {
    if (subfolder !== null) throw new Pop3Error('SYS/PERM', 'Subfolder logins are not available for this mailbox');
    const link = await loginOnBackend(this.deps, server, identity.userid, this.log);
    if (this.closed) {
      link.close();
      return;
    }
    this.state = { kind: 'proxied', identity, server };
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.proxyPending = link;
    this.log.info({ user: identity.userid, server }, 'proxying to backend');
    this.out.line(`+OK Mailbox locked and ready SESSIONID=<${this.id}>`);
  }

  /** Join the client to the backend: the session reads no more commands of its own. */
  private async startRelay(link: BackendLink): Promise<void> {
    this.proxyPending = null;
    await this.out.flush();
    detachSocket(this.socket, this.listeners);
    this.relay = Pop3Relay.start(this.socket, this.reader.takeRest(), link, (reason) => this.finish(reason));
  }

  private readLine(): Promise<string | null> {
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.lineWaiter = (event) => resolve(event === null ? null : event.kind === 'line' ? event.text : '*');
      queueMicrotask(() => this.pump());
    });
  }

  private async upgradeTls(): Promise<void> {
    this.tlsRequested = false;
    const old = this.socket;
    // Anything the client pipelined after STLS in plaintext is discarded (RFC 2595 section 4).
    this.reader.clear();
    const secure = swapToTls(old, this.listeners, this.deps.tlsContext);
    this.socket = secure;
    this.out.replaceSocket(secure);
    this.tls = true;
    tlsStarted(this.connection, secure);
    await tlsHandshake(secure);
  }

  private startTelemetry(identity: Identity): void {
    this.telemetry = startTrace(this.deps.telemetry, identity.userid, this.id, this.out);
  }

  private dropConnection(reason: string): void {
    this.socket.destroy();
    this.finish(reason);
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.reader.clear();
    if (this.timer) clearTimeout(this.timer);
    this.lineWaiter?.(null);
    this.lineWaiter = null;
    this.proxyPending?.close();
    this.proxyPending = null;
    if (this.state.kind === 'transaction' || this.state.kind === 'update') this.state.maildrop.release();
    this.state = { kind: 'closed' };
    this.telemetry = endTrace(this.telemetry, this.out);
    this.log.info({ reason }, 'connection closed');
    this.options.onClose?.();
  }

  /** Who the session is logged in as (null before login and once in UPDATE): the deny sweep's question. */
  get loggedInAs(): Identity | null {
    return this.state.kind === 'transaction' || this.state.kind === 'proxied' ? this.state.identity : null;
  }

  /**
   * cyr_deny now denies the user this service: the session ends as at a server shutdown (POP3 has
   * no other way to tell the client), with the admin's message, and no maildrop change is made.
   */
  endDenied(message: string): void {
    if (this.closed) return;
    this.log.info({ user: this.loggedInAs?.userid }, 'session ended: access denied (cyr_deny)');
    if (this.relay) return this.relay.stop('access denied');
    if (this.busy) return this.dropConnection('access denied');
    this.out.line(`-ERR [SYS/TEMP] ${message}`);
    void this.hangUp('access denied');
  }

  /** Server shutdown: tell an idle client and close; a session in the middle of an answer is cut. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    // A relayed session is the backend's to end: both connections are closed.
    if (this.relay) return this.relay.stop('server shutdown');
    if (this.busy) return this.dropConnection('server shutdown');
    this.out.line('-ERR [SYS/TEMP] Server shutting down');
    await this.hangUp('server shutdown');
  }

  /**
   * The server ends the session: nothing more is read from this moment (what the client still
   * sends is neither read nor buffered), the queued answers go out, and the connection is
   * destroyed after a short linger (common/socket-session.ts).
   */
  private async hangUp(reason: string): Promise<void> {
    const flushed = this.out.flush();
    hangUp(this.socket, this.listeners);
    this.finish(reason);
    await flushed;
  }
}
