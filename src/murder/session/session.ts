/**
 * One mupdate connection: the greeting, then tagged commands read with the line reader and run
 * one at a time through the registry (state gate, arity, handler, one error mapping), answers
 * flushed when no further input waits. After UPDATE the session streams: every change to the list
 * goes out with the UPDATE's tag, coalesced per mailbox name within one turn of the event loop.
 */
import type { Duplex } from 'node:stream';
import { connectionContext, tlsStarted, type ConnectionContext, type Identity } from '../../auth/index.js';
import {
  attachSocket, drained, hangUp, isMailError, newSessionId, sessionListeners, swapToTls, tlsHandshake, type Logger, type SocketListeners,
} from '../../common/index.js';
import { REGISTRY } from '../commands/registry.js';
import { MupdateAnswer, type CommandContext, type MupdateState, type PartialStream } from '../commands/types.js';
import { parseLocation } from '../location.js';
import { MAX_LITERALS, type MupdateDeps } from '../deps.js';
import type { MupdateEvent } from '../types.js';
import { LineReader, type LineEvent, type Word } from '../wire/reader.js';
import { eventLine, quoted, statusLine } from '../wire/writer.js';

/** Stop reading from the socket while this much unread input is buffered. */
const PAUSE_AT = 1024 * 1024;
/** Bad commands in a row after which the session is closed with BYE. */
export const MAX_BAD_COMMANDS = 20;
const WINDOW = 256 * 1024;

export interface SessionOptions {
  tls: boolean;
  unixSocket: boolean;
  localAddress?: string;
  remoteAddress?: string;
  /** Refuse at once with this BYE text (mupdate_connections_max). */
  refusal?: string;
  onClose?: () => void;
}

export class Session {
  readonly id = newSessionId();
  readonly log: Logger;
  private state: MupdateState | 'closed' = 'unauthenticated';
  private socket: Duplex;
  private readonly listeners: SocketListeners;
  private readonly reader: LineReader;
  private readonly connection: ConnectionContext;
  private parts: string[] = [];
  private tls: boolean;
  private busy = false;
  private pumping = false;
  private closed = false;
  private closeRequested = false;
  private closeReason = 'logout';
  private tlsRequested = false;
  private badCommands = 0;
  private waiter: ((event: LineEvent | null) => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** While streaming: the UPDATE's tag, the changes not sent yet, and the unsubscribe function. */
  private stream: { tag: string; pending: Map<string, MupdateEvent>; scheduled: boolean; stop: () => void; partial: PartialStream | null } | null = null;
  private readonly context: CommandContext;

  constructor(private readonly deps: MupdateDeps, socket: Duplex, private readonly options: SessionOptions) {
    this.socket = socket;
    this.tls = options.tls;
    this.reader = new LineReader({ maxLineLength: deps.settings.maxLineLength, maxLiteral: deps.settings.maxLiteral, maxLiterals: MAX_LITERALS });
    this.log = deps.logger.child({ sid: this.id });
    this.listeners = sessionListeners(this.log, this.onData, () => this.finish('client closed connection'));
    this.connection = connectionContext(deps.serviceName, options, this.id, () => this.closed, socket);
    this.context = this.makeContext();
  }

  start(): void {
    this.log.info({ remote: this.options.remoteAddress, tls: this.tls }, 'connection opened');
    attachSocket(this.socket, this.listeners);
    if (this.options.refusal !== undefined) {
      this.log.info({ reason: this.options.refusal }, 'connection refused');
      this.write(statusLine('*', 'BYE', this.options.refusal));
      void this.hangUp('too many connections');
      return;
    }
    this.banner();
    void this.flush();
    this.timer = setTimeout(() => {
      this.write(statusLine('*', 'BYE', 'No login in time'));
      void this.hangUp('no login in time');
    }, this.deps.settings.preloginTimeoutMs);
    this.timer.unref();
  }

  private banner(): void {
    const mechanisms = this.deps.auth.mechanisms(this.connection);
    this.write(`* AUTH${mechanisms.map((m) => ` ${quoted(m)}`).join('')}\r\n`);
    if (this.deps.tlsContext && !this.tls) this.write('* STARTTLS\r\n');
    this.write('* PARTIAL-UPDATE\r\n');
    const version = this.deps.config.enum<'off' | 'min' | 'on'>('serverinfo') === 'off' ? '' : ' "cyrusts"';
    this.write(`* OK MUPDATE ${quoted(this.deps.serverName)} "Cyrus IMAP"${version} "(${this.deps.mode})"\r\n`);
  }

  private write(text: string): void {
    this.parts.push(text);
  }

  private async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const data = this.parts.join('');
    this.parts = [];
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return;
    if (socket.write(data) || socket.writableLength < WINDOW) return;
    await drained(socket);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.reader.push(chunk);
    if (this.reader.bufferedBytes > PAUSE_AT) this.socket.pause();
    this.pump();
  };

