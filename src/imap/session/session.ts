/**
 * One IMAP connection: reads commands with the resumable reader, runs them one at a time through
 * the command registry (state gate, handler, error mapping), sends untagged updates for the
 * selected mailbox at the moments RFC 3501 allows, and enforces the session limits.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { connectionContext, tlsStarted, type ConnectionContext, type Identity } from '../../auth/index.js';
import {
  attachSocket, commandTurns, DeflateSocket, detachSocket, hangUp, MailError, restartReading, sessionListeners, stopReading, swapToTls, tlsHandshake, type Logger, type LoginGate, type MovedSession,
  type SocketListeners, type AppendFacts, type Telemetry, endTrace, startTrace,
} from '../../common/index.js';
import { imapFailure } from '../error-map.js';
import type { ImapDeps } from '../deps.js';
import { CommandReader, type RawCommand, type ReaderError } from '../wire/reader.js';
import { parseCommand } from '../wire/parse/index.js';
import type { Command, ListMetadataOption } from '../wire/parse/types.js';
import { ParseError } from '../wire/cursor.js';
import { admit } from '../commands/registry.js';
import { fetchNewMembers, withContextUpdates } from '../commands/message/context.js';
import { deliverNotifications } from '../commands/notify-deliver.js';
import { saveResult, savedResultOf } from '../commands/message/saved-result.js';
import { idleUntilDone } from '../commands/idle.js';
import { CommandFailure, type CommandContext, type CommandResult } from '../commands/types.js';
import { capabilities } from '../capabilities.js';
import { codes, continuation, tagged, untaggedStatus } from '../wire/serialize/response.js';
import { SelectedMailbox, type CarriedView } from './selected.js';
import type { SessionState } from './state.js';
import { NotifyState } from './notify-state.js';
import { SessionContext, type ContextHost } from './context.js';
import { coalesceUpdates, renderUpdate, type MailboxUpdate } from './updates.js';
import { ResponseWriter } from './writer.js';
import type { Watcher } from './watchers.js';
import type { MailboxEntry } from '../../store/index.js';
import { proxyFor, type ImapProxy } from '../proxy/index.js';
import { xferSessionEnded, xferSessionHolds } from '../xfer/index.js';

const PAUSE_AT = 1024 * 1024;
/**
 * How long a session the master asked to move home (LoginGate.onMoveAsked) waits for a safe point
 * (no command running or, in IDLE, no change being pushed; not in a literal; its answers written)
 * before it says it stays.
 */
const MOVE_ASK_WAIT_MS = 5000;

/** What a session moved after its login carries besides its identity (MovedSession.state, JSON). */
interface CarriedState {
  enabled: string[];
  badCommands: number;
  selected: CarriedView | null;
  /** The selection's SEARCHRES result (RFC 5182 `$`), as kept. */
  saved: readonly number[] | null;
  /**
   * The tag of the IDLE the client is in (its `+ idling` already written), else null: the new
   * worker goes on with the IDLE and answers the client's DONE with this tag.
   */
  idle: string | null;
}
const NOTHING_ENABLED: ReadonlySet<string> = new Set();
const DONE: Promise<void> = Promise.resolve();
/** `NAME completed`, the text of a handler's plain OK, made once per command name. */
const completedTexts = new Map<string, string>();
function completedText(name: string): string {
  let text = completedTexts.get(name);
  if (text === undefined) completedTexts.set(name, (text = `${name} completed`));
  return text;
}

export interface SessionOptions {
  tls: boolean;
  unixSocket: boolean;
  localAddress?: string;
  remoteAddress?: string;
  /** The master's per-user and per-address session limits, asked at login. */
  loginGate?: LoginGate;
  /** The log id (a session moved from another process keeps its own); default: a new one. */
  sessionId?: string;
  onClose?: () => void;
  /** The selected mailbox or the NOTIFY state changed (the server files the session again: watchers.ts). */
  onWatchChange?: () => void;
}

export class Session implements ContextHost, Watcher {
  readonly id: string;
  readonly log: Logger;
  private socket: Duplex;
  private readonly listeners: SocketListeners;
  private reader: CommandReader;
  readonly out: ResponseWriter;
  state: SessionState = { kind: 'notAuthenticated' };
  /**
   * Extensions the client turned on with ENABLE (RFC 5161); later commands and updates read it.
   * One shared empty set until the client enables something (most never do).
   */
  enabled: ReadonlySet<string> = NOTHING_ENABLED;
  /** NOTIFY (RFC 5465): made on first use (most sessions never send NOTIFY). */
  private notifyState: NotifyState | null = null;
  private notifying = false;
  tls: boolean;
  readonly connection: ConnectionContext;
  private busy = false;
  /** cyr_deny denied the user while a command ran: the BYE waits for its end (endDenied). */
  private pendingDenial: string | null = null;
  private pumping = false;
  /** Data came while this turn's share of commands was used up: the pump runs on a later turn. */
  private waitingTurn = false;
  private closed = false;
  private badCommands = 0;
  private unauthCommands = 0;
  private lineWaiter: ((line: string | null) => void) | null = null;
  private idleWake: ((facts?: AppendFacts) => void) | null = null;
  /** The tag of the IDLE waiting for DONE (idleWake set). */
  private idleTag = '';
  /** IDLE pushes asked for (idleWake) and not finished: a move home waits for none. */
  private idleWakes = 0;
  private timer: NodeJS.Timeout | null = null;
  /** The autologout window `timer` runs for after login (null: the login window's timer). */
  private timerMs: number | null = null;
  private pendingTls = false;
  /** COMPRESS answered OK: the connection is compressed right after that answer (compress). */
  private pendingCompress = false;
  /** The connection is compressed (RFC 4978): it can no longer move to another worker. */
  compressed = false;
  private logoutRequested = false;
  /** The master asked at login that this session move to its user's worker (after the login's answer). */
  private moveWanted = false;
  /** The master asked this session to move to its user's home later; cleared when it moves or gives up. */
  private homeAsk: NodeJS.Timeout | null = null;
  /** The ask could not go for output the socket still held: drops the wait for it to be written (ResponseWriter.whenWritten). */
  private moveWhenWritten: (() => void) | null = null;
  /** Murder frontend: the relay to backends of the mailboxes on other servers (made at first use; null: in no Murder). */
  private proxy: ImapProxy | null | undefined = undefined;
  /** The user's telemetry trace ({configdirectory}/log/USER), from the login on; null: not traced. */
  private telemetry: Telemetry | null = null;

