/**
 * Dot-stuffing and TOP's cut: table tests fed whole and one byte at a time, and over the wire the
 * exact octets of stored messages (lines starting with ".", no final line end), with LIST's size
 * equal to what RETR delivers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DotStuffer, TopCutter } from '../../src/pop3/wire/dot-stuff.js';
import { PopClient, startPop3Server, type Pop3TestServer } from './harness.js';

function stuff(message: string, chunkSize: number): string {
  const stuffer = new DotStuffer();
  const bytes = Buffer.from(message, 'latin1');
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) out.push(...stuffer.push(bytes.subarray(i, i + chunkSize)));
  out.push(stuffer.end());
  return Buffer.concat(out).toString('latin1');
}

function top(message: string, lines: number, chunkSize: number): string {
  const cutter = new TopCutter(lines);
  const bytes = Buffer.from(message, 'latin1');
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length && !cutter.done; i += chunkSize) out.push(cutter.take(bytes.subarray(i, i + chunkSize)));
  return Buffer.concat(out).toString('latin1');
}

const STUFFING: Array<[string, string]> = [
  ['', '.\r\n'],
  ['a\r\n', 'a\r\n.\r\n'],
  ['.\r\n', '..\r\n.\r\n'],
  ['a\r\n.b\r\n..c\r\n', 'a\r\n..b\r\n...c\r\n.\r\n'],
  ['no final line end', 'no final line end\r\n.\r\n'],
  ['a\r\n.', 'a\r\n..\r\n.\r\n'],
  ['bare\nline\n.feed\n', 'bare\nline\n..feed\n.\r\n'],
  ['bare\rcarriage\r.return\r\n', 'bare\rcarriage\r.return\r\n.\r\n'],
  ['ends with bare CR\r', 'ends with bare CR\r\r\n.\r\n'],
  ['x.\r\n.y', 'x.\r\n..y\r\n.\r\n'],
];

describe('DotStuffer', () => {
  it.each(STUFFING)('stuffs %j whole and byte by byte', (input, expected) => {
    expect(stuff(input, 1 << 20)).toBe(expected);
    expect(stuff(input, 1)).toBe(expected);
    expect(stuff(input, 2)).toBe(expected);
  });
});

describe('TopCutter', () => {
  const msg = 'H: 1\r\nH: 2\r\n\r\nb1\r\nb2\r\nb3\r\n';
  it.each([
    [0, 'H: 1\r\nH: 2\r\n\r\n'],
    [1, 'H: 1\r\nH: 2\r\n\r\nb1\r\n'],
    [3, msg],
    [9, msg],
  ])('keeps the header and %i body lines', (lines, expected) => {
    for (const size of [1, 2, 3, 1 << 20]) expect(top(msg, lines, size)).toBe(expected);
  });
  it('takes a bare LF as the empty line and sends a message without one whole', () => {
    expect(top('H: 1\n\nbody\nmore\n', 1, 1)).toBe('H: 1\n\nbody\n');
    expect(top('H: 1\r\nH: 2\r\n', 0, 1)).toBe('H: 1\r\nH: 2\r\n');
    expect(top('H: 1\r\n\r', 0, 1)).toBe('H: 1\r\n\r');
  });
});

let server: Pop3TestServer;
const MESSAGES = [
  'Subject: dots\r\n\r\n.\r\n..\r\n.leading\r\nmiddle . dot\r\n.\r\n',
  'Subject: no final line end\r\n\r\nlast line has none',
  'Subject: ends in a dot\r\n\r\ntext\r\n.',
  `Subject: big\r\n\r\n${'.x\r\n'.repeat(100_000)}`,
];
beforeAll(async () => {
  server = await startPop3Server();
  await server.deliver('fred', MESSAGES);
}, 60_000);
afterAll(async () => {
  await server.close();
});

describe('RETR octets', () => {
  it('delivers every stored octet, dot-stuffed, and LIST gives their number', async () => {
    const c = await PopClient.login(server.port);
    const list = await c.listing('LIST');
    for (let i = 0; i < MESSAGES.length; i++) {
      const stored = Buffer.from(MESSAGES[i]!, 'latin1');
      expect(list.lines[i]).toBe(`${i + 1} ${stored.length}`);
      expect(await c.command(`RETR ${i + 1}`)).toBe('+OK Message follows');
      const body = await c.multiline();
      const unstuffed = Buffer.from(body.toString('latin1').replace(/(^|\n)\./g, '$1'), 'latin1');
      // A message without a final line end gets one CRLF before the terminating dot.
      const endsLine = stored.at(-1) === 0x0a;
      expect(unstuffed.length).toBe(stored.length + (endsLine ? 0 : 2));
      expect(unstuffed.subarray(0, stored.length).equals(stored)).toBe(true);
    }
    c.close();
  });

  it('survives a client that goes away in the middle of a RETR', async () => {
    const c = await PopClient.login(server.port);
    c.write('RETR 4\r\n');
    await c.line();
    c.close();
    const d = await PopClient.login(server.port);
    expect(await d.command('STAT')).toMatch(/^\+OK 4 /);
    expect(await d.command('TOP 4 1')).toBe('+OK Message follows');
    expect((await d.multiline()).toString('latin1')).toBe('Subject: big\r\n\r\n..x\r\n');
    d.close();
  });
});
