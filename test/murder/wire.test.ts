// Table tests of the mupdate wire: the line reader (whole and byte at a time), the writer and the
// data lines read back into records.
import { describe, expect, it } from 'vitest';
import { LineReader, type LineEvent } from '../../src/murder/wire/reader.js';
import { parseEventWords } from '../../src/murder/wire/records.js';
import { commandLine, eventLine, literal, quoted, statusLine } from '../../src/murder/wire/writer.js';

const LIMITS = { maxLineLength: 64, maxLiteral: 32, maxLiterals: 4 };

function readAll(input: string | Buffer, bytewise: boolean): LineEvent[] {
  const reader = new LineReader({ ...LIMITS });
  const data = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const events: LineEvent[] = [];
  const chunks = bytewise ? [...data].map((b) => Buffer.from([b])) : [data];
  for (const chunk of chunks) {
    reader.push(chunk);
    for (let e = reader.next(); e !== null; e = reader.next()) events.push(e);
  }
  return events;
}

const atom = (text: string) => ({ kind: 'atom', text });
const str = (text: string, lit = false) => ({ kind: 'string', text, literal: lit });

const CASES: Array<[string, string, LineEvent[]]> = [
  ['tag and command', 'A NOOP\r\n', [{ kind: 'line', words: [atom('A'), atom('NOOP')] } as LineEvent]],
  ['bare LF', 'A NOOP\n', [{ kind: 'line', words: [atom('A'), atom('NOOP')] } as LineEvent]],
  ['quoted with escapes', 'A FIND "a \\"b\\" \\\\c"\r\n', [{ kind: 'line', words: [atom('A'), atom('FIND'), str('a "b" \\c')] } as LineEvent]],
  ['non-synchronizing literal', 'A FIND {3+}\r\nabc\r\n', [{ kind: 'line', words: [atom('A'), atom('FIND'), str('abc', true)] } as LineEvent]],
  ['synchronizing literal asks to continue', 'A FIND {3}\r\nabc\r\n', [{ kind: 'continue' }, { kind: 'line', words: [atom('A'), atom('FIND'), str('abc', true)] } as LineEvent]],
  ['literal holding CRLF and tabs', 'T MAILBOX {3+}\r\na\r\n {2+}\r\nb\t\r\n', [{ kind: 'line', words: [atom('T'), atom('MAILBOX'), str('a\r\n', true), str('b\t', true)] } as LineEvent]],
  ['empty literal then more', 'A X {0+}\r\n "q"\r\n', [{ kind: 'line', words: [atom('A'), atom('X'), str('', true), str('q')] } as LineEvent]],
  ['two lines', 'A NOOP\r\nB NOOP\r\n', [{ kind: 'line', words: [atom('A'), atom('NOOP')] }, { kind: 'line', words: [atom('B'), atom('NOOP')] }] as LineEvent[]],
  ['unterminated quote', 'A FIND "x\r\nB NOOP\r\n', [{ kind: 'syntax', message: 'Unterminated quoted string', tag: 'A' }, { kind: 'line', words: [atom('B'), atom('NOOP')] }] as LineEvent[]],
  ['double space', 'A  NOOP\r\n', [{ kind: 'syntax', message: 'Extra space', tag: 'A' }]],
  ['trailing space', 'A NOOP \r\n', [{ kind: 'syntax', message: 'Trailing space', tag: 'A' }]],
  ['no space after literal', 'A X {1+}\r\nab\r\n', [{ kind: 'syntax', message: 'Missing space after literal', tag: 'A' }]],
  ['line too long, then the next', `A FIND "${'x'.repeat(80)}"\r\nB NOOP\r\n`, [{ kind: 'tooLong', tag: 'A' }, { kind: 'line', words: [atom('B'), atom('NOOP')] }] as LineEvent[]],
  ['literal too big: octets dropped', `A FIND {40+}\r\n${'y'.repeat(40)}\r\nB NOOP\r\n`, [{ kind: 'literalTooBig', size: 40, tag: 'A' }, { kind: 'line', words: [atom('B'), atom('NOOP')] }] as LineEvent[]],
  ['synchronizing literal too big: nothing to drop', 'A FIND {40}\r\nB NOOP\r\n', [{ kind: 'literalTooBig', size: 40, tag: 'A' }, { kind: 'line', words: [atom('B'), atom('NOOP')] }] as LineEvent[]],
  ['too many literals', 'A X {1+}\r\na {1+}\r\nb {1+}\r\nc {1+}\r\nd {1+}\r\ne\r\nB NOOP\r\n', [{ kind: 'syntax', message: 'Too many literals', tag: 'A' }, { kind: 'line', words: [atom('B'), atom('NOOP')] }] as LineEvent[]],
  ['8-bit text in a literal', 'A FIND {7+}\r\nuser.é \r\n'.replace('{7+}', `{${Buffer.byteLength('user.é ')}+}`), [{ kind: 'line', words: [atom('A'), atom('FIND'), str('user.é ', true)] } as LineEvent]],
];

