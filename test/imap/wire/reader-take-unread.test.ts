import { describe, expect, test } from 'vitest';
import { CommandReader, type CommandReaderOptions } from '../../../src/imap/wire/reader.js';

// A session moved to another worker (user affinity) takes along every byte read and not consumed.
const OPTIONS: CommandReaderOptions = { maxLineLength: 200, maxLiteralSize: 1000, maxAppendLiteralSize: 100_000, literalPlus: 'plus', refusedNonSyncLiteral: 'discard' };

function after(chunks: string[], commands: number): { reader: CommandReader; tags: string[] } {
  const reader = new CommandReader(OPTIONS);
  const tags: string[] = [];
  for (const chunk of chunks) reader.push(Buffer.from(chunk));
  while (tags.length < commands) {
    const event = reader.next();
    if (!event) break;
    if (event.type === 'command') tags.push(event.command.tag);
    else if (event.type === 'literal') reader.acceptLiteral();
  }
  return { reader, tags };
}

describe('CommandReader.takeUnread', () => {
  test.each([
    { name: 'nothing after the command', chunks: ['a LOGIN u p\r\n'], rest: '' },
    { name: 'pipelined commands in the same chunk', chunks: ['a LOGIN u p\r\nb NOOP\r\nc SELECT INBOX\r\n'], rest: 'b NOOP\r\nc SELECT INBOX\r\n' },
    { name: 'a command cut across chunks', chunks: ['a LOGIN u p\r\nb NO', 'OP\r', '\nc AP'], rest: 'b NOOP\r\nc AP' },
    { name: 'a literal+ after the line', chunks: ['a LOGIN u p\r\nb APPEND INBOX {5+}\r\nhel', 'lo\r\n'], rest: 'b APPEND INBOX {5+}\r\nhello\r\n' },
    { name: 'a LOGIN that itself had a literal', chunks: ['a LOGIN {1}\r\n', 'u p\r\nb NOOP\r\n'], rest: 'b NOOP\r\n' },
  ])('returns the bytes after the command: $name', ({ chunks, rest }) => {
    const { reader, tags } = after(chunks, 1);
    expect(tags).toEqual(['a']);
    expect(reader.takeUnread()?.toString()).toBe(rest);
    // The reader takes nothing more.
    reader.push(Buffer.from('z NOOP\r\n'));
    expect(reader.next()).toBeNull();
  });

  test('a line partly scanned before the command ended is returned whole', () => {
    const reader = new CommandReader(OPTIONS);
    reader.push(Buffer.from('b NO'));
    expect(reader.next()).toBeNull();
    expect(reader.takeUnread()?.toString()).toBe('b NO');
  });

  test('returns null in the middle of a command, and the reader goes on', () => {
    const reader = new CommandReader(OPTIONS);
    reader.push(Buffer.from('b APPEND INBOX {5}\r\n'));
    const event = reader.next();
    expect(event?.type).toBe('literal');
    expect(reader.takeUnread()).toBeNull();
    reader.acceptLiteral();
    reader.push(Buffer.from('hello\r\n'));
    const done = reader.next();
    expect(done?.type === 'command' && done.command.tag).toBe('b');
  });
});
