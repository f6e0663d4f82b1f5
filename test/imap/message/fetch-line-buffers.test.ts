// FETCH's line writer (fetch/index-lines.ts, LineBytes) uses its previous buffer again once none of
// that buffer's bytes wait downstream (writer or socket), and never while some do: bytes handed on
// must stay as they were until written.
import { describe, expect, it } from 'vitest';
import { LineBytes } from '../../../src/imap/commands/message/fetch/index-lines.js';

const MB = 1024 * 1024;

/** Fill `out` with lines of `ch` until a new buffer is needed; hand each piece to `queue`. */
function fillOne(out: LineBytes, ch: number, queue: Buffer[]): void {
  const line = Buffer.alloc(1000, ch);
  for (;;) {
    if (!out.fits(line.length)) {
      const piece = out.take(line.length);
      if (piece.length > 0) queue.push(piece);
      return;
    }
    out.bytes(line);
    if (out.pending >= 256 * 1024) queue.push(out.take());
  }
}

describe('FETCH line buffers', () => {
  it('keeps writing into fresh buffers while bytes of the previous one are still queued', () => {
    const queue: Buffer[] = [];
    const out = new LineBytes(MB, () => queue.reduce((n, b) => n + b.length, 0));
    fillOne(out, 0x61, queue); // buffer 1: 'a'
    fillOne(out, 0x62, queue); // buffer 2: 'b' (buffer 1's bytes all still queued)
    fillOne(out, 0x63, queue); // buffer 3 must not be buffer 1
    for (let c = 0; c < 50; c++) out.bytes(Buffer.from('z'));
    const first = queue[0]!;
    expect(first.every((b) => b === 0x61)).toBe(true);
    const buffers = new Set(queue.map((b) => b.buffer));
    expect(buffers.size).toBeGreaterThanOrEqual(3);
  });

  it('uses the previous buffer again once its bytes are written', () => {
    let queued: Buffer[] = [];
    const out = new LineBytes(MB, () => queued.reduce((n, b) => n + b.length, 0));
    fillOne(out, 0x61, queued);
    const firstBuffer = queued[0]!.buffer;
    queued = []; // written
    fillOne(out, 0x62, queued);
    // buffer 3 is buffer 1 again (only buffer 2's bytes are queued)
    expect(out.buf.buffer).toBe(firstBuffer);
    expect(queued.every((piece) => piece.buffer !== firstBuffer && piece.every((b) => b === 0x62))).toBe(true);
  });
});