  private pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      for (;;) {
        if (this.closed) break;
        if (this.waiter) {
          const event = this.reader.next();
          if (!event) break;
          if (event.kind === 'continue') {
            this.socket.write('+ go ahead\r\n');
            continue;
          }
          const waiter = this.waiter;
          this.waiter = null;
          waiter(event);
          continue;
        }
        if (this.busy) break;
        const event = this.reader.next();
        if (!event) break;
        if (event.kind === 'continue') {
          this.socket.write('+ go ahead\r\n');
          continue;
        }
        if (event.kind === 'line' && event.words.length === 0) continue;
        this.busy = true;
        this.run(event)
          .catch((err: unknown) => {
            this.log.error({ err }, 'session failed');
            this.socket.destroy();
            this.finish('session failed');
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
    // Answers held back while input was buffered (a refused literal's octets being dropped) go now.
    if (!this.busy && !this.closed && !this.waiter) void this.flush();
  }

  private async run(event: Exclude<LineEvent, { kind: 'continue' }>): Promise<void> {
    if (event.kind === 'line') await this.execute(event.words);
    else this.bad(event.tag ?? '*', event.kind === 'syntax' ? event.message : event.kind === 'tooLong' ? 'Line too long' : 'Literal too big');
    if (this.closed) return;
    if (this.closeRequested) {
      await this.hangUp(this.closeReason);
      return;
    }
    if (this.tlsRequested) {
      await this.flush();
      await this.upgradeTls();
      return;
    }
    if (this.reader.bufferedBytes === 0) await this.flush();
  }

  /** A BAD; past MAX_BAD_COMMANDS in a row, BYE instead and the session ends. */
  private bad(tag: string, text: string): void {
    if (++this.badCommands >= MAX_BAD_COMMANDS) {
      this.write(statusLine('*', 'BYE', 'Too many bad commands'));
      this.closeRequested = true;
      this.closeReason = 'too many bad commands';
      return;
    }
    this.write(statusLine(tag, 'BAD', text));
  }

  private async execute(words: Word[]): Promise<void> {
    const tag = words[0]!.text;
    if (words[0]!.kind !== 'atom' || words.length < 2 || words[1]!.kind !== 'atom') {
      this.bad(words[0]!.kind === 'atom' ? tag : '*', 'Missing command');
      return;
    }
    const name = words[1]!.text.toUpperCase();
    const command = REGISTRY.get(name);
    const state = this.state;
    if (state === 'closed') return;
    if (!command) return this.bad(tag, 'Unrecognized command');
    if (!command.states.includes(state)) {
      if (state === 'unauthenticated') return this.bad(tag, 'Please login first');
      if (name === 'AUTHENTICATE') return this.bad(tag, 'already authenticated');
      return this.bad(tag, state === 'streaming' ? 'not legal when streaming' : `${name} not allowed now`);
    }
    const args = words.slice(2).map((w) => w.text);
    if (args.length < command.minArgs) return this.bad(tag, 'Missing arguments');
    if (args.length > command.maxArgs) return this.bad(tag, 'Extra arguments');
    try {
      this.log.debug({ command: name }, 'command');
      await command.handle(this.context, tag, args);
      this.badCommands = 0;
    } catch (err) {
      if (this.closed) return;
      if (err instanceof MupdateAnswer) {
        if (err.kind === 'BAD') this.bad(tag, err.message);
        else this.write(statusLine(tag, 'NO', err.message));
        return;
      }
      const kind = isMailError(err) ? err.kind : null;
      if (kind === 'Exists') this.write(statusLine(tag, 'NO', 'mailbox already exists'));
      else if (kind === 'BadName') this.write(statusLine(tag, 'NO', 'invalid mailbox name'));
      else {
        this.log.error({ err, command: name }, 'internal error');
        this.write(statusLine(tag, 'NO', 'Server error'));
      }
    }
  }

  private makeContext(): CommandContext {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const session = this;
    return {
      deps: this.deps,
      log: this.log,
      connection: this.connection,
      get tls() {
        return session.tls;
      },
      get state() {
        return session.state === 'closed' ? 'unauthenticated' : session.state;
      },
      write: (text) => this.write(text),
      flush: () => this.flush(),
      readLine: () => this.readLine(),
      loggedIn: (identity) => this.loggedIn(identity),
      startStream: (tag, partial) => this.startStream(tag, partial),
      startTls: () => {
        this.tlsRequested = true;
      },
      closeAfterReply: (reason) => {
        this.closeRequested = true;
        this.closeReason = reason;
      },
    };
  }

  private loggedIn(identity: Identity): void {
    this.state = 'authenticated';
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.log.info({ user: identity.userid }, 'mupdate login');
  }

  private startStream(tag: string, partial: PartialStream | null): void {
    this.state = 'streaming';
    const stop = this.deps.list.subscribe((event) => this.queueEvent(event));
    this.stream = { tag, pending: new Map(), scheduled: false, stop, partial };
    this.log.info({ records: this.deps.list.size, servers: partial ? [...partial.servers] : undefined }, 'streaming starts');
  }

  /**
   * What a partial stream hears of a change: records on its servers; a DELETE for a name it holds
   * that is gone or has moved to another server; nothing else.
   */
  private forPartial(partial: PartialStream, event: MupdateEvent): MupdateEvent | null {
    const onWatched = event.kind !== 'delete' && partial.servers.has(parseLocation(event.location)?.server ?? '');
    if (onWatched) {
      partial.names.add(event.name);
      return event;
    }
    if (!partial.names.delete(event.name)) return null;
    return { kind: 'delete', name: event.name };
  }

  private queueEvent(changed: MupdateEvent): void {
    const stream = this.stream;
    if (!stream || this.closed) return;
    const event = stream.partial ? this.forPartial(stream.partial, changed) : changed;
    if (event === null) return;
    // A later change of a name replaces the one not sent yet: the client only needs the last.
    stream.pending.delete(event.name);
    stream.pending.set(event.name, event);
    if (stream.scheduled) return;
    stream.scheduled = true;
    setImmediate(() => {
      stream.scheduled = false;
      if (this.closed) return;
      for (const pendingEvent of stream.pending.values()) this.write(eventLine(stream.tag, pendingEvent));
      stream.pending.clear();
      // Written now unless a command is being answered (its answer and these go out together).
      if (!this.busy) void this.flush();
      if (this.socket.writableLength > this.deps.settings.maxStreamBacklog) {
        this.log.warn({ backlog: this.socket.writableLength }, 'streaming client does not read: disconnected');
        this.socket.destroy();
        this.finish('stream backlog');
      }
    });
  }

  private readLine(): Promise<Word[] | { error: string } | null> {
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiter = (event) => {
        if (event === null) resolve(null);
        else if (event.kind === 'line') resolve(event.words);
        else resolve({ error: event.kind });
      };
      queueMicrotask(() => this.pump());
    });
  }

  private async upgradeTls(): Promise<void> {
    this.tlsRequested = false;
    this.reader.clear();
    const secure = swapToTls(this.socket, this.listeners, this.deps.tlsContext);
    this.socket = secure;
    this.tls = true;
    tlsStarted(this.connection, secure);
    await tlsHandshake(secure);
    // The mechanisms may differ under TLS: the banner again.
    this.banner();
    await this.flush();
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.reader.clear();
    if (this.timer) clearTimeout(this.timer);
    this.stream?.stop();
    this.stream = null;
    this.waiter?.(null);
    this.waiter = null;
    this.state = 'closed';
    this.log.info({ reason }, 'connection closed');
    this.options.onClose?.();
  }

  /** Server shutdown: BYE, then close. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.write(statusLine('*', 'BYE', 'Server shutting down'));
    await this.hangUp('server shutdown');
  }

  private async hangUp(reason: string): Promise<void> {
    const flushed = this.flush();
    hangUp(this.socket, this.listeners);
    this.finish(reason);
    await flushed;
  }
}
