// FETCH's line writer (fetch/index-lines.ts) writes item heads and FLAGS items a 32-bit word at a
// time (putPiece): the bytes must be the piece's, whatever its length and the position, and a line
// of many items (one asked again and again) must still fit its buffer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineBytes, piece, putPiece } from '../../../src/imap/commands/message/fetch/index-lines.js';
import type { TestServer } from '../harness.js';
import { PLAIN, appendTo, fredIn, startWithMessages } from './fixtures.js';

describe('pieces', () => {
  it('write their bytes at any position, for any length', () => {
    for (let length = 0; length <= 17; length++) {
      const bytes = Buffer.from(Array.from({ length }, (_, k) => 0x41 + ((k * 7) % 26)));
      const p = piece(bytes);
      expect(p.words.length).toBe(Math.ceil(length / 4));
      for (let at = 0; at < 5; at++) {
        const out = new LineBytes(64);
        out.buf.fill(0x2e);
        const end = putPiece(out.view, at, p);
        expect(end).toBe(at + length);
        expect(out.buf.subarray(at, end).equals(bytes)).toBe(true);
        expect(out.buf.subarray(0, at).toString('latin1')).toBe('.'.repeat(at));
      }
    }
  });

  it('follow the buffer when the writer takes a new one', () => {
    const out = new LineBytes(16);
    out.at = 10;
    out.take(1024 * 1024);
    const end = putPiece(out.view, 0, piece(Buffer.from('FLAGS (\\Seen)')));
    expect(out.buf.toString('latin1', 0, end)).toBe('FLAGS (\\Seen)');
  });
});

let server: TestServer;
beforeAll(async () => {
  server = await startWithMessages();
  await appendTo(server, 'user.fred', Array.from({ length: 80 }, (_, i) => ({ content: PLAIN, flags: i % 2 === 0 ? ['\\Seen', '\\Flagged'] : ['$Work'] })));
}, 60_000);
afterAll(async () => {
  await server.close();
});

describe('lines of many items', () => {
  it('hold every item, asked 60 times, for every message', async () => {
    const c = await fredIn(server);
    const items = Array.from({ length: 60 }, (_, k) => (k % 3 === 0 ? 'UID' : k % 3 === 1 ? 'FLAGS' : 'RFC822.SIZE')).join(' ');
    const lines = await c.command('a', `UID FETCH 1:* (${items})`);
    expect(lines.at(-1)).toBe('a OK FETCH completed');
    const fetches = lines.filter((l) => / FETCH \(/.test(l));
    expect(fetches.length).toBeGreaterThanOrEqual(80);
    for (const line of fetches) {
      const uid = /UID (\d+)/.exec(line)![1];
      const flags = /FLAGS (\([^)]*\))/.exec(line)![1];
      const size = /RFC822\.SIZE (\d+)/.exec(line)![1];
      const seq = /^\* (\d+) FETCH/.exec(line)![1];
      const one = `UID ${uid} FLAGS ${flags} RFC822.SIZE ${size}`;
      expect(line).toBe(`* ${seq} FETCH (${Array.from({ length: 20 }, () => one).join(' ')})`);
    }
    c.close();
  });
});