describe('LineReader', () => {
  for (const [name, input, expected] of CASES) {
    it(`${name} (whole)`, () => expect(readAll(input, false)).toEqual(expected));
    it(`${name} (byte at a time)`, () => expect(readAll(input, true)).toEqual(expected));
  }

  it('never holds an endless line', () => {
    const reader = new LineReader({ ...LIMITS });
    for (let i = 0; i < 100; i++) {
      reader.push(Buffer.from('z'.repeat(50)));
      expect(reader.next()).toBeNull();
      expect(reader.bufferedBytes).toBeLessThan(200);
    }
    reader.push(Buffer.from('\r\n'));
    expect(reader.next()).toEqual({ kind: 'tooLong', tag: null });
  });
});

describe('writer', () => {
  it('writes strings as {N+} literals counted in bytes', () => {
    expect(literal('user.foo')).toBe('{8+}\r\nuser.foo');
    expect(literal('é')).toBe('{2+}\r\né');
  });

  it('writes data lines as Cyrus does', () => {
    expect(eventLine('T', { kind: 'mailbox', name: 'user.foo', location: 'localhost!default', acl: 'foo\tlrswipkxtecda\t' }))
      .toBe('T MAILBOX {8+}\r\nuser.foo {17+}\r\nlocalhost!default {18+}\r\nfoo\tlrswipkxtecda\t\r\n');
    expect(eventLine('T', { kind: 'reserve', name: 'user.baz', location: 'b2!default' })).toBe('T RESERVE {8+}\r\nuser.baz {10+}\r\nb2!default\r\n');
    expect(eventLine('T', { kind: 'delete', name: 'user.q' })).toBe('T DELETE {6+}\r\nuser.q\r\n');
  });

  it('quotes status texts and commands, literals where quoting cannot carry the text', () => {
    expect(statusLine('A', 'OK', 'Search completed')).toBe('A OK "Search completed"\r\n');
    expect(statusLine('*', 'BYE', 'a\r\nb "c"')).toBe('* BYE "a b \\"c\\""\r\n');
    expect(quoted('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(commandLine('1', 'ACTIVATE', ['user.x', 'b!p', 'x\tlrs\t'])).toBe('1 ACTIVATE "user.x" "b!p" {6+}\r\nx\tlrs\t\r\n');
    expect(commandLine('2', 'FIND', ['user.é'])).toBe('2 FIND {7+}\r\nuser.é\r\n');
  });

  it('round-trips every data line through the reader', () => {
    const events = [
      { kind: 'mailbox', name: 'user.a b', location: 'h!p', acl: '' },
      { kind: 'reserve', name: 'user."x"', location: 'h' },
      { kind: 'delete', name: 'user.é' },
    ] as const;
    for (const event of events) {
      const [line] = readAll(eventLine('T', event), true);
      expect(line!.kind).toBe('line');
      if (line!.kind === 'line') expect(parseEventWords(line!.words.slice(1))).toEqual(event);
    }
  });
});

describe('parseEventWords', () => {
  it('takes a MAILBOX without an ACL and refuses what is not a data line', () => {
    expect(parseEventWords([atom('MAILBOX'), str('n'), str('h!p')] as never)).toEqual({ kind: 'mailbox', name: 'n', location: 'h!p', acl: '' });
    expect(parseEventWords([atom('RESERVE'), str('n')] as never)).toBeNull();
    expect(parseEventWords([atom('OK'), str('x')] as never)).toBeNull();
    expect(parseEventWords([str('MAILBOX')] as never)).toBeNull();
  });
});
