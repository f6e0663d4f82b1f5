import { describe, expect, it } from 'vitest';
import { lowerBound, sortedHas } from '../../src/common/index.js';

describe('lowerBound and sortedHas over ascending arrays', () => {
  const values = Uint32Array.from([2, 4, 4, 9, 15]);
  it.each([
    [0, 0, 0], [2, 0, 0], [3, 0, 1], [4, 0, 1], [5, 0, 3], [15, 0, 4], [16, 0, 5],
    [2, 2, 2], [4, 3, 3], [9, 4, 4], [1, 5, 5],
  ])('lowerBound(%i, from %i) = %i', (n, from, want) => {
    expect(lowerBound(values, n, from)).toBe(want);
  });
  it('answers 0 on an empty array', () => {
    expect(lowerBound([], 7)).toBe(0);
    expect(sortedHas([], 7)).toBe(false);
  });
  it.each([[2, true], [4, true], [3, false], [15, true], [16, false], [0, false]])('sortedHas(%i) = %s', (n, want) => {
    expect(sortedHas(values, n)).toBe(want);
  });
});
