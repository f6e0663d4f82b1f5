import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { munge8bitHeader, normalizeLineEnds } from '../../src/message/index.js';

/** Obvious reference: a per-character rewrite. */
function reference(text: string): string {
  return text.replace(/\r\n|\r|\n/g, '\r\n');
}

describe('normalizeLineEnds', () => {
  const cases: Array<[string, string]> = [
    ['', ''],
    ['no line ends', 'no line ends'],
    ['a\r\nb\r\n', 'a\r\nb\r\n'],
    ['a\nb\n', 'a\r\nb\r\n'],
    ['a\rb\r', 'a\r\nb\r\n'],
    ['\n\n', '\r\n\r\n'],
    ['\r\r\n', '\r\n\r\n'],
    ['\n\r', '\r\n\r\n'],
    ['a\r\n\nb', 'a\r\n\r\nb'],
    ['x\r', 'x\r\n'],
    ['\rx', '\r\nx'],
  ];
  it.each(cases)('%j → %j', (input, expected) => {
    expect(normalizeLineEnds(Buffer.from(input, 'latin1')).toString('latin1')).toBe(expected);
  });

  it('returns the same Buffer when already clean', () => {
    const clean = Buffer.from('From: a@b\r\n\r\nbody\r\n');
    expect(normalizeLineEnds(clean)).toBe(clean);
  });

  it('agrees with the reference on arbitrary text, and is idempotent', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', '\r', '\n', '\r\n', 'é', ' '), { maxLength: 60 }), (pieces) => {
        const text = pieces.join('');
        const once = normalizeLineEnds(Buffer.from(text, 'utf8'));
        expect(once.toString('utf8')).toBe(reference(text));
        expect(normalizeLineEnds(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps 8-bit and NUL bytes untouched', () => {
    const input = Buffer.from([0x00, 0xff, 0x0a, 0x80]);
    expect([...normalizeLineEnds(input)]).toEqual([0x00, 0xff, 0x0d, 0x0a, 0x80]);
  });

  it('normalises a 10 MB message', () => {
    const big = Buffer.from('x'.repeat(70).concat('\n').repeat(150_000));
    const out = normalizeLineEnds(big);
    expect(out.length).toBe(big.length + 150_000);
    expect(out.subarray(0, 72).toString()).toBe('x'.repeat(70) + '\r\n');
  });
});

describe('munge8bitHeader', () => {
  it('turns 8-bit header bytes into X and leaves the body alone', () => {
    const input = Buffer.from('Subject: Grüße\r\n\r\nGrüße\r\n', 'utf8');
    expect(munge8bitHeader(input).toString('utf8')).toBe('Subject: GrXXXXe\r\n\r\nGrüße\r\n');
  });
  it('returns the same Buffer for a 7-bit header', () => {
    const input = Buffer.from('Subject: plain\r\n\r\nGrüße\r\n', 'utf8');
    expect(munge8bitHeader(input)).toBe(input);
  });
});
