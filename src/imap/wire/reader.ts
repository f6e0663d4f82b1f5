/**
 * The resumable IMAP command reader. It is fed arbitrary chunks of client bytes and yields whole
 * commands (tag, name, the argument text between literals, and the literals), never doing I/O.
 *
 * Flow for the session: `push(chunk)`, then call `next()` until it returns null.
 * - `command`: a complete command, ready for `parseCommand`.
 * - `literal`: a synchronising literal `{n}` was announced and is within the limits; the reader
 *   waits until the session calls `acceptLiteral()` (after writing `+ ...`) or `rejectLiteral()`
 *   (after writing a tagged NO/BAD; the client sends nothing more for that command).
 * - `error`: the command is refused (line too long, literal too big, bad tag). The reader has
 *   already arranged to skip what remains of that command without buffering it. When `fatal` is
 *   true the session sends `* BYE` and closes: the reader reads nothing more.
 *
 * Memory is bounded by the limits: a line is buffered up to maxLineLength, a literal up to its
 * limit; anything over a limit is skipped as it streams by.
 */
import { findLiteralMarker, parseCommandStart, type LiteralMarker } from './framing.js';
import type { CommandPart, CommandReaderOptions, ReaderError, ReaderErrorKind, ReaderEvent, LineResult } from './readerTypes.js';

export type * from './readerTypes.js';

/** LITERAL- caps non-synchronising literals at this size (RFC 7888 section 4). */
const LITERAL_MINUS_MAX = 4096;
const TAIL_KEEP = 32;
const HEAD_KEEP = 128;

interface CommandInProgress {
  tag: string | null;
  name: string;
  parts: CommandPart[];
  size: number;
  literals: number;
  /** An error was reported: the rest of the command is skipped. */
  failed: boolean;
}

type State =
  | { kind: 'line' }
  | { kind: 'skipLine' }
  | { kind: 'skipRaw' }
  | { kind: 'awaitDecision'; marker: LiteralMarker }
  /** Literal data so far, as slices of the input (memory grows with data received, not with the size announced). */
  | { kind: 'literal'; pieces: Buffer[]; filled: number; marker: LiteralMarker }
  | { kind: 'discardLiteral'; remaining: number }
  | { kind: 'closed' };

/** An over-long line: whether its end was seen, and its first bytes (to recover the tag). */
type ScanResult = Buffer | { overflow: true; ended: boolean; head: Buffer } | null;
const EMPTY = Buffer.alloc(0);

export class CommandReader {
  private readonly options: Required<CommandReaderOptions>;
  private readonly chunks: Buffer[] = [];
  private offset = 0;
  private buffered = 0;
  private lineParts: Buffer[] = [];
  private lineLength = 0;
  /** The last bytes of a line being skipped, to see a literal marker at its end. */
  private tail: Buffer = EMPTY;
  private state: State = { kind: 'line' };
  private command: CommandInProgress | null = null;

  constructor(options: CommandReaderOptions) {
    this.options = { maxArgumentsSize: 0, maxLiterals: 0, refusedNonSyncLiteral: 'close', ...options };
  }

