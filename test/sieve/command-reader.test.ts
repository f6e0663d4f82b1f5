// The ManageSieve command reader as a table: the same events whether the bytes come in one chunk
// or one byte at a time; limits hold without buffering what they refuse.
import { describe, expect, it } from 'vitest';
import { CommandReader, type CommandEvent } from '../../src/sieve/wire/command-reader.js';
import { serializeString, responseLine } from '../../src/sieve/wire/response.js';

const LIMITS = { maxLineLength: 64, maxLiteral: 32, maxLiterals: 2 };

function show(event: CommandEvent): unknown {
  if (event.kind !== 'command') return event;
  return event.tokens.map((t) => (t.kind === 'atom' ? t.text : t.kind === 'number' ? t.value : `${t.literal ? 'L' : 'Q'}:${t.value.toString('latin1')}`));
}

function read(input: string, chunk: number): unknown[] {
  const reader = new CommandReader({ ...LIMITS });
  const events: unknown[] = [];
  const bytes = Buffer.from(input, 'latin1');
  for (let i = 0; i < bytes.length; i += chunk) {
    reader.push(bytes.subarray(i, i + chunk));
    for (let e = reader.next(); e; e = reader.next()) events.push(show(e));
  }
  return events;
}

const CASES: Array<[string, string, unknown[]]> = [
  ['a bare command', 'LOGOUT\r\n', [['LOGOUT']]],
  ['a bare LF ends a line too', 'noop\n', [['noop']]],
  ['quoted strings with escapes and a number', 'HAVESPACE "a \\"b\\" \\\\c" 123\r\n', [['HAVESPACE', 'Q:a "b" \\c', 123]]],
  ['a literal {N+}', 'PUTSCRIPT "s" {6+}\r\nkeep;\n\r\n', [['PUTSCRIPT', 'Q:s', 'L:keep;\n']]],
  ['a literal {N} (synchronising form, read at once)', 'CHECKSCRIPT {5}\r\nkeep;\r\n', [['CHECKSCRIPT', 'L:keep;']]],
  ['two literals', 'RENAMESCRIPT {1+}\r\na {1+}\r\nb\r\n', [['RENAMESCRIPT', 'L:a', 'L:b']]],
  ['an empty literal', 'NOOP {0+}\r\n\r\n', [['NOOP', 'L:']]],
  ['a literal holding CRLF and braces', 'NOOP {8+}\r\n{2+}\r\nab\r\n', [['NOOP', 'L:{2+}\r\nab']]],
  ['commands back to back', 'NOOP\r\nLOGOUT\r\n', [['NOOP'], ['LOGOUT']]],
  ['a bad escape', 'GETSCRIPT "a\\n"\r\nNOOP\r\n', [{ kind: 'syntax', message: 'Invalid escape in quoted string' }, ['NOOP']]],
  ['a syntax error before a literal drops the literal too', 'X "a""b" {4+}\r\nNOOP\r\nNOOP\r\n', [{ kind: 'syntax', message: 'Missing space between arguments' }, ['NOOP']]],
  ['no space after a literal', 'A {1+}\r\nx"y"\r\nNOOP\r\n', [{ kind: 'syntax', message: 'Missing space after literal' }, ['NOOP']]],
  ['a literal over the limit: said at its header, its octets dropped', `PUTSCRIPT "s" {40+}\r\n${'x'.repeat(40)}\r\nNOOP\r\n`, [{ kind: 'literalTooBig', size: 40, limit: 32 }, ['NOOP']]],
  ['too many literals', 'A {1+}\r\na {1+}\r\nb {1+}\r\nc\r\nNOOP\r\n', [{ kind: 'syntax', message: 'Too many literals' }, ['NOOP']]],
  ['a line over the limit', `NOOP "${'y'.repeat(100)}"\r\nNOOP\r\n`, [{ kind: 'tooLong' }, ['NOOP']]],
  ['a line over the limit that announces a literal drops the literal', `NOOP "${'y'.repeat(100)}" {3+}\r\nabc\r\nNOOP\r\n`, [{ kind: 'tooLong' }, ['NOOP']]],
];

describe('CommandReader', () => {
  for (const [what, input, expected] of CASES) {
    it(`${what} (whole and byte by byte)`, () => {
      expect(read(input, input.length)).toEqual(expected);
      expect(read(input, 1)).toEqual(expected);
    });
  }

  it('reports an over-limit literal before any of its octets arrive, and holds none of them', () => {
    const reader = new CommandReader({ ...LIMITS });
    reader.push(Buffer.from('PUTSCRIPT "s" {1000000+}\r\n'));
    expect(reader.next()).toEqual({ kind: 'literalTooBig', size: 1000000, limit: 32 });
    for (let i = 0; i < 100; i++) {
      reader.push(Buffer.alloc(10000, 'z'));
      expect(reader.next()).toBeNull();
      expect(reader.bufferedBytes).toBe(0);
    }
    reader.push(Buffer.from('\r\nNOOP\r\n'));
    expect(show(reader.next()!)).toEqual(['NOOP']);
  });

  it('drops an over-long line as it comes instead of buffering it', () => {
    const reader = new CommandReader({ ...LIMITS });
    for (let i = 0; i < 100; i++) {
      reader.push(Buffer.alloc(1000, 'q'));
      expect(reader.next()).toBeNull();
      expect(reader.bufferedBytes).toBeLessThan(2000);
    }
    reader.push(Buffer.from('\r\n'));
    expect(reader.next()).toEqual({ kind: 'tooLong' });
  });
});

describe('responses', () => {
  it('strings go quoted when they can, else as literals', () => {
    expect(serializeString('abc').toString()).toBe('"abc"');
    expect(serializeString('a"b\\c').toString()).toBe('"a\\"b\\\\c"');
    expect(serializeString('two\r\nlines').toString()).toBe('{10}\r\ntwo\r\nlines');
    expect(serializeString(Buffer.from([0xff])).toString('latin1')).toBe('{1}\r\n\xff');
  });

  it('OK / NO / BYE lines with codes and text', () => {
    expect(responseLine('OK', null, null).toString()).toBe('OK\r\n');
    expect(responseLine('NO', 'QUOTA/MAXSIZE', 'Too big').toString()).toBe('NO (QUOTA/MAXSIZE) "Too big"\r\n');
    expect(responseLine('OK', { code: 'TAG', value: 'x' }, 'Done').toString()).toBe('OK (TAG "x") "Done"\r\n');
    expect(responseLine('NO', null, 'line 1:\r\nbad').toString()).toBe('NO "line 1: bad"\r\n');
  });
});