  constructor(
    readonly deps: ImapDeps,
    socket: Duplex,
    private readonly options: SessionOptions,
  ) {
    this.id = options.sessionId ?? randomBytes(6).toString('hex');
    this.socket = socket;
    this.tls = options.tls;
    this.out = new ResponseWriter(socket);
    this.reader = this.newReader();
    this.log = deps.logger.child({ sid: this.id });
    this.listeners = sessionListeners(this.log, this.onData, () => this.finish('client closed connection'));
    this.connection = connectionContext(deps.serviceName, options, this.id, () => this.closed, socket);
  }

  private newReader(): CommandReader {
    const l = this.deps.limits;
    return new CommandReader({
      maxLineLength: l.maxLineLength,
      maxLiteralSize: l.maxLiteralSize,
      maxAppendLiteralSize: l.maxMessageSize,
      ...this.commandBounds(),
      literalPlus: l.literalPlus,
    });
  }

  /** Bytes and literals one command may carry: far fewer before login (issue 17). */
  private commandBounds(): { maxArgumentsSize: number; maxLiterals: number } {
    const l = this.deps.limits;
    return this.state.kind === 'notAuthenticated' ? l.preauth : { maxArgumentsSize: l.maxArgumentsSize, maxLiterals: l.maxLiterals };
  }

  start(): void {
    this.log.info({ remote: this.options.remoteAddress, tls: this.tls }, 'connection opened');
    attachSocket(this.socket, this.listeners);
    const down = this.deps.shutdown();
    if (down !== null) {
      // msg/shutdown exists: new connections are refused with its first line (Cyrus's imapd).
      void this.bye(down);
      return;
    }
    const info = this.deps.config.enum('serverinfo');
    const banner = info === 'off' ? 'server ready' : `${this.deps.serverName} IMAP server ready`;
    this.out.send(untaggedStatus('OK', codes.capability(this.capabilities()), banner));
    void this.out.flush();
    this.armTimer();
  }

  /**
   * Serve a session that logged in on another worker process and moved here (LoginGate.move): the
   * answer it had not written yet goes out first, then the commands it had read and not run.
   */
  resume(moved: MovedSession, identity: Identity): void {
    this.state = { kind: 'authenticated', identity };
    this.startTelemetry(identity);
    this.reader.setLimits(this.commandBounds());
    const carried = moved.state === undefined ? null : (JSON.parse(moved.state) as CarriedState);
    let reselected: boolean | null = null;
    if (carried !== null) {
      if (carried.enabled.length > 0) this.enabled = new Set(carried.enabled);
      this.badCommands = carried.badCommands;
      if (carried.selected !== null) reselected = this.reselect(carried.selected, identity);
      const state = this.state as SessionState;
      if (reselected === true && carried.saved && state.kind === 'selected') saveResult(state.selected, carried.saved);
    }
    const idleTag = carried?.idle ?? null;
    this.log.info({ user: identity.userid, remote: this.options.remoteAddress, selected: reselected ?? undefined, idle: idleTag !== null || undefined }, 'session moved in');
    if (reselected === false) {
      // The mailbox was deleted (or made again) while the session was on its way: as a deleted
      // selected mailbox would, the connection ends.
      attachSocket(this.socket, this.listeners);
      const written = Buffer.from(moved.written, 'base64');
      if (written.length > 0) this.out.raw(written);
      void this.bye('Selected mailbox was deleted');
      return;
    }
    this.listenForMoveAsks();
    // Before the socket's own bytes: a data event can come no earlier than the next turn.
    const unread = Buffer.from(moved.unread, 'base64');
    if (unread.length > 0) {
      // Read after the login on the other worker: the trace's first input here.
      this.telemetry?.input(unread);
      this.reader.push(unread);
    }
    attachSocket(this.socket, this.listeners);
    const written = Buffer.from(moved.written, 'base64');
    if (written.length > 0) {
      this.out.raw(written);
      void this.out.flush();
    }
    this.armTimer();
    if (idleTag !== null) this.resumeIdle(idleTag);
    else this.pump();
  }