  /**
   * Change the per-command bounds (the session tightens them before login and widens them after).
   * They apply from the next literal or line read.
   */
  setLimits(limits: Partial<Pick<CommandReaderOptions, 'maxArgumentsSize' | 'maxLiterals' | 'maxLiteralSize'>>): void {
    Object.assign(this.options, Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)));
  }

  /** Bytes received and not yet consumed (the session pauses the socket when this grows). */
  get bufferedBytes(): number {
    return this.buffered + this.lineLength;
  }

  get closed(): boolean {
    return this.state.kind === 'closed';
  }

  /** True while a synchronising literal waits for acceptLiteral() or rejectLiteral(). */
  get awaitingLiteralDecision(): boolean {
    return this.state.kind === 'awaitDecision';
  }

  /** Add received bytes. The reader keeps slices of `chunk` (for literals): do not reuse it. */
  push(chunk: Buffer): void {
    if (this.state.kind === 'closed' || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * Between commands: every byte received and not consumed (the start of the next command, or
   * several pipelined ones), and the reader takes nothing more. null in the middle of a command (a
   * literal, a line being skipped): nothing is changed then.
   */
  takeUnread(): Buffer | null {
    if (this.state.kind !== 'line' || this.command !== null) return null;
    const rest = this.chunks.map((chunk, i) => (i === 0 ? chunk.subarray(this.offset) : chunk));
    const unread = Buffer.concat([...this.lineParts, ...rest]);
    this.closeReader();
    return unread;
  }

  /** The session ends: drop what is buffered; the reader takes nothing more. */
  close(): void {
    this.closeReader();
  }

  /** The session sent `+ ...`: read the announced literal. */
  acceptLiteral(): void {
    if (this.state.kind !== 'awaitDecision') throw new Error('no literal is waiting');
    this.startLiteral(this.state.marker);
  }

  /** The session refused the announced literal: the command is over (the client sends no data). */
  rejectLiteral(): void {
    if (this.state.kind !== 'awaitDecision') throw new Error('no literal is waiting');
    this.command = null;
    this.state = { kind: 'line' };
  }

  /** The next event, or null when more input (or a literal decision) is needed. */
  next(): ReaderEvent | null {
    for (;;) {
      const state = this.state;
      switch (state.kind) {
        case 'closed':
        case 'awaitDecision':
          return null;
        case 'literal':
          if (!this.fillLiteral(state)) return null;
          break;
        case 'discardLiteral':
          state.remaining -= this.skip(state.remaining);
          if (state.remaining > 0) return null;
          this.state = { kind: 'skipLine' };
          break;
        case 'skipLine':
          if (!this.skipToLineEnd()) return null;
          this.afterSkippedLine();
          break;
        case 'skipRaw':
          if (!this.skipToLineEnd()) return null;
          this.tail = EMPTY;
          this.state = { kind: 'line' };
          break;
        case 'line': {
          const scanned = this.scanLine();
          if (scanned === null) return null;
          const event = 'overflow' in scanned ? this.onOverflow(scanned.ended, scanned.head) : this.onLine(scanned);
          if (event) return event;
          break;
        }
      }
    }
  }

  /**
   * Read one raw line outside of command parsing (AUTHENTICATE responses, IDLE's DONE).
   * Null when the line is not complete yet.
   */
  nextLine(): LineResult | null {
    if (this.state.kind === 'closed') return null;
    if (this.command !== null || (this.state.kind !== 'line' && this.state.kind !== 'skipRaw')) {
      throw new Error('nextLine() called inside a command');
    }
    for (;;) {
      if (this.state.kind === 'skipRaw') {
        if (!this.skipToLineEnd()) return null;
        this.tail = EMPTY;
        this.state = { kind: 'line' };
      }
      const scanned = this.scanLine();
      if (scanned === null) return null;
      if (!('overflow' in scanned)) return { type: 'line', text: scanned.toString('utf8') };
      this.tail = EMPTY;
      if (!scanned.ended) this.state = { kind: 'skipRaw' };
      return { type: 'error', error: this.error('lineTooLong', null, 'BAD', null, 'Line too long', false) };
    }
  }

  // ---- line level ----

  private scanLine(): ScanResult {
    const max = this.options.maxLineLength + 1; // room for the CR
    // The usual case: the whole line in the first chunk, no part of it read before: one slice of
    // the chunk, without its CRLF (no array of parts, no second slice).
    if (this.lineLength === 0 && this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      const lf = chunk.indexOf(10, this.offset);
      if (lf !== -1 && lf - this.offset <= max) {
        const end = lf > this.offset && chunk[lf - 1] === 13 ? lf - 1 : lf;
        if (end - this.offset <= this.options.maxLineLength) {
          const line = chunk.subarray(this.offset, end);
          this.consume(lf + 1 - this.offset);
          return line;
        }
      }
    }
    while (this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      const lf = chunk.indexOf(10, this.offset);
      const end = lf === -1 ? chunk.length : lf;
      const piece = chunk.subarray(this.offset, end);
      this.consume(end - this.offset + (lf === -1 ? 0 : 1));
      if (this.lineLength + piece.length > max) {
        const head = Buffer.from((this.lineParts.length > 0 ? Buffer.concat(this.lineParts) : piece).subarray(0, HEAD_KEEP));
        this.tail = EMPTY;
        this.rememberTail(piece);
        this.resetLine();
        return { overflow: true, ended: lf !== -1, head };
      }
      if (piece.length > 0) {
        this.lineParts.push(piece);
        this.lineLength += piece.length;
      }
      if (lf !== -1) {
        let line = this.lineParts.length === 1 ? this.lineParts[0]! : Buffer.concat(this.lineParts, this.lineLength);
        this.resetLine();
        if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
        if (line.length > this.options.maxLineLength) {
          this.tail = EMPTY;
          this.rememberTail(line);
          return { overflow: true, ended: true, head: Buffer.from(line.subarray(0, HEAD_KEEP)) };
        }
        return line;
      }
    }
    return null;
  }

  private onLine(line: Buffer): ReaderEvent | null {
    let command = this.command;
    let text = line;
    if (command === null) {
      if (line.length === 0) return null; // blank lines between commands are ignored
      const start = parseCommandStart(line);
      text = start.argsStart === line.length ? EMPTY : line.subarray(start.argsStart);
      if (start.tag !== null && start.name !== '' && findLiteralMarker(text) === null) {
        // A command of one line (most are): no record of a command in progress.
        const maxArgs = this.options.maxArgumentsSize;
        if (maxArgs > 0 && text.length > maxArgs) {
          this.endFailedLine(null);
          return this.errorEvent('argumentsTooBig', start.tag, 'BAD', 'TOOBIG', 'Too many arguments');
        }
        const parts: CommandPart[] = text.length > 0 ? [{ kind: 'text', bytes: text }] : [];
        return { type: 'command', command: { tag: start.tag, name: start.name, parts, size: text.length } };
      }
      command = { tag: start.tag, name: start.name, parts: [], size: 0, literals: 0, failed: false };
      this.command = command;
      if (start.tag === null || start.name === '') {
        const marker = findLiteralMarker(line);
        this.endFailedLine(marker);
        return start.tag === null
          ? this.errorEvent('badTag', null, 'BAD', null, 'Invalid tag')
          : this.errorEvent('missingCommand', start.tag, 'BAD', null, 'Missing command');
      }
    }
    const marker = findLiteralMarker(text);
    if (command.failed) {
      this.endFailedLine(marker);
      return null;
    }
    const textPart = marker ? text.subarray(0, marker.start) : text;
    if (textPart.length > 0) command.parts.push({ kind: 'text', bytes: textPart });
    command.size += textPart.length;
    if (this.options.maxArgumentsSize > 0 && command.size > this.options.maxArgumentsSize) {
      command.failed = true;
      this.endFailedLine(marker);
      return this.errorEvent('argumentsTooBig', command.tag, 'BAD', 'TOOBIG', 'Too many arguments');
    }
    if (!marker) {
      this.command = null;
      return { type: 'command', command: { tag: command.tag!, name: command.name, parts: command.parts, size: command.size } };
    }
    return this.onLiteralMarker(command, marker);
  }

  private onLiteralMarker(command: CommandInProgress, marker: LiteralMarker): ReaderEvent | null {
    const limit = command.name === 'APPEND' ? this.options.maxAppendLiteralSize : this.options.maxLiteralSize;
    const maxArgs = this.options.maxArgumentsSize;
    const maxLiterals = this.options.maxLiterals;
    const tooMany = maxLiterals > 0 && command.literals >= maxLiterals;
    const tooBig = marker.size > limit || (maxArgs > 0 && command.size + marker.size > maxArgs);
    command.literals++;
    if (!marker.nonSync) {
      if (tooMany || tooBig) {
        this.command = null; // no continuation was sent: the client sends no literal
        return tooMany
          ? this.errorEvent('tooManyLiterals', command.tag, 'BAD', 'TOOBIG', 'Too many literals in one command')
          : this.errorEvent('literalTooBig', command.tag, 'NO', 'TOOBIG', 'Literal too big');
      }
      this.state = { kind: 'awaitDecision', marker };
      return { type: 'literal', tag: command.tag!, name: command.name, size: marker.size, binary: marker.binary };
    }
    let refusal: { kind: ReaderErrorKind; message: string } | null = null;
    if (this.options.literalPlus === 'none') refusal = { kind: 'nonSyncLiteralNotAllowed', message: 'Non-synchronizing literals are not supported' };
    else if (this.options.literalPlus === 'minus' && marker.size > LITERAL_MINUS_MAX) refusal = { kind: 'nonSyncLiteralTooBig', message: 'Non-synchronizing literal over 4096 bytes' };
    else if (tooMany) refusal = { kind: 'tooManyLiterals', message: 'Too many literals in one command' };
    else if (tooBig) refusal = { kind: 'nonSyncLiteralTooBig', message: 'Literal too big' };
    if (refusal === null) {
      this.startLiteral(marker);
      return null;
    }
    // RFC 7888 section 4: reject with BAD [TOOBIG]; the data is on its way, so discard it or close.
    command.failed = true;
    const fatal = this.options.refusedNonSyncLiteral === 'close';
    if (fatal) this.closeReader();
    else this.state = { kind: 'discardLiteral', remaining: marker.size };
    return this.errorEvent(refusal.kind, command.tag, 'BAD', 'TOOBIG', refusal.message, fatal);
  }

  private onOverflow(ended: boolean, head: Buffer): ReaderEvent {
    let command = this.command;
    if (command === null) {
      const start = parseCommandStart(head);
      command = { tag: start.tag, name: start.name, parts: [], size: 0, literals: 0, failed: true };
      this.command = command;
    }
    command.failed = true;
    if (ended) this.afterSkippedLine();
    else this.state = { kind: 'skipLine' };
    return this.errorEvent('lineTooLong', command.tag, 'BAD', null, 'Line too long');
  }

  private resetLine(): void {
    this.lineParts = [];
    this.lineLength = 0;
  }

  private rememberTail(piece: Buffer): void {
    if (piece.length === 0) return;
    const keep = piece.length >= TAIL_KEEP ? piece.subarray(piece.length - TAIL_KEEP) : Buffer.concat([this.tail, piece]).subarray(-TAIL_KEEP);
    this.tail = Buffer.from(keep);
  }

  /** Skip bytes up to and including the next LF, keeping the tail. True when the LF was reached. */
  private skipToLineEnd(): boolean {
    while (this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      const lf = chunk.indexOf(10, this.offset);
      const end = lf === -1 ? chunk.length : lf;
      this.rememberTail(chunk.subarray(this.offset, end));
      this.consume(end - this.offset + (lf === -1 ? 0 : 1));
      if (lf !== -1) return true;
    }
    return false;
  }

  private afterSkippedLine(): void {
    let tail = this.tail;
    if (tail.length > 0 && tail[tail.length - 1] === 13) tail = tail.subarray(0, tail.length - 1);
    this.tail = EMPTY;
    this.endFailedLine(findLiteralMarker(tail));
  }

  /** A refused command's line ended: follow a non-synchronising literal, else the command is over. */
  private endFailedLine(marker: LiteralMarker | null): void {
    if (marker && marker.nonSync) {
      if (this.command) this.command.failed = true;
      this.state = { kind: 'discardLiteral', remaining: marker.size };
    } else {
      this.command = null;
      this.state = { kind: 'line' };
    }
  }

  // ---- literals ----

  private startLiteral(marker: LiteralMarker): void {
    this.state = { kind: 'literal', pieces: [], filled: 0, marker };
  }

  private fillLiteral(state: Extract<State, { kind: 'literal' }>): boolean {
    const size = state.marker.size;
    while (state.filled < size && this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      const n = Math.min(chunk.length - this.offset, size - state.filled);
      state.pieces.push(chunk.subarray(this.offset, this.offset + n));
      state.filled += n;
      this.consume(n);
    }
    if (state.filled < size) return false;
    const bytes = state.pieces.length === 1 ? state.pieces[0]! : Buffer.concat(state.pieces, size);
    const command = this.command!;
    command.parts.push({ kind: 'literal', bytes, binary: state.marker.binary, nonSync: state.marker.nonSync });
    command.size += size;
    this.state = { kind: 'line' };
    return true;
  }

  // ---- input queue ----

  private consume(n: number): void {
    this.offset += n;
    this.buffered -= n;
    while (this.chunks.length > 0 && this.offset >= this.chunks[0]!.length) {
      this.offset -= this.chunks[0]!.length;
      this.chunks.shift();
    }
  }

  private skip(max: number): number {
    let skipped = 0;
    while (skipped < max && this.chunks.length > 0) {
      const n = Math.min(this.chunks[0]!.length - this.offset, max - skipped);
      this.consume(n);
      skipped += n;
    }
    return skipped;
  }

  private closeReader(): void {
    this.state = { kind: 'closed' };
    this.chunks.length = 0;
    this.offset = 0;
    this.buffered = 0;
    this.resetLine();
    this.command = null;
    this.tail = EMPTY;
  }

  private error(kind: ReaderErrorKind, tag: string | null, status: 'NO' | 'BAD', code: string | null, message: string, fatal: boolean): ReaderError {
    return { kind, tag, status, code, message, fatal };
  }

  private errorEvent(kind: ReaderErrorKind, tag: string | null, status: 'NO' | 'BAD', code: string | null, message: string, fatal = false): ReaderEvent {
    return { type: 'error', error: this.error(kind, tag, status, code, message, fatal) };
  }
}
