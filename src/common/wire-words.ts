/**
 * One reader for the line protocols whose lines are words separated by spaces and ended by CRLF
 * (a bare LF is taken too): atoms, quoted strings (with \" and \\ escapes, no CR or LF) and
 * literals `{N}` / `{N+}` followed by CRLF and N octets. ManageSieve commands (RFC 5804 section 4)
 * and mupdate commands and answers (RFC 3656 section 3) both read through it; what differs
 * between them is a `WireDialect` (MANAGESIEVE_WORDS, MUPDATE_WORDS).
 *
 * Nothing is held without bound: a line over `maxLineLength` is dropped as it comes and reported
 * once its end arrives; a literal over `maxLiteral` is reported as soon as its header is read (so
 * the peer can be answered before it has sent it all) and its octets are counted down and dropped,
 * with the rest of the line. No I/O: the caller pushes chunks and pulls events.
 */

export type WireWord =
  | { kind: 'atom'; text: string }
  | { kind: 'number'; value: number }
  /** A string as its octets (dialect `strings: 'bytes'`). */
  | { kind: 'string'; value: Buffer; literal: boolean }
  /** A string as UTF-8 text (dialect `strings: 'text'`). */
  | { kind: 'string'; text: string; literal: boolean };

export type WireEvent<W extends WireWord = WireWord> =
  | { kind: 'line'; words: W[] }
  /** The line broke the grammar (the whole line was consumed). */
  | { kind: 'syntax'; message: string; tag: string | null }
  /** A line longer than the limit (consumed, with its literals). */
  | { kind: 'tooLong'; tag: string | null }
  /** A literal over the limit: reported at its header; its octets and the line's rest are dropped. */
  | { kind: 'literalTooBig'; size: number; limit: number; tag: string | null }
  /** A synchronizing literal `{N}` within the limit was announced: the peer waits for a go-ahead. */
  | { kind: 'continue' };

export interface WireLimits {
  maxLineLength: number;
  /** Largest literal taken (read at each header, so the caller may change it between lines). */
  maxLiteral: number;
  /** Most literals in one line. */
  maxLiterals: number;
}

/** What two protocols sharing this grammar do differently. */
export interface WireDialect {
  /** An all-digit word comes as `{ kind: 'number' }` instead of an atom. */
  numbers: boolean;
  /** Strings come as their octets (`value`) or as UTF-8 text (`text`). */
  strings: 'bytes' | 'text';
  /** Characters besides the space that end an atom (what follows must then be a space). */
  atomEnds: string;
  /** Characters an atom may not hold. */
  atomRefuses: RegExp;
  /** A quoted string may not hold NUL. */
  refuseNul: boolean;
  /**
   * `{N}` waits for a go-ahead: a `continue` event is given, and an over-limit one is refused with
   * no octets to drop. Otherwise both literal forms are read at once (no continuation request).
   */
  goAhead: boolean;
  /** `maxLineLength` bounds the whole line (all text between its literals) or each piece alone. */
  lineLength: 'line' | 'segment';
  /** Refusals name the line's tag (its first word). */
  tags: boolean;
  /** The syntax messages where the dialects word things differently. */
  messages: { emptyWord: string; badAtom: string };
}

/** ManageSieve: numbers, strings as octets, no NUL in quoted strings, `{N}` read at once. */
export const MANAGESIEVE_WORDS: WireDialect = {
  numbers: true,
  strings: 'bytes',
  atomEnds: '"{',
  // eslint-disable-next-line no-control-regex
  atomRefuses: /[\x00-\x1f\x7f()]/,
  refuseNul: true,
  goAhead: false,
  lineLength: 'segment',
  tags: false,
  messages: { emptyWord: 'Missing argument', badAtom: 'Invalid characters in command' },
};

