/**
 * Splits mupdate traffic (RFC 3656 section 3) into lines of words: atoms, quoted strings (with \"
 * and \\ escapes) and literals `{N}` / `{N+}` followed by CRLF and N octets, separated by spaces
 * and ended by CRLF (a bare LF is taken too). Commands (`tag COMMAND args`) and the server's
 * answers (`tag MAILBOX name location acl`, `* OK ...`) share this grammar, so the server and the
 * client read with the same reader.
 *
 * Nothing is held without bound: a line over `maxLineLength` is dropped and reported at its end;
 * a literal over `maxLiteral` is reported at its header and its octets dropped with the rest of
 * the line. A synchronizing literal `{N}` is reported (`continue`) so a server can send its
 * "+ go ahead" before the octets come. No I/O: the caller pushes chunks and pulls events.
 */

export type Word =
  | { kind: 'atom'; text: string }
  | { kind: 'string'; text: string; literal: boolean };

export type LineEvent =
  | { kind: 'line'; words: Word[] }
  /** The line broke the grammar (the whole line was consumed); `tag` when one was read. */
  | { kind: 'syntax'; message: string; tag: string | null }
  /** A line longer than the limit (consumed, with its literals). */
  | { kind: 'tooLong'; tag: string | null }
  /** A literal over the limit: reported at its header; its octets and the line's rest are dropped. */
  | { kind: 'literalTooBig'; size: number; tag: string | null }
  /** A synchronizing literal `{N}` within the limit was announced: the peer waits for a go-ahead. */
  | { kind: 'continue' };

export interface ReaderLimits {
  maxLineLength: number;
  maxLiteral: number;
  /** Most literals in one line. */
  maxLiterals: number;
}

const LF = 0x0a;
const CR = 0x0d;
const LITERAL_AT_END = /\{(\d{1,20})(\+?)\}$/;

class Syntax extends Error {}

/** The words of one line segment (text between literals), and the literal header it ends with. */
function tokenize(segment: string, words: Word[]): { size: number; sync: boolean } | null {
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
        value += d;
        i++;
      }
      i++;
      words.push({ kind: 'string', text: value, literal: false });
    } else if (c === '{') {
      const m = LITERAL_AT_END.exec(segment.slice(i));
      if (!m || i + m[0].length !== n) throw new Syntax('Invalid literal');
      const size = Number(m[1]);
      if (!Number.isSafeInteger(size)) throw new Syntax('Invalid literal size');
      return { size, sync: m[2] !== '+' };
    } else {
      let j = i;
      while (j < n && segment[j] !== ' ') j++;
      const text = segment.slice(i, j);
      if (text === '') throw new Syntax('Extra space');
      // eslint-disable-next-line no-control-regex
      if (/[\x00-\x1f\x7f"{]/.test(text)) throw new Syntax('Invalid characters in atom');
      words.push({ kind: 'atom', text });
      i = j;
    }
    if (i >= n) return null;
    if (segment[i] !== ' ') throw new Syntax('Missing space between arguments');
    i++;
    if (i >= n) throw new Syntax('Trailing space');
  }
}

/** The tag of a line, when its first word was read. */
function tagOf(words: Word[]): string | null {
  const first = words[0];
  return first === undefined ? null : first.text;
}

