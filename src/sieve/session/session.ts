/**
 * One ManageSieve connection: reads commands (strings and literals, with limits), runs them one
 * at a time through the registry (state gate, parse, handler, one error mapping), answers
 * pipelined commands in order and flushes when no further input is waiting, and keeps the
 * inactivity timer. Logs one line per event with the session id; never a password nor a script.
 */
import type { Duplex } from 'node:stream';
import { connectionContext, tlsStarted, type ConnectionContext, type Identity } from '../../auth/index.js';
import {
  attachSocket, hangUp, newSessionId, sessionListeners, swapToTls, tlsHandshake, type Logger, type LoginGate, type SocketListeners, type Telemetry, endTrace, startTrace,
} from '../../common/index.js';
import { capabilityLines } from '../capabilities.js';
import { REGISTRY } from '../commands/registry.js';
import type { CommandContext } from '../commands/types.js';
import { MAX_LITERALS, MIN_MAX_LITERAL, PRELOGIN_MAX_LITERAL, type SieveDeps } from '../deps.js';
import { SieveError, sieveFailure } from '../error-map.js';
import { CommandReader, type CommandEvent, type Token } from '../wire/command-reader.js';
import type { ResponseCode } from '../wire/response.js';
import type { SessionState } from './state.js';
import { ResponseWriter } from './writer.js';

