/**
 * One LMTP connection: the input bytes as command lines, a DATA message or BDAT chunks; commands
 * run one at a time in arrival order (PIPELINING, RFC 2920: replies queue up and go out together
 * when the client has nothing more pipelined); the session state union (state.ts); STARTTLS,
 * AUTH continuations, the idle timeout and a bad-command limit. No storage here: handlers ask the
 * deps (recipient resolver, intake) and reply from the table of wire/replies.ts.
 */
import type { Duplex } from 'node:stream';
import { connectionContext, tlsStarted, type ConnectionContext, type Identity } from '../../auth/index.js';
import {
  attachSocket, hangUp, newSessionId, sessionListeners, swapToTls, tlsHandshake, type Logger, type LoginGate, type SocketListeners,
} from '../../common/index.js';
import { REGISTRY } from '../commands/registry.js';
import type { CommandContext } from '../commands/types.js';
import type { LmtpDeps } from '../deps.js';
import { lmtpReplyFor } from '../error-map.js';
import { CommandError, parseCommand } from '../wire/commands.js';
import { DotDataReader, type DataResult } from '../wire/data.js';
import { formatReply, REPLIES, reply, type Reply } from '../wire/replies.js';
import type { SessionState } from './state.js';
import { BackendPool } from '../proxy/pool.js';

/** Stop reading from the socket while this much input waits (a pipelining client that runs ahead). */
const PAUSE_AT = 4 * 1024 * 1024;
const LF = 0x0a;

export interface SessionOptions {
  tls: boolean;
  unixSocket: boolean;
  /** `lmtpd -a` (TCP without AUTH); UNIX socket connections are trusted anyway. */
  preauthorized: boolean;
  localAddress?: string;
  remoteAddress?: string;
  /** The master's connection accounting: told when the session is past the login stage. */
  loginGate?: LoginGate;
  onClose?: () => void;
}

type InputMode =
  | { kind: 'line' }
  | { kind: 'data'; reader: DotDataReader; onMessage: (data: DataResult) => Promise<void> }
  | { kind: 'chunk'; remaining: number; keep: boolean; parts: Buffer[]; onChunk: (bytes: Buffer | null) => Promise<void> | void };