/** The first word of the bytes at `start` (an over-long line's tag), when it is short. */
function firstWord(buffer: Buffer, start: number): string | null {
  const m = /^[^ \r\n"{]{1,64}(?= )/.exec(buffer.toString('latin1', start, start + 66));
  return m ? m[0] : null;
}

export class LineReader {
  private buffer: Buffer = Buffer.alloc(0);
  private start = 0;
  private words: Word[] = [];
  private literals = 0;
  /** Octets of a literal still to read (or to drop while discarding). */
  private literalLeft = 0;
  private literalParts: Buffer[] = [];
  private discarding = false;
  private dropReason: LineEvent | null = null;
  private lineTooLong = false;
  private lineBytes = 0;
  /** The tag of an over-long line, read before its bytes were dropped. */
  private longTag: string | null = null;

  constructor(readonly limits: ReaderLimits) {}

  get bufferedBytes(): number {
    return this.buffer.length - this.start;
  }

  push(chunk: Buffer): void {
    if (this.start >= this.buffer.length) this.buffer = chunk;
    else this.buffer = Buffer.concat([this.buffer.subarray(this.start), chunk]);
    this.start = 0;
  }

  /** Drop everything buffered (after STARTTLS nothing sent in plaintext survives). */
  clear(): void {
    this.buffer = Buffer.alloc(0);
    this.start = 0;
    this.resetLine();
    this.lineTooLong = false;
    this.longTag = null;
  }

  private resetLine(): void {
    this.words = [];
    this.literals = 0;
    this.literalLeft = 0;
    this.literalParts = [];
    this.discarding = false;
    this.dropReason = null;
    this.lineBytes = 0;
  }

  private drop(report: LineEvent | null): void {
    this.discarding = true;
    this.dropReason = report;
    this.literalParts = [];
  }

  /** The next event, or null when more bytes are needed. */
  next(): LineEvent | null {
    for (;;) {
      if (this.literalLeft > 0) {
        const take = Math.min(this.literalLeft, this.bufferedBytes);
        if (take === 0) return null;
        if (!this.discarding) this.literalParts.push(this.buffer.subarray(this.start, this.start + take));
        this.start += take;
        this.literalLeft -= take;
        if (this.literalLeft > 0) return null;
        if (!this.discarding) {
          this.words.push({ kind: 'string', text: Buffer.concat(this.literalParts).toString('utf8'), literal: true });
          this.literalParts = [];
        }
        continue;
      }
      const end = this.buffer.indexOf(LF, this.start);
      if (end < 0) {
        if (this.bufferedBytes > this.limits.maxLineLength + 1) {
          if (!this.lineTooLong && !this.discarding) this.longTag = this.words.length > 0 ? tagOf(this.words) : firstWord(this.buffer, this.start);
          this.lineTooLong = true;
          this.buffer = Buffer.alloc(0);
          this.start = 0;
        }
        return null;
      }
      const lineStart = this.start;
      this.start = end + 1;
      const stop = end > lineStart && this.buffer[end - 1] === CR ? end - 1 : end;
      this.lineBytes += stop - lineStart;
      if (this.lineTooLong || this.lineBytes > this.limits.maxLineLength) {
        this.lineTooLong = false;
        const tail = this.buffer.toString('latin1', Math.max(lineStart, stop - 24), stop);
        const m = LITERAL_AT_END.exec(tail);
        const tag = this.longTag ?? (this.words.length > 0 ? tagOf(this.words) : firstWord(this.buffer, lineStart));
        this.longTag = null;
        if (!this.discarding) this.drop({ kind: 'tooLong', tag });
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
      let literal: { size: number; sync: boolean } | null;
      try {
        let text = segment;
        if (this.literals > 0) {
          // After a literal: the line's end, or a space and more words.
          if (text !== '' && !text.startsWith(' ')) throw new Syntax('Missing space after literal');
          text = text.slice(1);
          if (segment !== '' && text === '') throw new Syntax('Trailing space');
        }
        literal = tokenize(text, this.words);
      } catch (err) {
        if (!(err instanceof Syntax)) throw err;
        this.drop({ kind: 'syntax', message: err.message, tag: tagOf(this.words) ?? /^\S*/.exec(segment)![0] });
        const m = LITERAL_AT_END.exec(segment);
        if (m) {
          this.literalLeft = Number(m[1]);
          continue;
        }
        return this.finishDropped();
      }
      if (literal === null) {
        const event: LineEvent = { kind: 'line', words: this.words };
        this.resetLine();
        return event;
      }
      if (++this.literals > this.limits.maxLiterals) {
        this.drop({ kind: 'syntax', message: 'Too many literals', tag: tagOf(this.words) });
        this.literalLeft = literal.size;
        continue;
      }
      if (literal.size > this.limits.maxLiteral) {
        const tag = tagOf(this.words);
        this.drop(null);
        // A synchronizing literal's octets never come: the peer waits for a go-ahead it won't get.
        if (!literal.sync) this.literalLeft = literal.size;
        else return this.reportAndEnd({ kind: 'literalTooBig', size: literal.size, tag });
        return { kind: 'literalTooBig', size: literal.size, tag };
      }
      this.literalLeft = literal.size;
      if (literal.size === 0) this.words.push({ kind: 'string', text: '', literal: true });
      if (literal.sync) return { kind: 'continue' };
    }
  }

  private reportAndEnd(event: LineEvent): LineEvent {
    this.resetLine();
    return event;
  }

  private finishDropped(): LineEvent | null {
    const report = this.dropReason;
    this.resetLine();
    if (report !== null) return report;
    return this.next();
  }

  /** Whether a line is half read (a literal is being read or dropped). */
  get midLine(): boolean {
    return this.literalLeft > 0 || this.words.length > 0 || this.discarding;
  }
}
