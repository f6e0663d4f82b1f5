/** Issue 15: SORT picks its matches out of the whole mailbox's order (dense and sparse UIDs, gone ones). */
import { describe, expect, it } from 'vitest';
import { pickMatches } from '../../src/imap/commands/message/sort.js';

const matches = (uids: number[]) => ({ uids, seqs: uids.map((_, i) => i + 1), highestModseq: 0, usesModseq: false });
const ASC = [{ reverse: false }];
const DESC = [{ reverse: true }];

describe('pickMatches', () => {
  it.each([
    ['dense', [3, 4, 5, 7], [9, 7, 1, 5, 4, 8, 3], [3, 2, 1, 0]],
    ['sparse (no table)', [1, 500_000, 2_000_000], [2_000_000, 7, 1, 900_000, 500_000], [2, 0, 1]],
    ['one', [42], [41, 42, 43], [0]],
    ['none', [], [1, 2, 3], []],
  ])('%s: the matches in the order given, expunged extras skipped', (_, uids, sorted, expected) => {
    expect(pickMatches(matches(uids), ASC, Uint32Array.from(sorted))).toEqual(expected);
  });

  it('a match missing from the order: null, or (final) first, last under REVERSE', () => {
    for (const uids of [[2, 3, 4], [2, 3, 4_000_000]]) {
      const sorted = Uint32Array.from([uids[2]!, uids[0]!]);
      expect(pickMatches(matches(uids), ASC, sorted)).toBeNull();
      expect(pickMatches(matches(uids), ASC, sorted, true)).toEqual([1, 2, 0]);
      expect(pickMatches(matches(uids), DESC, sorted, true)).toEqual([2, 0, 1]);
    }
  });
});
