// The shared reader of word-and-literal lines as a table over both dialects (ManageSieve and
// mupdate): the same events whether the bytes come in one chunk or one byte at a time, and each
// dialect's own rules where they differ (numbers, string form, NUL, atom characters, `{N}`,
// tags, how the line length is counted).
import { describe, expect, it } from 'vitest';
import { MANAGESIEVE_WORDS, MUPDATE_WORDS, WireWordReader, type WireDialect, type WireEvent, type WireWord } from '../../src/common/index.js';

const LIMITS = { maxLineLength: 24, maxLiteral: 8, maxLiterals: 2 };

/** A word as text: `A:` atom, `N:` number, `Q`/`L` quoted or literal string with `b` octets or `t` text. */
function word(w: WireWord): string {
  if (w.kind === 'atom') return `A:${w.text}`;
  if (w.kind === 'number') return `N:${w.value}`;
  const how = w.literal ? 'L' : 'Q';
  return 'text' in w ? `${how}t:${w.text}` : `${how}b:${w.value.toString('latin1')}`;
}

function show(event: WireEvent): unknown {
  return event.kind === 'line' ? event.words.map(word) : event;
}

function read(dialect: WireDialect, input: Buffer, chunk: number): unknown[] {
  const reader = new WireWordReader({ ...LIMITS }, dialect);
  const events: unknown[] = [];
  for (let i = 0; i < input.length; i += chunk) {
    reader.push(input.subarray(i, i + chunk));
    for (let e = reader.next(); e !== null; e = reader.next()) events.push(show(e));
  }
  return events;
}

