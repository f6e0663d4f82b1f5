/**
 * Splits the client's bytes into ManageSieve commands (RFC 5804 section 4): words, numbers and
 * strings separated by spaces, ended by CRLF (a bare LF is taken too), where a string is quoted
 * (with \" and \\ escapes, no CR or LF) or a literal `{N+}` / `{N}` followed by CRLF and N octets.
 * Both literal forms are read the same way: ManageSieve has no continuation request, so the
 * octets follow at once.
 *
 * Nothing is held without bound: a line over `maxLineLength` is dropped as it comes and reported
 * once its end arrives; a literal over the current limit is reported as soon as its header is
 * read (so the session can answer before the client has sent it all) and its octets are counted
 * down and dropped, with the rest of the command. No I/O: the session pushes chunks and pulls events.
 */

export type Token =
  | { kind: 'atom'; text: string }
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: Buffer; literal: boolean };

export type CommandEvent =
  | { kind: 'command'; tokens: Token[] }
  /** The command broke the grammar (the whole command was consumed). */
  | { kind: 'syntax'; message: string }
  /** A line longer than the limit (consumed, with its literals). */
  | { kind: 'tooLong' }
  /** A literal over the limit: reported at its header; its octets and the command's rest are dropped. */
  | { kind: 'literalTooBig'; size: number; limit: number };

export interface ReaderLimits {
  maxLineLength: number;
  /** Largest literal taken (the session lowers it before login). */
  maxLiteral: number;
  /** Most literals in one command. */
  maxLiterals: number;
}

const LF = 0x0a;
const CR = 0x0d;
const LITERAL_AT_END = /\{(\d{1,20})(\+?)\}$/;

class Syntax extends Error {}

/** The tokens of one line segment (the text between literals), and the literal it ends with. */
function tokenize(segment: string, tokens: Token[]): { size: number } | null {
  let i = 0;
  const n = segment.length;
  for (;;) {
    if (i >= n) return null;
    const c = segment[i]!;
    if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= n) throw new Syntax('Unterminated quoted string');
        const d = segment[i]!;
        if (d === '"') break;
        if (d === '\\') {
          const e = segment[i + 1];
          if (e !== '"' && e !== '\\') throw new Syntax('Invalid escape in quoted string');
          value += e;
          i += 2;
          continue;
        }
        if (d === '\0') throw new Syntax('NUL in quoted string');
        value += d;
        i++;
      }
      i++;
      tokens.push({ kind: 'string', value: Buffer.from(value, 'utf8'), literal: false });
    } else if (c === '{') {
      const m = LITERAL_AT_END.exec(segment.slice(i));
      if (!m || i + m[0].length !== n) throw new Syntax('Invalid literal');
      const size = Number(m[1]);
      if (!Number.isSafeInteger(size)) throw new Syntax('Invalid literal size');
      return { size };
    } else {
      let j = i;
      while (j < n && segment[j] !== ' ' && segment[j] !== '"' && segment[j] !== '{') j++;
      const word = segment.slice(i, j);
      if (word === '') throw new Syntax('Missing argument');
      if (/[\x00-\x1f\x7f()]/.test(word)) throw new Syntax('Invalid characters in command');
      tokens.push(/^\d+$/.test(word) ? { kind: 'number', value: Number(word) } : { kind: 'atom', text: word });
      i = j;
    }
    if (i >= n) return null;
    if (segment[i] !== ' ') throw new Syntax('Missing space between arguments');
    i++;
    if (i >= n) throw new Syntax('Trailing space');
  }
}

export class CommandReader {
  private buffer: Buffer = Buffer.alloc(0);
  private start = 0;
  private tokens: Token[] = [];
  private literals = 0;
  /** Octets of a literal still to read (collecting) or to drop (discarding). */
  private literalLeft = 0;
  private literalParts: Buffer[] = [];
  /** The current command is being dropped; `dropReason` is reported at its end (null: reported already). */
  private discarding = false;
  private dropReason: CommandEvent | null = null;
  /** Inside an over-long line: its bytes are dropped until its end. */
  private lineTooLong = false;

  constructor(readonly limits: ReaderLimits) {}

  get bufferedBytes(): number {
    return this.buffer.length - this.start;
  }

  push(chunk: Buffer): void {
    if (this.start >= this.buffer.length) {
      this.buffer = chunk;
    } else {
      this.buffer = Buffer.concat([this.buffer.subarray(this.start), chunk]);
    }
    this.start = 0;
  }