  /**
   * Go on with the IDLE `tag` a session moved here was in: no second `+ idling`; the first sync
   * tells what changed since the carried view, and the client's DONE (maybe among the bytes carried)
   * is answered with the tag, as the command run here from its start would.
   */
  private resumeIdle(tag: string): void {
    this.busy = true;
    this.answerLater(tag, 'IDLE', idleUntilDone(this.context(tag)), true)
      .catch((err: unknown) => this.sessionFailed(err))
      .then(this.afterAsyncCommand, this.afterAsyncCommand);
  }

  /** The selected mailbox a moved session carried, opened here; false when it is not there any more. */
  private reselect(view: CarriedView, identity: Identity): boolean {
    const entry = this.deps.store.lookup(view.name);
    if (!entry || entry.uniqueId !== view.uniqueId) return false;
    let mailbox;
    try {
      mailbox = this.deps.store.openMailbox(view.name);
    } catch (err) {
      if (err instanceof MailError && err.kind === 'NotFound') return false;
      throw err;
    }
    if (mailbox.uniqueId !== view.uniqueId) {
      mailbox.close();
      return false;
    }
    this.state = { kind: 'selected', identity, selected: SelectedMailbox.resume(mailbox, view, identity.userid) };
    this.options.onWatchChange?.();
    return true;
  }

  private readonly onData = (chunk: Buffer): void => {
    this.armTimer();
    this.telemetry?.input(chunk);
    this.reader.push(chunk);
    if (this.reader.bufferedBytes > PAUSE_AT) this.socket.pause();
    // Under load the commands that came late in this turn wait for the next (common/turn-share.ts).
    if (this.waitingTurn) return;
    if (!commandTurns.runOrWait(this.pumpOnTurn)) {
      this.waitingTurn = true;
      return;
    }
    this.pump();
  };

  private readonly pumpOnTurn = (): void => {
    this.waitingTurn = false;
    this.pump();
  };

  private finish(reason: string, moved = false): void {
    if (this.closed) return;
    this.closed = true;
    this.reader.close();
    if (this.timer) clearTimeout(this.timer);
    this.endMoveAsk();
    this.lineWaiter?.(null);
    this.lineWaiter = null;
    if (this.state.kind === 'selected') this.state.selected.close();
    this.proxy?.close();
    // An XFER this connection was bringing here and had not committed goes.
    xferSessionEnded(this.deps, this.id);
    this.state = { kind: 'logout' };
    this.stopTelemetry();
    if (moved) this.log.info({ reason }, 'session moved out');
    else this.log.info({ reason }, 'connection closed');
    this.options.onClose?.();
  }

  /** Who the session is logged in as (null before login): the deny sweep's question. */
  get loggedInAs(): Identity | null {
    return 'identity' in this.state ? this.state.identity : null;
  }

  /**
   * cyr_deny now denies the user this service: `* BYE [ALERT] message` and close, as Cyrus's imapd.
   * Between commands, or in IDLE with no push being written, at once; a running command first
   * ends (its answer is not cut), and the BYE goes before the next one is read.
   */
  endDenied(message: string): void {
    if (this.closed) return;
    const idleAtRest = this.idleWake !== null && this.lineWaiter !== null && this.idleWakes === 0 && !this.notifying;
    if (this.busy && !idleAtRest) {
      this.pendingDenial = message;
      return;
    }
    this.pendingDenial = null;
    this.log.info({ user: this.loggedInAs?.userid }, 'session ended: access denied (cyr_deny)');
    this.out.send(untaggedStatus('BYE', codes.alert(), message));
    void this.hangUp('access denied');
  }

  /**
   * Say BYE and close: nothing more is read from this moment (a client that keeps sending after a
   * fatal error is not read, and the reader's buffers are dropped); the answers queued and the BYE
   * go out, and the connection is destroyed after a short linger (common/socket-session.ts).
   */
  async bye(text: string): Promise<void> {
    if (this.closed) return;
    this.out.send(untaggedStatus('BYE', null, text));
    await this.hangUp(text);
  }

  /** Stop reading, send what is queued, end the connection (see bye). */
  private async hangUp(reason: string): Promise<void> {
    const flushed = this.out.flush();
    hangUp(this.socket, this.listeners);
    this.finish(reason);
    await flushed;
  }

  private armTimer(): void {
    if (this.closed) return;
    const l = this.deps.limits;
    // Before login the window (prelogin_timeout) runs from the greeting, whatever the client sends.
    if (this.state.kind === 'notAuthenticated') {
      if (this.timer) return;
      this.timer = setTimeout(() => void this.bye('Autologout; no login in time'), l.preauthTimeoutMs);
      this.timer.unref();
      this.timerMs = null;
      return;
    }
    const ms = this.idleWake ? l.idleTimeoutMs : l.timeoutMs;
    // The same autologout window again (every chunk read): the timer restarts in place.
    if (this.timer && this.timerMs === ms) {
      this.timer.refresh();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.bye('Autologout; idle for too long'), ms);
    this.timer.unref();
    this.timerMs = ms;
  }