const bytes = (...parts: Array<string | number[]>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

// The same line over both limits: each piece between literals is short, the whole line is not.
const LONG_IN_ALL = 'X "aaaaaaaaaa" {1+}\r\nb "cccccccccc"\r\n';

const SIEVE: Array<[string, Buffer, unknown[]]> = [
  ['numbers, quoted and literal strings as octets', bytes('PUT "s" 12 {3+}\r\nabc\r\n'), [['A:PUT', 'Qb:s', 'N:12', 'Lb:abc']]],
  ['8-bit octets in a literal kept as they are', bytes('X {1+}\r\n', [0xff], '\r\n'), [['A:X', 'Lb:\xff']]],
  ['{N} is read at once, no continue', bytes('X {3}\r\nabc\r\n'), [['A:X', 'Lb:abc']]],
  ['NUL refused in a quoted string', bytes('X "a\0b"\r\nNOOP\r\n'), [{ kind: 'syntax', message: 'NUL in quoted string', tag: null }, ['A:NOOP']]],
  ['parentheses refused in an atom', bytes('X (a)\r\n'), [{ kind: 'syntax', message: 'Invalid characters in command', tag: null }]],
  ['an atom ends at a quote', bytes('X a"b"\r\n'), [{ kind: 'syntax', message: 'Missing space between arguments', tag: null }]],
  ['a double space', bytes('X  Y\r\n'), [{ kind: 'syntax', message: 'Missing argument', tag: null }]],
  ['the limit bounds each piece between literals', bytes(LONG_IN_ALL), [['A:X', 'Qb:aaaaaaaaaa', 'Lb:b', 'Qb:cccccccccc']]],
  ['an over-limit {N}: its octets come and are dropped', bytes(`X {20}\r\n${'z'.repeat(20)}\r\nNOOP\r\n`), [{ kind: 'literalTooBig', size: 20, limit: 8, tag: null }, ['A:NOOP']]],
  ['an over-long line, untagged', bytes(`X "${'y'.repeat(30)}"\r\nNOOP\r\n`), [{ kind: 'tooLong', tag: null }, ['A:NOOP']]],
  ['too many literals, untagged', bytes('X {1+}\r\na {1+}\r\nb {1+}\r\nc\r\nNOOP\r\n'), [{ kind: 'syntax', message: 'Too many literals', tag: null }, ['A:NOOP']]],
];

const MUPDATE: Array<[string, Buffer, unknown[]]> = [
  ['all-digit words are atoms, strings are text', bytes('A FIND "s" 12 {3+}\r\nabc\r\n'), [['A:A', 'A:FIND', 'Qt:s', 'A:12', 'Lt:abc']]],
  ['UTF-8 in a literal read as text', bytes('A X {2+}\r\né\r\n'), [['A:A', 'A:X', 'Lt:é']]],
  ['{N} asks for a go-ahead', bytes('A X {3}\r\nabc\r\n'), [{ kind: 'continue' }, ['A:A', 'A:X', 'Lt:abc']]],
  ['NUL taken in a quoted string', bytes('A X "a\0b"\r\n'), [['A:A', 'A:X', 'Qt:a\0b']]],
  ['parentheses taken in an atom', bytes('A X (a)\r\n'), [['A:A', 'A:X', 'A:(a)']]],
  ['a quote inside an atom refused, with the tag', bytes('A X a"b"\r\n'), [{ kind: 'syntax', message: 'Invalid characters in atom', tag: 'A' }]],
  ['a double space', bytes('A  X\r\n'), [{ kind: 'syntax', message: 'Extra space', tag: 'A' }]],
  ['the limit bounds the whole line', bytes(LONG_IN_ALL), [{ kind: 'tooLong', tag: 'X' }]],
  ['an over-limit {N}: no octets come', bytes('A X {20}\r\nB NOOP\r\n'), [{ kind: 'literalTooBig', size: 20, limit: 8, tag: 'A' }, ['A:B', 'A:NOOP']]],
  ['an over-limit {N+}: its octets are dropped', bytes(`A X {20+}\r\n${'z'.repeat(20)}\r\nB NOOP\r\n`), [{ kind: 'literalTooBig', size: 20, limit: 8, tag: 'A' }, ['A:B', 'A:NOOP']]],
  ['an over-long line keeps its tag', bytes(`A X "${'y'.repeat(30)}"\r\nB NOOP\r\n`), [{ kind: 'tooLong', tag: 'A' }, ['A:B', 'A:NOOP']]],
  ['too many literals, tagged', bytes('A {1+}\r\na {1+}\r\nb {1+}\r\nc\r\nB NOOP\r\n'), [{ kind: 'syntax', message: 'Too many literals', tag: 'A' }, ['A:B', 'A:NOOP']]],
  ['an unterminated quote', bytes('A X "y\r\nB NOOP\r\n'), [{ kind: 'syntax', message: 'Unterminated quoted string', tag: 'A' }, ['A:B', 'A:NOOP']]],
];

describe('WireWordReader', () => {
  for (const [dialectName, dialect, cases] of [['ManageSieve', MANAGESIEVE_WORDS, SIEVE], ['mupdate', MUPDATE_WORDS, MUPDATE]] as const) {
    for (const [what, input, expected] of cases) {
      it(`${dialectName}: ${what} (whole)`, () => expect(read(dialect, input, input.length)).toEqual(expected));
      it(`${dialectName}: ${what} (byte at a time)`, () => expect(read(dialect, input, 1)).toEqual(expected));
    }
  }

  it('reads maxLiteral at each literal header, so a caller may raise it between lines', () => {
    const limits = { ...LIMITS };
    const reader = new WireWordReader(limits, MANAGESIEVE_WORDS);
    reader.push(bytes(`X {10+}\r\n${'q'.repeat(10)}\r\n`));
    expect(reader.next()).toEqual({ kind: 'literalTooBig', size: 10, limit: 8, tag: null });
    expect(reader.next()).toBeNull();
    limits.maxLiteral = 10;
    reader.push(bytes(`X {10+}\r\n${'q'.repeat(10)}\r\n`));
    expect(show(reader.next()!)).toEqual(['A:X', `Lb:${'q'.repeat(10)}`]);
  });

  it('gives events as the namer names them, reading on past those it names null', () => {
    const reader = new WireWordReader({ ...LIMITS }, MUPDATE_WORDS, (e) => (e.kind === 'continue' ? null : e.kind));
    reader.push(bytes('A X {3}\r\nabc\r\nA  X\r\n'));
    expect([reader.next(), reader.next(), reader.next()]).toEqual(['line', 'syntax', null]);
  });

  it('holds none of an endless line', () => {
    const reader = new WireWordReader({ ...LIMITS }, MUPDATE_WORDS);
    reader.push(bytes('T '));
    for (let i = 0; i < 100; i++) {
      reader.push(Buffer.alloc(100, 'z'));
      expect(reader.next()).toBeNull();
      expect(reader.bufferedBytes).toBeLessThan(200);
    }
    reader.push(bytes('\r\n'));
    expect(reader.next()).toEqual({ kind: 'tooLong', tag: 'T' });
  });
});
