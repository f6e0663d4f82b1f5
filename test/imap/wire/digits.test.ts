/** Issue 16: numbers written as digits into FETCH lines and SEARCH responses (serialize/digits.ts). */
import { describe, expect, it } from 'vitest';
import { MAX_DECIMAL, decimalLength, writeDecimal } from '../../../src/imap/wire/serialize/digits.js';
import { LineBytes } from '../../../src/imap/commands/message/fetch/index-lines.js';

function written(value: number): string {
  const buf = Buffer.alloc(16, 0x2e);
  const end = writeDecimal(buf, 3, value);
  // nothing before `at` or after the end is touched
  expect(buf.subarray(0, 3).toString('latin1')).toBe('...');
  expect(buf.subarray(end).toString('latin1')).toBe('.'.repeat(16 - end));
  return buf.toString('latin1', 3, end);
}

describe('writeDecimal', () => {
  const edges = [0, 1, 9, 10, 11, 19, 99, 100, 101, 109, 110, 999, 1000, 1009, 9999, 10000, 65535, 99999, 100000,
    999999, 1000000, 9999999, 10000000, 99999999, 100000000, 999999999, 1000000000, 2147483647, 2147483648, MAX_DECIMAL];

  it('writes what String() writes, from 0 to 2^32 - 1', () => {
    for (const v of edges) {
      expect(written(v), String(v)).toBe(String(v));
      expect(decimalLength(v)).toBe(String(v).length);
    }
    for (let v = 0; v < 20_000; v++) expect(written(v)).toBe(String(v));
    for (let k = 0; k < 20_000; k++) {
      const v = Math.floor(Math.random() * (MAX_DECIMAL + 1));
      expect(written(v)).toBe(String(v));
    }
  });

  it('lets FETCH lines write any modseq (past 2^32 too)', () => {
    const out = new LineBytes(256);
    for (const v of [0, 7, 4294967295, 4294967296, 2 ** 53 - 1]) {
      out.int(v);
      out.byte(32);
    }
    expect(out.take().toString('latin1')).toBe('0 7 4294967295 4294967296 9007199254740991 ');
  });
});