  /** Serve reader events until more input is needed or a command is running. */
  private pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      for (;;) {
        if (this.lineWaiter) {
          const result = this.reader.nextLine();
          if (!result) {
            // In IDLE with no whole line read: the moment a session asked to move home goes, when
            // no change is being pushed (the part of a line read so far goes with it).
            if (this.homeAsk !== null && this.idleWake !== null && this.moveIfAsked()) return;
            break;
          }
          const waiter = this.lineWaiter;
          this.lineWaiter = null;
          if (result.type === 'error') {
            this.replyReaderError(result.error);
            waiter(null);
          } else waiter(result.text);
          continue;
        }
        if (this.busy) break;
        if (this.pendingDenial !== null) return this.endDenied(this.pendingDenial);
        // Between two commands: the moment a session asked to move home goes (the bytes read
        // and not run yet go with it).
        if (this.homeAsk !== null && this.moveIfAsked()) return;
        const event = this.reader.next();
        if (!event) break;
        if (event.type === 'command') {
          this.busy = true;
          // Most commands of an idle client (NOOP on an unchanged mailbox) finish without waiting:
          // then the next is read in this same loop, with no promise or closure per command.
          const running = this.runCommand(event.command);
          if (running !== null) {
            running.then(this.afterAsyncCommand, this.afterAsyncCommand);
            break;
          }
          if (!this.commandDone()) break;
          continue;
        }
        if (event.type === 'literal') {
          if (this.state.kind === 'notAuthenticated' && event.name === 'APPEND') {
            this.reader.rejectLiteral();
            this.out.send(tagged(event.tag, 'BAD', null, 'Please login first'));
          } else {
            this.reader.acceptLiteral();
            this.out.send(continuation());
          }
          void this.out.flush();
          continue;
        }
        this.replyReaderError(event.error);
        if (event.error.fatal) break;
      }
    } finally {
      this.pumping = false;
    }
    if (!this.closed && this.reader.bufferedBytes < PAUSE_AT) this.socket.resume();
  }

  private replyReaderError(error: ReaderError): void {
    const answer = error.tag ? tagged(error.tag, error.status, error.code, error.message) : untaggedStatus(error.status, error.code, error.message);
    if (error.fatal) {
      if (error.tag) this.out.send(answer);
      void this.bye(error.message);
      return;
    }
    this.out.send(answer);
    void this.out.flush();
    this.countBad();
  }

  private countBad(): void {
    if (++this.badCommands >= this.deps.limits.maxBadCommands) void this.bye('Too many protocol errors');
  }

  /** `execute`, with a failure of the I/O around the command (handlers' errors are answered) dropping the connection. */
  private runCommand(raw: RawCommand): Promise<void> | null {
    let running: Promise<void> | null;
    try {
      running = this.execute(raw);
    } catch (err) {
      this.sessionFailed(err);
      return null;
    }
    return running === null ? null : running.catch((err: unknown) => this.sessionFailed(err));
  }

  private sessionFailed(err: unknown): void {
    this.log.error({ err }, 'session failed');
    this.socket.destroy();
    this.finish('session failed');
  }

  /** A command ended: false when the session stops reading (logout). */
  private commandDone(): boolean {
    this.busy = false;
    if (this.logoutRequested) {
      this.closeAfterLogout();
      return false;
    }
    this.scheduleNotifications();
    return true;
  }

  private readonly afterAsyncCommand = (): void => {
    if (this.commandDone()) this.pump();
  };

  /**
   * Run one command and answer it: null when all of it was done without waiting (the handler
   * returned no promise, the sync and the write did not wait), else a promise for the rest.
   */
  private execute(raw: RawCommand): Promise<void> | null {
    const tag = raw.tag;
    const down = this.deps.shutdown();
    if (down !== null && !('identity' in this.state && this.state.identity.isAdmin)) {
      // msg/shutdown appeared: the session ends before its next command (administrators go on).
      this.out.send(untaggedStatus('BYE', codes.alert(), down));
      return this.hangUp('shutdown file');
    }
    if (this.state.kind === 'notAuthenticated' && ++this.unauthCommands > this.deps.limits.maxUnauthCommands) {
      return this.bye('Too many commands without logging in');
    }
    let handled: Promise<CommandResult | void> | CommandResult | void;
    let allowExpunge = true;
    let name = raw.name;
    try {
      const command = parseCommand(raw);
      name = command.name;
      if (this.log.isLevelEnabled('debug')) this.log.debug({ tag, command: name }, 'command');
      const relayed = this.state.kind === 'notAuthenticated' ? null : this.murderProxy()?.route(command, raw) ?? null;
      if (relayed !== null) handled = relayed;
      else {
        const spec = admit(command, this.state);
        allowExpunge = spec.allowsExpunge?.(command as never) ?? true;
        handled = spec.handle(this.context(tag), command as never);
      }
    } catch (err) {
      handled = this.failure(err, raw.name);
    }
    if (handled instanceof Promise) return this.answerLater(tag, name, handled, allowExpunge);
    return this.answer(tag, name, handled, allowExpunge);
  }

  private async answerLater(tag: string, name: string, handled: Promise<CommandResult | void>, allowExpunge: boolean): Promise<void> {
    let result: CommandResult | void;
    try {
      result = await handled;
    } catch (err) {
      result = this.failure(err, name);
    }
    await this.answer(tag, name, result, allowExpunge);
  }

  /** The updates of the selected mailbox, then the tagged answer (null: nothing to wait for). */
  private answer(tag: string, name: string, result: CommandResult | void, allowExpunge: boolean): Promise<void> | null {
    if (this.closed) return null;
    if (this.state.kind === 'selected' && !this.logoutRequested) {
      const syncing = this.syncSelectedNow(allowExpunge, true);
      if (syncing !== null) return syncing.then(() => this.reply(tag, name, result) ?? undefined);
    }
    return this.reply(tag, name, result);
  }

  private reply(tag: string, name: string, result: CommandResult | void): Promise<void> | null {
    const status = result ? result.status : 'OK';
    this.out.send(tagged(tag, status, result ? (result.code ?? null) : null, result ? (result.text ?? 'completed') : completedText(name)));
    if (this.moveWanted) {
      this.moveWanted = false;
      if (status === 'OK' && this.moveAway()) return null;
    }
    const flushing = this.out.flushNow();
    if (flushing !== null) return flushing.then(() => this.afterReply(status) ?? undefined);
    return this.afterReply(status);
  }

  private afterReply(status: CommandResult['status']): Promise<void> | null {
    if (status === 'BAD') this.countBad();
    if (this.pendingCompress) {
      this.pendingCompress = false;
      // At once, before the pump reads on: what follows the OK is compressed both ways.
      if (status === 'OK') this.compress();
    }
    return this.pendingTls ? this.upgradeTls() : null;
  }

  private failure(err: unknown, command: string): CommandResult {
    if (err instanceof CommandFailure) return { status: err.status, code: err.code, text: err.message };
    if (err instanceof ParseError) return { status: 'BAD', text: err.message };
    const mapped = imapFailure(err);
    if (mapped.internal) this.log.error({ err, command }, 'internal error');
    else if (!(err instanceof MailError)) this.log.warn({ err }, 'unexpected failure');
    return { status: mapped.status, code: mapped.code, text: mapped.text };
  }

  /**
   * Tell the client what changed in its selected mailbox. `inReply`: the updates go out with a
   * command's tagged answer (which waits for the \Recent claim anyway): the EXISTS of new messages
   * is not written on its own first unless the claim must wait for another process's write lock
   * (one socket write per command instead of two; IDLE and NOTIFY push EXISTS at once).
   */
  syncSelected(allowExpunge: boolean, inReply = false, facts?: AppendFacts): Promise<void> {
    return this.syncSelectedNow(allowExpunge, inReply, facts) ?? DONE;
  }

  /**
   * syncSelected; null when nothing had to wait (the usual NOOP: nothing changed). `facts`: the
   * change that woke an IDLE session was an append, and this is what it did (pushAppend).
   */
  private syncSelectedNow(allowExpunge: boolean, inReply: boolean, facts?: AppendFacts): Promise<void> | null {
    if (this.state.kind !== 'selected') return null;
    const selected = this.state.selected;
    // Updating searches (RFC 5267) add their ADDTO / REMOVEFROM to what the sync found (and keep
    // RECENT before them: the claim is made inline there).
    const deferRecent = selected.searchContexts.size === 0;
    if (facts !== undefined && deferRecent && allowExpunge) {
      // The view is the state just before the append: EXISTS from the facts, no index read first.
      const pushed = selected.pushAppend(facts);
      if (pushed !== null) {
        this.sendUpdates(pushed);
        return this.afterPush(selected, allowExpunge);
      }
    }
    const updates = selected.sync({ allowExpunge, deferRecent });
    if (!deferRecent) return this.syncContexts(updates);
    this.sendUpdates(updates);
    if (selected.recentClaimDue) {
      // New messages: EXISTS leaves now (an IDLE client hears of them at once), RECENT after the
      // claim, which may wait for the write lock of the process that delivered them.
      const claimed = inReply ? selected.tryClaimRecent() : null;
      if (claimed === null) return this.claimRecentLater(selected);
      this.sendUpdates(claimed);
    }
    return this.out.maybeFlushNow();
  }

  /**
   * After pushAppend: EXISTS written at once, then the \Recent claim (the write lock straight away),
   * then the sync from the index, which finds what else changed meanwhile (usually nothing, and
   * then it reads nothing either: the claim left the index's state as the mailbox's last look).
   */
  private async afterPush(selected: SelectedMailbox, allowExpunge: boolean): Promise<void> {
    await this.out.flush();
    if (selected.recentClaimDue) this.sendUpdates(await selected.claimRecent(true));
    await this.syncSelected(allowExpunge);
  }

  private async claimRecentLater(selected: SelectedMailbox): Promise<void> {
    await this.out.flush();
    this.sendUpdates(await selected.claimRecent());
    await this.out.maybeFlush();
  }

  private async syncContexts(updates: MailboxUpdate[]): Promise<void> {
    const context = this.context('*');
    this.sendUpdates(await withContextUpdates(context, updates));
    await fetchNewMembers(context);
    await this.out.maybeFlush();
  }

  sendUpdates(updates: readonly MailboxUpdate[]): void {
    if (updates.length === 0) return;
    for (const update of coalesceUpdates(updates, this.enabled)) this.out.send(renderUpdate(update, this.enabled));
  }

  /** What the client asked to be told without asking (NOTIFY, RFC 5465), and what it was told. */
  get notifications(): NotifyState {
    if (this.notifyState === null) {
      this.notifyState = new NotifyState();
      this.options.onWatchChange?.();
    }
    return this.notifyState;
  }

  get watchedMailbox(): string | null {
    return this.state.kind === 'selected' ? this.state.selected.name : null;
  }

  get watchesAll(): boolean {
    return this.notifyState !== null;
  }

  /** Record `names` as enabled (ENABLE); returns those not enabled before. */
  enable(names: readonly string[]): string[] {
    const added = names.filter((name, i) => !this.enabled.has(name) && names.indexOf(name) === i);
    if (added.length > 0) this.enabled = new Set([...this.enabled, ...added]);
    return added;
  }

  /** Called by the server when any process changed mailbox `name` (`facts`: what an append did). */
  mailboxChanged(name: string, facts?: AppendFacts): void {
    if (this.notifyState?.active && this.state.kind !== 'notAuthenticated' && this.state.kind !== 'logout') {
      // NOTIFY: delivered between commands or during IDLE (the selected mailbox too, with its fetch attributes).
      if (!this.notifications.queue(name)) {
        this.out.send(untaggedStatus('OK', 'NOTIFICATIONOVERFLOW', 'Too many notifications; NOTIFY is off'));
        void this.out.flush();
      }
      // After the names reported together (a rename's old and new name) are all queued: one batch.
      queueMicrotask(() => this.scheduleNotifications());
      return;
    }
    if (this.state.kind === 'selected' && this.state.selected.name === name) this.idleWake?.(facts);
  }

  /**
   * Deliver queued NOTIFY events now when no command runs (holding the command slot meanwhile) or
   * when the client idles; otherwise the end of the running command calls this again.
   */
  private scheduleNotifications(): void {
    if (this.closed || this.notifying || !this.notifyState?.hasPending) return;
    if (this.busy && !this.idleWake) return;
    const asCommand = !this.busy;
    if (asCommand) this.busy = true;
    this.notifying = true;
    deliverNotifications(this.context('*'), this.notifyState, this.notifyState.take())
      .catch((err: unknown) => this.log.error({ err }, 'notification failed'))
      .finally(() => {
        this.notifying = false;
        if (asCommand) {
          this.busy = false;
          this.pump();
        }
        this.scheduleNotifications();
      });
  }

  /**
   * Cyrus's per-user telemetry: from the login on (the login's own answer included, its command and
   * password not), what the client sends and what the session answers, as the protocol sees them
   * (inside TLS and COMPRESS: the listeners and the writer sit above both).
   */
  private startTelemetry(identity: Identity): void {
    this.telemetry = startTrace(this.deps.telemetry, identity.userid, this.id, this.out);
  }

  private stopTelemetry(): void {
    this.telemetry = endTrace(this.telemetry, this.out);
  }

  private closeAfterLogout(): void {
    void this.hangUp('logout');
  }

  private async upgradeTls(): Promise<void> {
    this.pendingTls = false;
    const old = this.socket;
    const secure = swapToTls(old, this.listeners, this.deps.tlsContext);
    // Anything the client sent after STARTTLS in plaintext is discarded (RFC 3501 section 11.1).
    this.reader = this.newReader();
    this.socket = secure;
    this.out.replaceSocket(secure);
    this.tls = true;
    tlsStarted(this.connection, secure);
    await tlsHandshake(secure);
  }

  /**
   * COMPRESS=DEFLATE (RFC 4978) from the byte after its tagged OK, which is already in the socket's
   * queue: the session's listeners move onto a DeflateSocket over the current socket (plain or
   * TLS), and the bytes the reader holds after the COMPRESS line (a client that did not wait for
   * the OK) are the start of the compressed input. A moving session never gets here: a move asked
   * at LOGIN went with that login's answer, and later asks wait for no command (moveIfAsked).
   */
  private compress(): void {
    const unread = this.reader.takeUnread();
    if (unread === null) {
      // Only a command still being read has no unread bytes to give, and COMPRESS is answered.
      this.sessionFailed(new Error('COMPRESS answered inside a command'));
      return;
    }
    this.reader = this.newReader();
    const inner = this.socket;
    detachSocket(inner, this.listeners);
    const compressed = new DeflateSocket(inner, unread, { onCorruptInput: this.onCorruptInput });
    attachSocket(compressed, this.listeners);
    this.socket = compressed;
    this.out.replaceSocket(compressed);
    this.compressed = true;
    this.log.debug({ early: unread.length }, 'compression on');
  }

  /** The client's compressed stream is broken: nothing more can be read; the BYE still goes out, compressed. */
  private readonly onCorruptInput = (err: Error): void => {
    this.log.debug({ err: err.message }, 'compressed input');
    void this.bye('Invalid compressed data');
  };

  requestCompression(): void {
    this.pendingCompress = true;
  }

  capabilities(): string[] {
    return capabilities(this.deps, { state: this.state.kind, tls: this.tls, compressed: this.compressed, connection: this.connection });
  }

  private context(tag: string): CommandContext {
    return new SessionContext(this, tag);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async continuation(text: string): Promise<string | null> {
    this.out.send(continuation(text));
    await this.out.flush();
    return this.nextLine();
  }

  requestTls(): void {
    this.pendingTls = true;
  }

  requestLogout(): void {
    this.logoutRequested = true;
  }

  async becomeAuthenticated(identity: Identity): Promise<void> {
    const verdict = await this.options.loginGate?.loggedIn(identity.userid, this.movable(identity));
    const refusal = verdict?.refusal ?? null;
    if (refusal !== null) {
      this.log.info({ user: identity.userid, limit: refusal }, 'login refused: too many sessions');
      throw new CommandFailure('NO', 'LIMIT', `Too many sessions: ${refusal}`);
    }
    this.state = { kind: 'authenticated', identity };
    this.startTelemetry(identity);
    this.moveWanted = verdict?.move === true;
    if (this.movable(identity)) this.listenForMoveAsks();
    this.reader.setLimits(this.commandBounds());
    // The authenticator logged the one "login" line (with this session's id).
    this.log.debug({ user: identity.userid }, 'authenticated');
    this.armTimer();
  }

  /**
   * Whether this session could be handed to another worker after its login: a plaintext TCP
   * connection (TLS or zlib state cannot leave the process) of a named user, with a master to carry it.
   */
  private movable(identity: Identity): boolean {
    return this.options.loginGate?.move !== undefined && !this.tls && !this.compressed && !this.options.unixSocket && !identity.isAnonymous;
  }

  /**
   * Hand the connection to the worker that serves the user's other sessions (the master asked for
   * it at login): the login's answer, still unwritten, and the bytes read after the LOGIN line go
   * with it; this session ends without closing the socket. false: it stays here (nothing changed).
   */
  private moveAway(state?: string): boolean {
    const gate = this.options.loginGate;
    // A compressed connection's zlib state cannot travel with its socket.
    if (!gate?.move || this.closed || this.tls || this.pendingTls || this.compressed || this.pendingCompress || this.logoutRequested) return false;
    // A mailbox selected on a Murder backend is a connection of this process: it cannot go along.
    if (this.proxy?.selectedRemote) return false;
    if (this.state.kind !== 'authenticated' && !(this.state.kind === 'selected' && state !== undefined)) return false;
    // Earlier answers still in the socket's queue would be lost with this process's copy of it. A
    // line is waited for only by IDLE (its DONE) here: AUTHENTICATE's exchange cannot move.
    if ((this.lineWaiter !== null && this.idleWake === null) || this.socket.writableLength > 0) return false;
    const early = stopReading(this.socket);
    if (early === null) return false;
    const rest = this.reader.takeUnread();
    if (rest === null) {
      for (const chunk of early) this.reader.push(chunk);
      restartReading(this.socket);
      return false;
    }
    const unread = early.length === 0 ? rest : Buffer.concat([rest, ...early]);
    const written = this.out.take();
    detachSocket(this.socket, this.listeners);
    const identity = this.state.identity;
    const moved: MovedSession = {
      sessionId: this.id, userid: identity.userid, authenticatedAs: identity.authenticatedAs, written: written.toString('base64'), unread: unread.toString('base64'),
    };
    if (state !== undefined) moved.state = state;
    if (!gate.move(moved)) {
      attachSocket(this.socket, this.listeners);
      this.reader = this.newReader();
      this.reader.push(unread);
      this.out.raw(written);
      void this.out.flush();
      restartReading(this.socket);
      // In IDLE the bytes taken back may hold its DONE: read them (pump is between two commands otherwise).
      if (this.idleWake !== null) queueMicrotask(() => this.pump());
      return false;
    }
    this.finish("to the worker of the user's other sessions", true);
    return true;
  }

  /** Hear the master's later asks to move to the user's home (rebalancing after a login storm). */
  private listenForMoveAsks(): void {
    this.options.loginGate?.onMoveAsked?.(() => this.moveAsked());
  }

  /**
   * The master asked this session to move to its user's home: now when no command runs or it waits
   * in IDLE, else at the end of the running command or IDLE push (pump); a session that finds no
   * safe point within MOVE_ASK_WAIT_MS (in a literal, a slow reader) says it stays.
   */
  private moveAsked(): void {
    if (this.homeAsk !== null) return;
    if (this.closed) return this.options.loginGate?.stay?.();
    this.homeAsk = setTimeout(() => {
      this.homeAsk = null;
      this.endMoveAsk();
      this.log.debug({ waitedMs: MOVE_ASK_WAIT_MS }, 'not moved home: no safe point');
      this.options.loginGate?.stay?.();
    }, MOVE_ASK_WAIT_MS);
    this.homeAsk.unref();
    if (this.pumping) return;
    if (!this.busy) this.moveIfAsked();
    // In IDLE: a line read meanwhile and waiting for its turn is taken first.
    else if (this.idleWake !== null) this.pump();
  }

  /**
   * Move to the user's home now if asked and at a safe point: no command running and nothing waited
   * for (a literal, AUTHENTICATE), or in IDLE waiting for DONE with no change being pushed; no
   * NOTIFY, plaintext, the selected mailbox's view at rest (SelectedMailbox.carry), nothing left in
   * the socket's queue. true: moved (this session has ended; an IDLE's wait for DONE ends with no
   * answer here, the new worker gives it). A session that cannot move at all says it stays; one that
   * cannot move yet keeps waiting.
   */
  private moveIfAsked(): boolean {
    if (this.homeAsk === null || this.closed || this.notifying) return false;
    const idling = this.idleWake !== null;
    if (idling ? this.lineWaiter === null || this.idleWakes > 0 : this.busy || this.lineWaiter !== null) return false;
    const state = this.state;
    const unmovable = this.tls || this.pendingTls || this.compressed || this.logoutRequested || this.notifyState !== null || this.proxy?.selectedRemote === true || (state.kind !== 'authenticated' && state.kind !== 'selected') || xferSessionHolds(this.deps, this.id);
    let carried: string | null = null;
    if (!unmovable) {
      // The view (all its UIDs) is copied only for a session that can go.
      const view = state.kind === 'selected' ? state.selected.carry() : null;
      if (state.kind === 'selected' && view === null) return false;
      if (this.socket.writableLength > 0) {
        this.retryMoveWhenWritten();
        return false;
      }
      const saved = state.kind === 'selected' ? savedResultOf(state.selected) : null;
      carried = JSON.stringify({ enabled: [...this.enabled], badCommands: this.badCommands, selected: view, saved, idle: idling ? this.idleTag : null } satisfies CarriedState);
    }
    this.endMoveAsk();
    if (carried !== null && this.moveAway(carried)) return true;
    this.log.debug({ unmovable, idle: idling }, 'not moved home');
    this.options.loginGate?.stay?.();
    return false;
  }

  /**
   * A slow reader asked to move: the answers its socket still holds would be lost with this process's
   * copy of the socket, so the move is tried again the moment they are written (one wait at a time;
   * the ask's own time limit still holds). Nothing else might wake the session: a client reading a
   * long answer sends nothing meanwhile.
   */
  private retryMoveWhenWritten(): void {
    if (this.moveWhenWritten !== null) return;
    this.log.debug({ queued: this.socket.writableLength }, 'move home waits for the output to be written');
    this.moveWhenWritten = this.out.whenWritten(() => {
      this.moveWhenWritten = null;
      if (this.homeAsk !== null) this.pump();
    });
  }

  /** The ask to move home ended (moved, stays, gave up, or the session closed). */
  private endMoveAsk(): void {
    if (this.homeAsk !== null) clearTimeout(this.homeAsk);
    this.homeAsk = null;
    this.moveWhenWritten?.();
    this.moveWhenWritten = null;
  }

  /** UNAUTHENTICATE (RFC 8437): the mailbox closed, ENABLEd extensions off, pre-login limits again. */
  becomeUnauthenticated(): void {
    if (this.state.kind === 'selected') this.state.selected.close();
    this.proxy?.close();
    this.proxy = undefined;
    this.state = { kind: 'notAuthenticated' };
    // The trace is the logged-in user's: the next login (its password) must not reach it.
    this.stopTelemetry();
    this.enabled = NOTHING_ENABLED;
    this.notifyState = null;
    this.options.onWatchChange?.();
    this.unauthCommands = 0;
    this.reader.setLimits(this.commandBounds());
    // The pre-login window starts again from here.
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armTimer();
  }

  relayStatus(entry: MailboxEntry, external: string, items: readonly string[]): Promise<void> | null {
    return this.murderProxy()?.relayStatus(entry, external, items) ?? null;
  }

  relayMetadata(entry: MailboxEntry, external: string, option: ListMetadataOption): Promise<void> | null {
    return this.murderProxy()?.relayMetadata(entry, external, option) ?? null;
  }

  provisionInbox(identity: Identity, server: string): Promise<void> {
    return this.murderProxy()?.provisionInbox(identity, server) ?? Promise.resolve();
  }

  /** A command run here after the proxy prepared it (ProxyHost.runLocally): the registry's gate, then its handler. */
  runLocally(command: Command, tag: string): Promise<CommandResult | void> | CommandResult | void {
    return admit(command, this.state).handle(this.context(tag), command as never);
  }

  private murderProxy(): ImapProxy | null {
    if (this.proxy === undefined) this.proxy = proxyFor(this);
    return this.proxy;
  }

  setSelected(selected: SelectedMailbox | null): void {
    if (this.state.kind === 'selected') this.state.selected.close();
    if (this.state.kind !== 'authenticated' && this.state.kind !== 'selected') throw new Error('not authenticated');
    const identity = this.state.identity;
    this.state = selected ? { kind: 'selected', identity, selected } : { kind: 'authenticated', identity };
    this.options.onWatchChange?.();
  }

  private nextLine(): Promise<string | null> {
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.lineWaiter = resolve;
      queueMicrotask(() => this.pump());
    });
  }

  async idle(tag: string, onWake: (facts?: AppendFacts) => Promise<void>): Promise<string | null> {
    let running = Promise.resolve();
    this.idleTag = tag;
    this.idleWakes = 0;
    this.idleWake = (facts) => {
      this.idleWakes++;
      running = running.then(() => onWake(facts)).catch((err) => this.log.error({ err }, 'idle update failed')).then(this.idleWoken);
    };
    // The safety net: a change by a process that publishes no notification is found by this slow
    // poll (a sync with nothing new is two indexed range queries and sends nothing).
    const stopPolling = this.deps.idlePoller.add(() => {
      if (this.state.kind === 'selected') this.idleWake?.();
    });
    // The first wake, at once: what changed before the IDLE (and while this first sync runs: each
    // change told from now on queues a wake of its own behind it).
    this.idleWake();
    this.armTimer();
    try {
      const line = await this.nextLine();
      await running;
      return line;
    } finally {
      stopPolling();
      this.idleWake = null;
      this.armTimer();
    }
  }

  /** An IDLE push finished: when it was the last under way, a move home asked meanwhile may go now. */
  private readonly idleWoken = (): void => {
    if (--this.idleWakes === 0 && this.homeAsk !== null) this.pump();
  };

  /** Server shutdown: tell the client and close. */
  async shutdown(): Promise<void> {
    await this.bye('Server shutting down');
  }
}