  /** Drop everything buffered (after STARTTLS nothing sent in plaintext survives). */
  clear(): void {
    this.buffer = Buffer.alloc(0);
    this.start = 0;
    this.resetCommand();
    this.lineTooLong = false;
  }

  /** Whether more input is buffered (the session flushes its answers when none is). */
  hasInput(): boolean {
    return this.bufferedBytes > 0;
  }

  private resetCommand(): void {
    this.tokens = [];
    this.literals = 0;
    this.literalLeft = 0;
    this.literalParts = [];
    this.discarding = false;
    this.dropReason = null;
  }

  /** Drop the rest of the current command; `report` is returned at its end (null: nothing more to say). */
  private drop(report: CommandEvent | null): void {
    this.discarding = true;
    this.dropReason = report;
    this.tokens = [];
    this.literalParts = [];
  }

  /** The next event, or null when more bytes are needed. */
  next(): CommandEvent | null {
    for (;;) {
      if (this.literalLeft > 0) {
        const take = Math.min(this.literalLeft, this.bufferedBytes);
        if (take === 0) return null;
        if (!this.discarding) this.literalParts.push(this.buffer.subarray(this.start, this.start + take));
        this.start += take;
        this.literalLeft -= take;
        if (this.literalLeft > 0) return null;
        if (!this.discarding) {
          this.tokens.push({ kind: 'string', value: Buffer.concat(this.literalParts), literal: true });
          this.literalParts = [];
        }
        continue;
      }
      const end = this.buffer.indexOf(LF, this.start);
      if (end < 0) {
        if (this.bufferedBytes > this.limits.maxLineLength + 1) {
          this.lineTooLong = true;
          this.buffer = Buffer.alloc(0);
          this.start = 0;
        }
        return null;
      }
      const lineStart = this.start;
      this.start = end + 1;
      const stop = end > lineStart && this.buffer[end - 1] === CR ? end - 1 : end;
      if (this.lineTooLong || stop - lineStart > this.limits.maxLineLength) {
        this.lineTooLong = false;
        // The rest of an over-long line may have announced a literal: drop it too.
        const tail = this.buffer.toString('latin1', Math.max(lineStart, stop - 24), stop);
        const m = LITERAL_AT_END.exec(tail);
        if (!this.discarding) this.drop({ kind: 'tooLong' });
        if (m) {
          this.literalLeft = Number(m[1]);
          continue;
        }
        return this.finishDropped();
      }
      const segment = this.buffer.toString('utf8', lineStart, stop);
      if (this.discarding) {
        const m = LITERAL_AT_END.exec(segment);
        if (m) {
          this.literalLeft = Number(m[1]);
          continue;
        }
        return this.finishDropped();
      }
      let literal: { size: number } | null;
      try {
        let text = segment;
        if (this.literals > 0) {
          // What follows a literal: the command's end, or a space and more arguments.
          if (text !== '' && !text.startsWith(' ')) throw new Syntax('Missing space after literal');
          text = text.slice(1);
          if (segment !== '' && text === '') throw new Syntax('Trailing space');
        }
        literal = tokenize(text, this.tokens);
      } catch (err) {
        if (!(err instanceof Syntax)) throw err;
        this.drop({ kind: 'syntax', message: err.message });
        const m = LITERAL_AT_END.exec(segment);
        if (m) {
          this.literalLeft = Number(m[1]);
          continue;
        }
        return this.finishDropped();
      }
      if (literal === null) {
        const event: CommandEvent = { kind: 'command', tokens: this.tokens };
        this.resetCommand();
        return event;
      }
      if (++this.literals > this.limits.maxLiterals) {
        this.drop({ kind: 'syntax', message: 'Too many literals' });
        this.literalLeft = literal.size;
        continue;
      }
      if (literal.size > this.limits.maxLiteral) {
        // Said now, before the octets arrive; the command's end is then dropped without a word.
        this.drop(null);
        this.literalLeft = literal.size;
        return { kind: 'literalTooBig', size: literal.size, limit: this.limits.maxLiteral };
      }
      this.literalLeft = literal.size;
      if (literal.size === 0) this.tokens.push({ kind: 'string', value: Buffer.alloc(0), literal: true });
    }
  }

  private finishDropped(): CommandEvent | null {
    const report = this.dropReason;
    this.resetCommand();
    if (report !== null) return report;
    return this.next();
  }

  /** Whether a literal is being dropped or a command is half read (the session is waiting for input). */
  get midCommand(): boolean {
    return this.literalLeft > 0 || this.tokens.length > 0 || this.discarding;
  }
}
