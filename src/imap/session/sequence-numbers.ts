/**
 * 1, 2, 3...: one array of sequence numbers shared by every command of the process, whose views are
 * FETCH's target numbers (a run of numbers is a view, not a copy). Grown as bigger views ask for
 * more; a big SELECT counts them ahead, a block per turn (prepareSequenceNumbers), so that the first
 * FETCH 1:* of a 100,000-message mailbox does not count them all in its first turn (7 ms there,
 * unoptimised in a fresh process: fairness-turns, cold).
 */
import { giveTurn } from '../../common/index.js';

/** Views of it are never written. */
let counting = new Uint32Array(0);

/** Numbers counted per turn by prepareSequenceNumbers. */
const BLOCK = 16 * 1024;

/** Count up to `size` (copying the numbers counted before, writing only the new ones). */
function growTo(size: number): void {
  if (counting.length >= size) return;
  const grown = new Uint32Array(size);
  grown.set(counting);
  for (let k = counting.length; k < size; k++) grown[k] = k + 1;
  counting = grown;
}

/**
 * The numbers first..last as a view of the shared array. The first fill counts just those asked
 * for; a growth an eighth more, so that a big mailbox that grows by a message counts an eighth of
 * its numbers again, not all of them twice over (a 100,000-message view that grew by one wrote
 * 200,000 numbers in the FETCH's first turn).
 */
export function sequenceNumbers(first: number, last: number): Uint32Array {
  if (counting.length < last) {
    const at = Math.max(last, counting.length);
    growTo(counting.length === 0 ? last : at + (at >> 3));
  }
  return counting.subarray(first - 1, last);
}

/** Whether the numbers up to `count` are counted. */
export function sequenceNumbersReady(count: number): boolean {
  return counting.length >= count;
}

/** Count the numbers up to `count` ahead of a FETCH, BLOCK numbers per turn (the first after a turn). */
export async function prepareSequenceNumbers(count: number): Promise<void> {
  while (counting.length < count) {
    await giveTurn();
    growTo(Math.min(count, counting.length + BLOCK));
  }
}