/** Stop reading from the socket while this much unread input is buffered. */
const PAUSE_AT = 1024 * 1024;
/** Bad commands in a row after which the session is closed with BYE. */
export const MAX_BAD_COMMANDS = 20;
/** A literal this far over the limit is not read and dropped but ends the session (BYE). */
const HOPELESS_LITERAL = 16 * 1024 * 1024;

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
  state: SessionState = { kind: 'unauthenticated' };
  private socket: Duplex;
  private readonly listeners: SocketListeners;
  private readonly reader: CommandReader;
  private readonly out: ResponseWriter;
  private readonly connection: ConnectionContext;
  private tls: boolean;
  private busy = false;
  private pumping = false;
  private closed = false;
  private closeRequested = false;
  /** Why the session ends after this answer (logged). */
  private closeReason = 'logout';
  private tlsRequested = false;
  private badCommands = 0;
  private waiter: ((event: CommandEvent | null) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The user's telemetry trace ({configdirectory}/log/USER), from the command after the login on; null: not traced. */
  private telemetry: Telemetry | null = null;
  /** Logged in: the trace starts once the login's answer is out. */
  private traceAfterAnswer: Identity | null = null;
  private readonly context: CommandContext;

  constructor(
    private readonly deps: SieveDeps,
    socket: Duplex,
    private readonly options: SessionOptions,
  ) {
    this.socket = socket;
    this.tls = options.tls;
    this.reader = new CommandReader({ maxLineLength: deps.settings.maxLineLength, maxLiteral: PRELOGIN_MAX_LITERAL, maxLiterals: MAX_LITERALS });
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
      this.out.response('BYE', 'TRYLATER', down);
      void this.hangUp('shutdown file');
      return;
    }
    // A bare OK after the list, as Cyrus's timsieved: Cyrus's own client (sieveshell) takes nothing else there.
    for (const line of this.capabilities()) this.out.line(line);
    this.out.response('OK');
    this.log.debug({ server: this.deps.serverName }, 'greeted');
    void this.out.flush();
    this.armTimer();
  }

  private capabilities(): string[] {
    return capabilityLines(this.deps, { authenticated: this.state.kind === 'authenticated', tls: this.tls, connection: this.connection });
  }

  private readonly onData = (chunk: Buffer): void => {
    this.armTimer();
    this.telemetry?.input(chunk);
    this.reader.push(chunk);
    if (this.reader.bufferedBytes > PAUSE_AT) this.socket.pause();
    this.pump();
  };

  private armTimer(): void {
    if (this.closed) return;
    const { timeoutMs, preloginTimeoutMs } = this.deps.settings;
    // Before login the window (prelogin_timeout) runs from the greeting, whatever the client sends.
    const prelogin = this.state.kind === 'unauthenticated';
    if (prelogin && this.timer) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.out.response('BYE', null, prelogin ? 'No login in time' : 'Autologout');
      void this.hangUp(prelogin ? 'no login in time' : 'autologout');
    }, prelogin ? Math.min(timeoutMs, preloginTimeoutMs) : timeoutMs);
    this.timer.unref();
  }

  /** Run buffered commands until more input is needed or a command is running. */
  private pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      for (;;) {
        if (this.closed) break;
        if (this.waiter) {
          const event = this.reader.next();
          if (!event) break;
          const waiter = this.waiter;
          this.waiter = null;
          waiter(event);
          continue;
        }
        if (this.busy) break;
        const event = this.reader.next();
        if (!event) break;
        if (event.kind === 'command' && event.tokens.length === 0) continue; // an empty line
        this.busy = true;
        this.run(event)
          .catch((err: unknown) => {
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

  private async run(event: CommandEvent): Promise<void> {
    if (event.kind === 'command') await this.execute(event.tokens);
    else this.refuse(event);
    if (this.closed) return;
    if (this.traceAfterAnswer !== null) {
      // As Cyrus's timsieved: the login's answer goes out, then the trace starts.
      const identity = this.traceAfterAnswer;
      this.traceAfterAnswer = null;
      await this.out.flush();
      this.startTelemetry(identity);
    }
    this.armTimer();
    if (this.closeRequested) {
      await this.hangUp(this.closeReason);
      return;
    }
    if (this.tlsRequested) {
      await this.out.flush();
      await this.upgradeTls();
      return;
    }
    if (!this.reader.hasInput()) await this.out.flush();
  }

  /** A command the reader could not give whole: too long, too big a literal, bad grammar. */
  private refuse(event: Exclude<CommandEvent, { kind: 'command' }>): void {
    if (event.kind === 'literalTooBig') {
      this.log.info({ size: event.size, limit: event.limit }, 'literal too big');
      if (event.size > HOPELESS_LITERAL) {
        this.out.response('BYE', null, 'Literal too big');
        this.closeRequested = true;
        this.closeReason = 'literal too big';
        return;
      }
      const code: ResponseCode | null = this.state.kind === 'authenticated' ? 'QUOTA/MAXSIZE' : null;
      this.badAnswer(code, `Literal of ${event.size} octets is over the limit of ${event.limit}`);
      // Said before the octets arrive: the client may still be sending them.
      void this.out.flush();
      return;
    }
    this.badAnswer(null, event.kind === 'tooLong' ? 'Line too long' : event.message);
  }

  /** A NO for a bad command; past MAX_BAD_COMMANDS in a row, BYE instead and the session ends. */
  private badAnswer(code: ResponseCode | null, text: string): void {
    if (++this.badCommands >= MAX_BAD_COMMANDS) {
      this.log.info({ bad: this.badCommands }, 'too many bad commands');
      this.out.response('BYE', null, `${text}; too many bad commands, closing`);
      this.closeRequested = true;
      this.closeReason = 'too many bad commands';
      return;
    }
    this.out.response('NO', code, text);
  }

  private async execute(tokens: Token[]): Promise<void> {
    const down = this.deps.shutdown();
    if (down !== null) {
      this.out.response('BYE', 'TRYLATER', down);
      await this.hangUp('shutdown file');
      return;
    }
    const first = tokens[0]!;
    const name = first.kind === 'atom' ? first.text.toUpperCase() : '';
    const command = REGISTRY.get(name);
    if (!command) {
      this.badAnswer(null, name === '' ? 'Expected a command' : 'Unknown command');
      return;
    }
    if (this.state.kind === 'closed' || !command.states.includes(this.state.kind)) {
      this.badAnswer(null, this.state.kind === 'authenticated' ? `${name} is not allowed once authenticated` : 'Authenticate first');
      return;
    }
    try {
      const args = command.parse(tokens.slice(1));
      this.log.debug({ command: name }, 'command');
      await command.handle(this.context, args);
      this.badCommands = 0;
    } catch (err) {
      if (this.closed) return;
      if (err instanceof SieveError) {
        this.out.response('NO', err.code, err.message);
        return;
      }
      const failure = sieveFailure(err, 'command');
      if (failure.internal) this.log.error({ err, command: name }, 'internal error');
      this.out.response('NO', failure.code, failure.text);
    }
  }

  private makeContext(): CommandContext {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const session = this;
    return {
      deps: this.deps,
      out: this.out,
      log: this.log,
      connection: this.connection,
      get tls() {
        return session.tls;
      },
      get state() {
        return session.state;
      },
      owner: () => {
        if (this.state.kind !== 'authenticated') throw new Error('no scripts before login');
        return this.state.identity.userid;
      },
      capabilities: () => this.capabilities(),
      readResponse: () => this.readResponse(),
      loggedIn: (identity) => this.loggedIn(identity),
      loggedOut: () => {
        this.log.info({ user: this.state.kind === 'authenticated' ? this.state.identity.userid : null }, 'unauthenticated');
        this.state = { kind: 'unauthenticated' };
        // The trace is the logged-in user's: the next login must not reach it.
        this.stopTelemetry();
        this.reader.limits.maxLiteral = PRELOGIN_MAX_LITERAL;
        this.armTimer();
      },
      startTls: () => {
        this.tlsRequested = true;
      },
      closeAfterReply: (reason) => {
        this.closeRequested = true;
        this.closeReason = reason;
      },
    };
  }

  private async loggedIn(identity: Identity): Promise<void> {
    const refusal = (await this.options.loginGate?.loggedIn(identity.userid))?.refusal ?? null;
    if (refusal !== null) {
      this.log.info({ user: identity.userid, limit: refusal }, 'login refused: too many sessions');
      throw new SieveError('TRYLATER', `Too many sessions: ${refusal}`);
    }
    if (this.closed) return;
    this.state = { kind: 'authenticated', identity };
    this.traceAfterAnswer = identity;
    this.reader.limits.maxLiteral = Math.max(this.deps.settings.maxScriptSize, MIN_MAX_LITERAL);
    this.armTimer();
    // The one "login" line is the auth module's; this one says whose scripts the session holds.
    this.log.info({ user: identity.userid }, 'scripts opened');
  }

  /** The client's next answer in a SASL exchange (one string, or what broke the grammar). */
  private readResponse(): Promise<Token[] | { error: string } | null> {
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiter = (event) => {
        if (event === null) resolve(null);
        else if (event.kind === 'command') resolve(event.tokens);
        else resolve({ error: event.kind });
      };
      queueMicrotask(() => this.pump());
    });
  }

  private async upgradeTls(): Promise<void> {
    this.tlsRequested = false;
    // Anything the client pipelined after STARTTLS in plaintext is discarded.
    this.reader.clear();
    const secure = swapToTls(this.socket, this.listeners, this.deps.tlsContext);
    this.socket = secure;
    this.out.replaceSocket(secure);
    this.tls = true;
    tlsStarted(this.connection, secure);
    await tlsHandshake(secure);
    // RFC 5804 2.2: after the handshake the server sends its capabilities again, then OK.
    for (const line of this.capabilities()) this.out.line(line);
    this.out.response('OK');
    await this.out.flush();
  }

  private startTelemetry(identity: Identity): void {
    if (this.closed || this.state.kind !== 'authenticated') return;
    this.telemetry = startTrace(this.deps.telemetry, identity.userid, this.id, this.out);
  }

  private stopTelemetry(): void {
    this.traceAfterAnswer = null;
    this.telemetry = endTrace(this.telemetry, this.out);
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
    this.waiter?.(null);
    this.waiter = null;
    this.state = { kind: 'closed' };
    this.stopTelemetry();
    this.log.info({ reason }, 'connection closed');
    this.options.onClose?.();
  }

  /** Server shutdown: tell an idle client and close; a session in the middle of a command is cut. */
  /** Who the session is logged in as (null before login): the deny sweep's question. */
  get loggedInAs(): Identity | null {
    return this.state.kind === 'authenticated' ? this.state.identity : null;
  }

  /** cyr_deny now denies the user this service: BYE with the admin's message, and close (a running command is cut, as at shutdown). */
  endDenied(message: string): void {
    if (this.closed) return;
    this.log.info({ user: this.loggedInAs?.userid }, 'session ended: access denied (cyr_deny)');
    if (this.busy) return this.dropConnection('access denied');
    this.out.response('BYE', null, message);
    void this.hangUp('access denied');
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    if (this.busy) return this.dropConnection('server shutdown');
    this.out.response('BYE', 'TRYLATER', 'Server shutting down');
    await this.hangUp('server shutdown');
  }

  private async hangUp(reason: string): Promise<void> {
    const flushed = this.out.flush();
    hangUp(this.socket, this.listeners);
    this.finish(reason);
    await flushed;
  }
}