export class Session {
  readonly id = newSessionId();
  readonly log: Logger;
  private socket: Duplex;
  private readonly listeners: SocketListeners;
  private readonly connection: ConnectionContext;
  private readonly trusted: boolean;
  /** Murder frontend: backend connections kept between this session's transactions. */
  private readonly backendPool = new BackendPool();
  private input: Buffer[] = [];
  private inputBytes = 0;
  private skippingLongLine = false;
  private mode: InputMode = { kind: 'line' };
  private output: string[] = [];
  private state: SessionState = { kind: 'greeted' };
  private authenticated: Identity | null = null;
  private lhloHost: string | null = null;
  private running = false;
  private closing = false;
  private closed = false;
  private pendingTls = false;
  private badCommands = 0;
  private lineWaiter: ((line: string | null) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The timer is the pre-login window (untrusted, no AUTH yet), which input does not extend. */
  private timerPrelogin = false;

  constructor(private readonly deps: LmtpDeps, socket: Duplex, private readonly options: SessionOptions) {
    this.socket = socket;
    this.log = deps.logger.child({ sid: this.id });
    this.listeners = sessionListeners(this.log, this.onData, () => this.finish('client closed connection'));
    this.connection = connectionContext(deps.serviceName, options, this.id, () => this.closed, socket);
    this.trusted = options.unixSocket || options.preauthorized;
  }

  start(): void {
    this.log.info({ remote: this.options.remoteAddress ?? 'local', tls: this.options.tls }, 'connection opened');
    attachSocket(this.socket, this.listeners);
    this.socket.write(formatReply(reply(220, null, `${this.deps.serverName} LMTP cyrusts ready`)));
    if (this.trusted) this.options.loginGate?.passed();
    this.armTimer();
  }

  get busy(): boolean {
    return this.running || this.state.kind === 'transaction';
  }

  /** Master shutdown: an idle session says 421 now; a busy one ends after its current command. */
  shutdown(): void {
    if (this.closed) return;
    this.closing = true;
    if (!this.running) this.sendAndClose(REPLIES.shuttingDown);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.armTimer();
    this.input.push(chunk);
    this.inputBytes += chunk.length;
    if (this.inputBytes > PAUSE_AT) this.socket.pause();
    if (this.lineWaiter) {
      const line = this.takeLine();
      if (line !== null) {
        const wake = this.lineWaiter;
        this.lineWaiter = null;
        wake(line);
      }
      return;
    }
    void this.pump();
  };

  private armTimer(): void {
    const prelogin = !this.trusted && this.authenticated === null;
    if (this.timer && this.timerPrelogin === prelogin) {
      // Before AUTH the window (prelogin_timeout) runs from the greeting; after it, from the last input.
      if (!prelogin) this.timer.refresh();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timerPrelogin = prelogin;
    const { idleTimeoutMs, preloginTimeoutMs } = this.deps.limits;
    this.timer = setTimeout(() => {
      this.log.info(prelogin ? 'no AUTH in time' : 'idle timeout');
      this.sendAndClose(REPLIES.timeout);
    }, prelogin ? Math.min(idleTimeoutMs, preloginTimeoutMs ?? idleTimeoutMs) : idleTimeoutMs);
    this.timer.unref();
  }

  private async pump(): Promise<void> {
    if (this.running || this.closed) return;
    this.running = true;
    try {
      while (!this.closed && !this.closing && (await this.step()));
    } catch (err) {
      this.log.error({ err }, 'session failed');
      this.output.push(formatReply(REPLIES.internal));
      this.closing = true;
    } finally {
      this.running = false;
    }
    this.flush();
    if (this.closing) this.sendAndClose(null);
    else if (this.inputBytes < PAUSE_AT) this.socket.resume();
  }

  /** Consume what the input allows in the current mode; false when more bytes are needed. */
  private async step(): Promise<boolean> {
    const mode = this.mode;
    if (mode.kind === 'line') {
      const line = this.takeLine();
      if (line === null) return false;
      await this.runLine(line);
      return true;
    }
    if (mode.kind === 'chunk' && mode.remaining === 0) {
      this.mode = { kind: 'line' };
      await mode.onChunk(mode.keep ? Buffer.concat(mode.parts) : null);
      return true;
    }
    const chunk = this.input.shift();
    if (chunk === undefined) return false;
    let used: number;
    if (mode.kind === 'data') {
      used = mode.reader.push(chunk);
    } else {
      used = Math.min(chunk.length, mode.remaining);
      if (mode.keep) mode.parts.push(Buffer.from(chunk.subarray(0, used)));
      mode.remaining -= used;
    }
    if (used < chunk.length) this.input.unshift(chunk.subarray(used));
    this.inputBytes -= used;
    if (mode.kind === 'data' && mode.reader.done) {
      this.mode = { kind: 'line' };
      await mode.onMessage(mode.reader.result());
    }
    return true;
  }

  /** The next complete line (latin1, without CR LF), or null; an over-long line is answered and skipped. */
  private takeLine(): string | null {
    for (;;) {
      if (this.input.length === 0) return null;
      let nl = this.input[0]!.indexOf(LF);
      if (nl < 0 && this.input.length > 1) {
        this.input = [Buffer.concat(this.input)];
        nl = this.input[0]!.indexOf(LF);
      }
      const buffer = this.input[0]!;
      if (nl < 0) {
        if (buffer.length > this.deps.limits.maxLineLength) {
          if (!this.skippingLongLine) this.output.push(formatReply(REPLIES.lineTooLong));
          this.skippingLongLine = true;
          this.input = [];
          this.inputBytes = 0;
        }
        return null;
      }
      const rest = buffer.subarray(nl + 1);
      this.input = rest.length > 0 ? [rest] : [];
      this.inputBytes -= nl + 1;
      if (this.skippingLongLine) {
        this.skippingLongLine = false;
        continue;
      }
      const end = nl > 0 && buffer[nl - 1] === 0x0d ? nl - 1 : nl;
      if (end > this.deps.limits.maxLineLength) {
        this.output.push(formatReply(REPLIES.lineTooLong));
        continue;
      }
      return buffer.toString('latin1', 0, end);
    }
  }

  private async runLine(line: string): Promise<void> {
    let command;
    try {
      command = parseCommand(line);
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      this.send(err.reply);
      this.countBad();
      return;
    }
    this.log.debug({ verb: command.verb }, 'command');
    try {
      await REGISTRY[command.verb].handle(this.context(), command as never);
    } catch (err) {
      const mapped = lmtpReplyFor(err, this.deps.policy);
      if (mapped.internal) this.log.error({ err, verb: command.verb }, 'internal error');
      this.send(mapped.reply);
    }
    if (this.pendingTls) await this.upgradeTls();
  }

  private countBad(): void {
    this.badCommands++;
    if (this.badCommands >= this.deps.limits.maxBadCommands) {
      this.send(REPLIES.tooManyErrors);
      this.closing = true;
    }
  }

  private send(r: Reply): void {
    this.output.push(formatReply(r));
  }

  private flush(): void {
    if (this.output.length === 0 || this.closed) return;
    this.socket.write(this.output.join(''));
    this.output = [];
  }

  /**
   * The server ends the session: nothing more is read from this moment (what the client still
   * sends is neither read nor buffered), the queued replies go out, and the connection is
   * destroyed after a short linger (common/socket-session.ts).
   */
  private sendAndClose(last: Reply | null): void {
    if (this.closed) return;
    if (last) this.send(last);
    this.flush();
    hangUp(this.socket, this.listeners);
    this.finish('closed by server');
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.input = [];
    this.inputBytes = 0;
    if (this.mode.kind !== 'line') this.mode = { kind: 'line' };
    if (this.state.kind === 'transaction') this.state.envelope.proxy?.close();
    this.backendPool.closeAll();
    if (this.timer) clearTimeout(this.timer);
    this.lineWaiter?.(null);
    this.lineWaiter = null;
    this.log.info({ reason }, 'connection closed');
    this.options.onClose?.();
  }

  private async upgradeTls(): Promise<void> {
    this.pendingTls = false;
    this.flush();
    const old = this.socket;
    const secure = swapToTls(old, this.listeners, this.deps.tlsContext);
    // What the client sent before the handshake is discarded, and it must say LHLO again (RFC 3207).
    this.input = [];
    this.inputBytes = 0;
    this.state = { kind: 'greeted' };
    this.lhloHost = null;
    this.socket = secure;
    tlsStarted(this.connection, secure);
    await tlsHandshake(secure);
  }

  private context(): CommandContext {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const session = this;
    return {
      deps: this.deps,
      log: this.log,
      sessionId: this.id,
      connection: this.connection,
      trusted: this.trusted,
      get lhloHost() {
        return session.lhloHost;
      },
      get authenticated() {
        return session.authenticated;
      },
      get state() {
        return session.state;
      },
      backendPool: this.backendPool,
      setState: (state) => {
        this.state = state;
      },
      setLhloHost: (host) => {
        this.lhloHost = host;
      },
      setAuthenticated: (identity) => {
        this.authenticated = identity;
        this.options.loginGate?.passed();
        this.armTimer();
      },
      reply: (r) => this.send(r),
      expectData: (onMessage) => {
        this.mode = { kind: 'data', reader: new DotDataReader(this.deps.limits.maxMessageSize), onMessage };
      },
      expectChunk: (size, keep, onChunk) => {
        this.mode = { kind: 'chunk', remaining: size, keep, parts: [], onChunk };
      },
      challenge: (data) => {
        this.output.push(`334 ${data}\r\n`);
        this.flush();
        const line = this.takeLine();
        if (line !== null) return Promise.resolve(line);
        if (this.closed) return Promise.resolve(null);
        return new Promise((resolve) => {
          this.lineWaiter = resolve;
        });
      },
      startTls: () => {
        this.pendingTls = true;
      },
      close: () => {
        this.closing = true;
      },
    };
  }
}
