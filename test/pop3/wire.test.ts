/** The POP3 wire pieces as table tests: the line reader (fed whole and byte by byte) and the command grammar. */
import { describe, expect, it } from 'vitest';
import { LineReader, type LineEvent } from '../../src/pop3/wire/line-reader.js';
import { parseCommandLine, Pop3SyntaxError } from '../../src/pop3/wire/command-line.js';
import { messageAndLines, optionalMessageNumber } from '../../src/pop3/commands/arguments.js';

function feed(input: string, chunk: number, max = 10): LineEvent[] {
  const reader = new LineReader(max);
  const events: LineEvent[] = [];
  const bytes = Buffer.from(input, 'utf8');
  for (let i = 0; i < bytes.length; i += chunk) {
    reader.push(bytes.subarray(i, i + chunk));
    for (let e = reader.next(); e; e = reader.next()) events.push(e);
  }
  return events;
}

describe('LineReader', () => {
  it.each([
    ['STAT\r\n', [{ kind: 'line', text: 'STAT' }]],
    ['A\nB\r\n\r\n', [{ kind: 'line', text: 'A' }, { kind: 'line', text: 'B' }, { kind: 'line', text: '' }]],
    ['0123456789\r\n', [{ kind: 'line', text: '0123456789' }]],
    ['0123456789A\r\nok\r\n', [{ kind: 'tooLong' }, { kind: 'line', text: 'ok' }]],
    [`${'x'.repeat(100)}\r\nok\r\n`, [{ kind: 'tooLong' }, { kind: 'line', text: 'ok' }]],
    ['PASS pässwörd\r\n', [{ kind: 'line', text: 'PASS pässwörd' }]],
    ['no end', []],
  ] as Array<[string, LineEvent[]]>)('reads %j', (input, expected) => {
    const max = input.startsWith('PASS') ? 64 : 10;
    for (const chunk of [1, 2, 3, 1000]) expect(feed(input, chunk, max)).toEqual(expected);
  });

  it('holds no more than the limit of an overlong line', () => {
    const reader = new LineReader(10);
    reader.push(Buffer.alloc(1000, 0x78));
    expect(reader.next()).toBeNull();
    expect(reader.bufferedBytes).toBe(0);
    reader.push(Buffer.from('yy\r\nNOOP\r\n'));
    expect(reader.next()).toEqual({ kind: 'tooLong' });
    expect(reader.next()).toEqual({ kind: 'line', text: 'NOOP' });
  });
});

describe('command grammar', () => {
  it.each([
    ['stat', { name: 'STAT', argument: null }],
    ['LIST   3', { name: 'LIST', argument: '3' }],
    ['PASS  two  spaces ', { name: 'PASS', argument: ' two  spaces ' }],
    ['AUTH ', { name: 'AUTH', argument: null }],
    ['TOP 1 2', { name: 'TOP', argument: '1 2' }],
  ])('parses %j', (line, expected) => {
    expect(parseCommandLine(line)).toEqual(expected);
  });

  it('refuses a keyword followed by nothing but spaces', () => {
    expect(() => parseCommandLine('LIST  ')).toThrow(Pop3SyntaxError);
  });

  it('parses message numbers and TOP arguments as Cyrus does', () => {
    expect(optionalMessageNumber(null)).toBeNull();
    expect(optionalMessageNumber('42')).toBe(42);
    expect(() => optionalMessageNumber('4294967296')).toThrow('Not a number');
    expect(() => optionalMessageNumber('+1')).toThrow('Not a number');
    expect(messageAndLines('3   0')).toEqual({ msgno: 3, lines: 0 });
    expect(() => messageAndLines('3')).toThrow('Missing argument');
    expect(() => messageAndLines('3 -1')).toThrow('Invalid number of lines');
  });
});
