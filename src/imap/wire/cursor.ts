/**
 * A cursor over a command's arguments (text between literals, and the literals) with the
 * RFC 3501 grammar's terminals: SP, atoms, quoted strings, literals, astrings, numbers.
 * Command parsers are written on top of it; a syntax error throws ParseError.
 */
import type { CommandPart } from './reader.js';

/** A syntax error; the session answers `<tag> BAD <message>`. */
export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseError';
  }
}

/** Largest value of `number` (RFC 3501: unsigned 32-bit). */
const MAX_NUMBER = 0xffffffff;

/** ATOM-CHAR: any CHAR except atom-specials ( ) { SP CTL % * " \ ] */
export function isAtomChar(code: number): boolean {
  if (code <= 0x20 || code >= 0x7f) return false;
  switch (code) {
    case 0x28: case 0x29: case 0x7b: case 0x25: case 0x2a: case 0x22: case 0x5c: case 0x5d:
      return false;
    default:
      return true;
  }
}

type Piece = { text: string; bytes: Buffer } | { literal: Buffer; binary: boolean };

/** Bytes of a string argument as text: UTF-8 unless a SEARCH names another charset (recoded). */
export type TextDecode = (bytes: Buffer) => string;
export const decodeUtf8: TextDecode = (bytes) => bytes.toString('utf8');

export class ArgumentCursor {
  private readonly pieces: Piece[];
  private index = 0;
  private pos = 0;
  private decode: TextDecode = decodeUtf8;

  constructor(parts: CommandPart[]) {
    this.pieces = parts.map((part) =>
      part.kind === 'text' ? { text: part.bytes.toString('utf8'), bytes: part.bytes } : { literal: part.bytes, binary: part.binary },
    );
    this.settle();
  }

  /**
   * The rest of the arguments read in another charset (SEARCH CHARSET, RFC 3501 6.4.4): the text
   * after the cursor decoded again from its bytes by `decode`, and every literal string from here
   * on. The text is decoded before it is parsed, so a multibyte character whose bytes look like a
   * quote or a backslash (Shift_JIS, ISO-2022-JP) stays one character of the string. What the
   * cursor read so far must be ASCII (the command name, RETURN options, the charset's name).
   */
  recoded(decode: TextDecode): ArgumentCursor {
    const pieces = this.pieces.slice(this.index).map((piece, k): Piece => {
      if (!('text' in piece)) return piece;
      let bytes = piece.bytes;
      if (k === 0 && this.pos > 0) {
        const before = piece.text.slice(0, this.pos);
        // eslint-disable-next-line no-control-regex
        if (!/^[\x00-\x7f]*$/.test(before)) this.fail('Arguments before the charset must be ASCII');
        bytes = bytes.subarray(this.pos);
      }
      return { text: decode(bytes), bytes };
    });
    const copy = Object.create(ArgumentCursor.prototype) as ArgumentCursor;
    Object.assign(copy, { pieces, index: 0, pos: 0, decode });
    copy.settle();
    return copy;
  }

  /** Build a cursor over plain text (tests, and sub-parsers). */
  static fromText(text: string): ArgumentCursor {
    return new ArgumentCursor([{ kind: 'text', bytes: Buffer.from(text, 'utf8') }]);
  }

  /** An independent cursor at the same position (for look-ahead). */
  clone(): ArgumentCursor {
    const copy = Object.create(ArgumentCursor.prototype) as ArgumentCursor;
    Object.assign(copy, { pieces: this.pieces, index: this.index, pos: this.pos, decode: this.decode });
    return copy;
  }

  fail(message: string): never {
    throw new ParseError(message);
  }

  /** True when every argument has been read. */
  atEnd(): boolean {
    return this.index >= this.pieces.length;
  }

  /** The next character of argument text, '' at a literal or at the end. */
  peek(): string {
    const piece = this.pieces[this.index];
    return piece && 'text' in piece ? piece.text[this.pos]! : '';
  }

  /** True when the cursor stands on a literal. */
  atLiteral(): boolean {
    const piece = this.pieces[this.index];
    return piece !== undefined && 'literal' in piece;
  }

  /** The end of the arguments; anything left is an error. */
  end(): void {
    if (!this.atEnd()) this.fail('Unexpected extra arguments');
  }

  sp(): void {
    if (this.peek() !== ' ') this.fail(this.atEnd() ? 'Missing argument' : 'Expected space');
    this.advance(1);
  }

  /** Consume a space when one is next. */
  maybeSp(): boolean {
    if (this.peek() !== ' ') return false;
    this.advance(1);
    return true;
  }

