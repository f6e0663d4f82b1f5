// The message as the LMTP proxy sends it to a backend after DATA: dot-stuffed, CRLF line ends, "." ends it.
import { describe, expect, it } from 'vitest';
import { dotStuff } from '../../src/lmtp/proxy/dot-stuff.js';
import { DotDataReader } from '../../src/lmtp/wire/data.js';

const cases: Array<[string, string, string]> = [
  ['plain lines', 'a\r\nb\r\n', 'a\r\nb\r\n.\r\n'],
  ['a leading dot, on the first line too', '.x\r\n..y\r\nz.\r\n', '..x\r\n...y\r\nz.\r\n.\r\n'],
  ['a lone dot line', 'a\r\n.\r\nb\r\n', 'a\r\n..\r\nb\r\n.\r\n'],
  ['bare LF line ends become CRLF', 'a\n.b\n', 'a\r\n..b\r\n.\r\n'],
  ['no line end at the end', 'a\r\nlast', 'a\r\nlast\r\n.\r\n'],
  ['an empty message', '', '.\r\n'],
  ['empty lines kept', 'a\r\n\r\n\r\nb\r\n', 'a\r\n\r\n\r\nb\r\n.\r\n'],
  ['a CR inside a line kept', 'a\rb\r\n', 'a\rb\r\n.\r\n'],
];

describe('dotStuff', () => {
  it.each(cases)('%s', (_name, input, wire) => {
    expect(dotStuff(Buffer.from(input, 'latin1')).toString('latin1')).toBe(wire);
  });

  it('is undone by the server side reader (every CRLF message comes back unchanged)', () => {
    for (const message of ['a\r\n.b\r\n..c\r\n.\r\nd\r\n', '.\r\n', 'x\r\n']) {
      const reader = new DotDataReader(1 << 20);
      const wire = dotStuff(Buffer.from(message, 'latin1'));
      expect(reader.push(wire)).toBe(wire.length);
      expect(reader.done).toBe(true);
      expect(reader.result().bytes.toString('latin1')).toBe(message);
    }
  });
});