/** mupdate: strings as text, atoms end only at a space, `{N}` waits for "+ go ahead", tags named. */
export const MUPDATE_WORDS: WireDialect = {
  numbers: false,
  strings: 'text',
  atomEnds: '',
  // eslint-disable-next-line no-control-regex
  atomRefuses: /[\x00-\x1f\x7f"{]/,
  refuseNul: false,
  goAhead: true,
  lineLength: 'line',
  tags: true,
  messages: { emptyWord: 'Extra space', badAtom: 'Invalid characters in atom' },
};

const LF = 0x0a;
const CR = 0x0d;
const LITERAL_AT_END = /\{(\d{1,20})(\+?)\}$/;

class Syntax extends Error {}

interface LiteralHeader { size: number; sync: boolean }

/** The tag of a line, when its first word was read. */
function tagOf(words: readonly WireWord[]): string | null {
  const first = words[0];
  if (first === undefined) return null;
  if (first.kind === 'number') return String(first.value);
  return 'text' in first ? first.text : first.value.toString('utf8');
}

/** The first word of the bytes at `start` (an over-long line's tag), when it is short. */
function firstWord(buffer: Buffer, start: number): string | null {
  const m = /^[^ \r\n"{]{1,64}(?= )/.exec(buffer.toString('latin1', start, start + 66));
  return m ? m[0] : null;
}

/** The size a line's end announces, when it ends with a literal header. */
function announced(text: string): number | null {
  const m = LITERAL_AT_END.exec(text);
  return m ? Number(m[1]) : null;
}

/** Names an event in a protocol's own words; null: nothing to tell (read on). */
export type WireEventNamer<W extends WireWord, E> = (event: WireEvent<W>) => E | null;

/**
 * Reads lines of words as `dialect` says. `W` is the word type the dialect makes (atoms and
 * strings of its kind, numbers when it has them); the caller states it. `E` is the event type
 * `next` gives: the reader's own, or what `name` turns them into.
 */
export class WireWordReader<W extends WireWord = WireWord, E = WireEvent<W>> {
  private buffer: Buffer = Buffer.alloc(0);
  private start = 0;
  private words: WireWord[] = [];
  private literals = 0;
  /** Octets of a literal still to read (collecting) or to drop (discarding). */
  private literalLeft = 0;
  private literalParts: Buffer[] = [];
  /** The current line is being dropped; `dropReason` is reported at its end (null: reported already). */
  private discarding = false;
  private dropReason: WireEvent<W> | null = null;
  /** Inside an over-long line: its bytes are dropped until its end. */
  private lineTooLong = false;
  /** Text of the line so far (between its literals), when the whole line is bounded. */
  private lineBytes = 0;
  /** The tag of an over-long line, read before its bytes were dropped. */
  private longTag: string | null = null;
  /** An atom's run: every character but the space and the dialect's `atomEnds`. */
  private readonly atomRun: RegExp;

  constructor(
    readonly limits: WireLimits,
    readonly dialect: WireDialect,
    private readonly name: WireEventNamer<W, E> = (event) => event as E,
  ) {
    const ends = dialect.atomEnds.replace(/[\]\\^-]/g, '\\$&');
    this.atomRun = new RegExp(`[^ ${ends}]*`, 'y');
  }

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

  /** Drop the rest of the current line; `report` is returned at its end (null: nothing more to say). */
  private drop(report: WireEvent<W> | null): void {
    this.discarding = true;
    this.dropReason = report;
    this.words = [];
    this.literalParts = [];
  }

  private tag(words: readonly WireWord[]): string | null {
    return this.dialect.tags ? tagOf(words) : null;
  }

  private stringWord(text: string | null, bytes: Buffer | null, literal: boolean): WireWord {
    if (this.dialect.strings === 'text') return { kind: 'string', text: text ?? bytes!.toString('utf8'), literal };
    return { kind: 'string', value: bytes ?? Buffer.from(text!, 'utf8'), literal };
  }

  /** Whether more input is buffered (a session flushes its answers when none is). */
  hasInput(): boolean {
    return this.bufferedBytes > 0;
  }

  /** The next event, or null when more bytes are needed. */
  next(): E | null {
    for (;;) {
      const event = this.read();
      if (event === null) return null;
      const named = this.name(event);
      if (named !== null) return named;
    }
  }

  private read(): WireEvent<W> | null {
    for (;;) {
      if (this.literalLeft > 0) {
        const take = Math.min(this.literalLeft, this.bufferedBytes);
        if (take === 0) return null;
        if (!this.discarding) this.literalParts.push(this.buffer.subarray(this.start, this.start + take));
        this.start += take;
        this.literalLeft -= take;
        if (this.literalLeft > 0) return null;
        if (!this.discarding) {
          this.words.push(this.stringWord(null, Buffer.concat(this.literalParts), true));
          this.literalParts = [];
        }
        continue;
      }
      const end = this.buffer.indexOf(LF, this.start);
      if (end < 0) {
        if (this.bufferedBytes > this.limits.maxLineLength + 1) {
          if (this.dialect.tags && !this.lineTooLong && !this.discarding) {
            this.longTag = this.words.length > 0 ? tagOf(this.words) : firstWord(this.buffer, this.start);
          }
          this.lineTooLong = true;
          this.buffer = Buffer.alloc(0);
          this.start = 0;
        }
        return null;
      }
      const lineStart = this.start;
      this.start = end + 1;
      const stop = end > lineStart && this.buffer[end - 1] === CR ? end - 1 : end;
      const length = this.dialect.lineLength === 'line' ? (this.lineBytes += stop - lineStart) : stop - lineStart;
      if (this.lineTooLong || length > this.limits.maxLineLength) {
        this.lineTooLong = false;
        if (!this.discarding) {
          const tag = !this.dialect.tags ? null : this.longTag ?? (this.words.length > 0 ? tagOf(this.words) : firstWord(this.buffer, lineStart));
          this.drop({ kind: 'tooLong', tag });
        }
        this.longTag = null;
        // The rest of an over-long line may have announced a literal: drop it too.
        const size = announced(this.buffer.toString('latin1', Math.max(lineStart, stop - 24), stop));
        if (size !== null) {
          this.literalLeft = size;
          continue;
        }
        return this.finishDropped();
      }
      const segment = this.buffer.toString('utf8', lineStart, stop);
      if (this.discarding) {
        const size = announced(segment);
        if (size !== null) {
          this.literalLeft = size;
          continue;
        }
        return this.finishDropped();
      }
      let literal: LiteralHeader | null;
      try {
        let text = segment;
        if (this.literals > 0) {
          // What follows a literal: the line's end, or a space and more words.
          if (text !== '' && !text.startsWith(' ')) throw new Syntax('Missing space after literal');
          text = text.slice(1);
          if (segment !== '' && text === '') throw new Syntax('Trailing space');
        }
        literal = this.tokenize(text);
      } catch (err) {
        if (!(err instanceof Syntax)) throw err;
        const tag = this.dialect.tags ? tagOf(this.words) ?? /^\S*/.exec(segment)![0] : null;
        this.drop({ kind: 'syntax', message: err.message, tag });
        const size = announced(segment);
        if (size !== null) {
          this.literalLeft = size;
          continue;
        }
        return this.finishDropped();
      }
      if (literal === null) {
        const event: WireEvent<W> = { kind: 'line', words: this.words as W[] };
        this.resetLine();
        return event;
      }
      if (++this.literals > this.limits.maxLiterals) {
        this.drop({ kind: 'syntax', message: 'Too many literals', tag: this.tag(this.words) });
        this.literalLeft = literal.size;
        continue;
      }
      const waits = this.dialect.goAhead && literal.sync;
      if (literal.size > this.limits.maxLiteral) {
        // Said now, before the octets arrive; the line's end is then dropped without a word.
        const event: WireEvent<W> = { kind: 'literalTooBig', size: literal.size, limit: this.limits.maxLiteral, tag: this.tag(this.words) };
        this.drop(null);
        // A synchronizing literal's octets never come: the peer waits for a go-ahead it won't get.
        if (waits) this.resetLine();
        else this.literalLeft = literal.size;
        return event;
      }
      this.literalLeft = literal.size;
      if (literal.size === 0) this.words.push(this.stringWord('', null, true));
      if (waits) return { kind: 'continue' };
    }
  }

  private finishDropped(): WireEvent<W> | null {
    const report = this.dropReason;
    this.resetLine();
    if (report !== null) return report;
    return this.read();
  }

  /** The words of one line segment (the text between literals) onto `words`, and the literal it ends with. */
  private tokenize(segment: string): LiteralHeader | null {
    const { dialect, words } = this;
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
          if (d === '\0' && dialect.refuseNul) throw new Syntax('NUL in quoted string');
          value += d;
          i++;
        }
        i++;
        words.push(this.stringWord(value, null, false));
      } else if (c === '{') {
        const m = LITERAL_AT_END.exec(segment.slice(i));
        if (!m || i + m[0].length !== n) throw new Syntax('Invalid literal');
        const size = Number(m[1]);
        if (!Number.isSafeInteger(size)) throw new Syntax('Invalid literal size');
        return { size, sync: m[2] !== '+' };
      } else {
        this.atomRun.lastIndex = i;
        const text = this.atomRun.exec(segment)![0];
        if (text === '') throw new Syntax(dialect.messages.emptyWord);
        if (dialect.atomRefuses.test(text)) throw new Syntax(dialect.messages.badAtom);
        words.push(dialect.numbers && /^\d+$/.test(text) ? { kind: 'number', value: Number(text) } : { kind: 'atom', text });
        i += text.length;
      }
      if (i >= n) return null;
      if (segment[i] !== ' ') throw new Syntax('Missing space between arguments');
      i++;
      if (i >= n) throw new Syntax('Trailing space');
    }
  }
}
