/** movedMembers: which members of an updating SORT to tell as moved when the order changed (table). */
import { describe, expect, it } from 'vitest';
import { movedMembers } from '../../src/imap/commands/message/context.js';

describe('movedMembers', () => {
  const CASES: Array<[number[], number[], number[]]> = [
    [[], [], []],
    [[1, 2, 3], [1, 2, 3], []],
    // One moved to the end: only it, not every member whose index shifted.
    [[1, 2, 3, 4], [2, 3, 4, 1], [1]],
    [[1, 2, 3, 4], [4, 1, 2, 3], [4]],
    [[5, 3, 9, 1], [5, 9, 1, 3], [3]],
    // Two moved.
    [[1, 2, 3, 4, 5], [2, 4, 5, 1, 3], [1, 3]],
    [[1, 2, 3], [3, 2, 1], [3, 2]],
  ];
  for (const [was, is, moved] of CASES) {
    it(`${was.join(',')} -> ${is.join(',')}`, () => {
      const got = movedMembers(was, is);
      expect(got).toEqual(moved);
      // Removing the moved ones leaves the same order in both.
      const stay = (list: number[]) => list.filter((u) => !got.includes(u));
      expect(stay(was)).toEqual(stay(is));
    });
  }
});