  /** Consume `c` when it is next. */
  maybe(c: string): boolean {
    if (this.peek() !== c) return false;
    this.advance(1);
    return true;
  }

  expect(c: string): void {
    if (this.peek() !== c) this.fail(`Expected "${c}"`);
    this.advance(1);
  }

  /** Characters while `accept` holds (within one text piece). */
  takeWhile(accept: (code: number) => boolean): string {
    const piece = this.pieces[this.index];
    if (!piece || !('text' in piece)) return '';
    const text = piece.text;
    const start = this.pos;
    let i = start;
    while (i < text.length && accept(text.charCodeAt(i))) i++;
    this.advance(i - start);
    return text.slice(start, i);
  }

  atom(what = 'atom'): string {
    const value = this.takeWhile(isAtomChar);
    if (value === '') this.fail(`Expected ${what}`);
    return value;
  }

  /** An atom compared case-insensitively against the keywords; upper-cased. */
  keyword(what: string): string {
    return this.atom(what).toUpperCase();
  }

  /** astring = 1*ASTRING-CHAR / string (ASTRING-CHAR adds "]" to ATOM-CHAR). */
  astring(what = 'string'): string {
    const c = this.peek();
    if (c === '"' || this.atLiteral()) return this.string(what);
    const value = this.takeWhile((code) => isAtomChar(code) || code === 0x5d);
    if (value === '') this.fail(`Expected ${what}`);
    return value;
  }

  /** string = quoted / literal. */
  string(what = 'string'): string {
    if (this.atLiteral()) {
      if (this.literalIsBinary()) this.fail('literal8 is only allowed for APPEND messages');
      return this.decode(this.literalBytes());
    }
    if (this.peek() === '"') return this.quoted();
    this.fail(`Expected ${what}`);
  }

  /** nstring = string / NIL. */
  nstring(what = 'string'): string | null {
    if (this.peek() === '"' || this.atLiteral()) return this.string(what);
    const word = this.atom(what);
    if (word.toUpperCase() !== 'NIL') this.fail(`Expected ${what} or NIL`);
    return null;
  }

  quoted(): string {
    const piece = this.pieces[this.index];
    if (!piece || !('text' in piece) || piece.text[this.pos] !== '"') this.fail('Expected quoted string');
    const text = piece.text;
    let i = this.pos + 1;
    let out = '';
    let runStart = i;
    for (;;) {
      if (i >= text.length) this.fail('Unterminated quoted string');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        const escaped = text.charCodeAt(i + 1);
        if (escaped !== 0x22 && escaped !== 0x5c) this.fail('Invalid escape in quoted string');
        out += text.slice(runStart, i);
        runStart = i + 1;
        i += 2;
        continue;
      }
      if (c === 0x0d || c === 0x0a || c === 0) this.fail('Invalid character in quoted string');
      i++;
    }
    out += text.slice(runStart, i);
    this.advance(i + 1 - this.pos);
    return out;
  }

  /** The literal the cursor stands on, as bytes. */
  literalBytes(): Buffer {
    const piece = this.pieces[this.index];
    if (!piece || !('literal' in piece)) this.fail('Expected literal');
    this.index++;
    this.pos = 0;
    this.settle();
    return piece.literal;
  }

  /** Whether the literal the cursor stands on is a literal8. */
  literalIsBinary(): boolean {
    const piece = this.pieces[this.index];
    return piece !== undefined && 'literal' in piece && piece.binary;
  }

  number(what = 'number', max = MAX_NUMBER): number {
    const digits = this.takeWhile((code) => code >= 0x30 && code <= 0x39);
    if (digits === '') this.fail(`Expected ${what}`);
    const value = digits.length > 20 ? Infinity : Number(digits);
    if (value > max) this.fail(`${what} out of range`);
    return value;
  }

  nzNumber(what = 'number', max = MAX_NUMBER): number {
    const value = this.number(what, max);
    if (value === 0) this.fail(`${what} must not be zero`);
    return value;
  }

  /** `( item *(SP item) )`, or `()` when allowed. */
  list<T>(item: () => T, allowEmpty = true): T[] {
    this.expect('(');
    const items: T[] = [];
    if (this.maybe(')')) {
      if (!allowEmpty) this.fail('Empty list');
      return items;
    }
    for (;;) {
      items.push(item());
      if (this.maybe(')')) return items;
      this.sp();
    }
  }

  private advance(n: number): void {
    this.pos += n;
    this.settle();
  }

  /** Step past exhausted text pieces. */
  private settle(): void {
    for (;;) {
      const piece = this.pieces[this.index];
      if (!piece || !('text' in piece) || this.pos < piece.text.length) return;
      this.index++;
      this.pos = 0;
    }
  }
}
