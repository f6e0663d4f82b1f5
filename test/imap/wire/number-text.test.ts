/** Issue 15: SORT / SEARCH numbers and sequence sets written digit by digit into one buffer. */
import { describe, expect, it } from 'vitest';
import { formatSequenceSet, spacedNumbers } from '../../../src/imap/wire/sequence.js';
import { sortResponse } from '../../../src/imap/wire/serialize/lists.js';

describe('numbers as text', () => {
  const edges = [0, 1, 9, 10, 11, 99, 100, 999, 1000, 65535, 99999, 100000, 4294967295, 2 ** 53 - 1];

  it('writes each number as String() does, single spaces between', () => {
    expect(spacedNumbers(edges)).toBe(edges.map(String).join(' '));
    expect(spacedNumbers([])).toBe('');
    expect(spacedNumbers([7])).toBe('7');
    const many = Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 1_000_003);
    expect(spacedNumbers(many)).toBe(many.join(' '));
    expect(sortResponse([5, 3, 4])).toBe('* SORT 5 3 4\r\n');
  });

  it('keeps the order of a sequence set, runs ascending only', () => {
    expect(formatSequenceSet([100000, 99999, 1, 2, 3, 10, 4294967295])).toBe('100000,99999,1:3,10,4294967295');
    expect(formatSequenceSet([9, 10, 11, 100, 101])).toBe('9:11,100:101');
    const descending = Array.from({ length: 50_000 }, (_, i) => 50_000 - i);
    expect(formatSequenceSet(descending)).toBe(descending.join(','));
  });
});
