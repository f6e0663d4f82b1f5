/**
 * Sequence sets (RFC 3501 `sequence-set`, with `$` from SEARCHRES, RFC 5182): parsing, resolving
 * `*` against the mailbox, and the compact form used in responses (1,2,3,5 → 1:3,5).
 */
import type { ArgumentCursor } from './cursor.js';

/** `*`: the largest number in use (the last message, or the highest UID). */
type SeqNumber = number | '*';

interface SeqRange {
  first: SeqNumber;
  last: SeqNumber;
}

/** A parsed set: its ranges as written, or `$` (the result saved by SEARCH RETURN (SAVE)). */
export type SequenceSet = { saved: true } | { saved: false; ranges: SeqRange[] };

function seqNumber(cursor: ArgumentCursor): SeqNumber {
  if (cursor.maybe('*')) return '*';
  return cursor.nzNumber('sequence number');
}

export function parseSequenceSet(cursor: ArgumentCursor): SequenceSet {
  if (cursor.maybe('$')) return { saved: true };
  const ranges: SeqRange[] = [];
  do {
    const first = seqNumber(cursor);
    const last = cursor.maybe(':') ? seqNumber(cursor) : first;
    ranges.push({ first, last });
  } while (cursor.maybe(','));
  return { saved: false, ranges };
}

/**
 * The ranges of a set with `*` replaced by `largest`, each ordered low:high, sorted and merged.
 * For UIDs, `largest` is the highest UID in the mailbox (so `n:*` always includes it, RFC 3501 6.4.8).
 */
export function resolveSequenceSet(ranges: SeqRange[], largest: number): Array<[number, number]> {
  const out: Array<[number, number]> = ranges.map((range) => {
    const a = range.first === '*' ? largest : range.first;
    const b = range.last === '*' ? largest : range.last;
    return a <= b ? [a, b] : [b, a];
  });
  out.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const range of out) {
    const previous = merged[merged.length - 1];
    if (previous && range[0] <= previous[1] + 1) previous[1] = Math.max(previous[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}

/** Whether `n` is in resolved ranges (from resolveSequenceSet). */
export function rangesContain(ranges: Array<[number, number]>, n: number): boolean {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const range = ranges[mid]!;
    if (n < range[0]) high = mid - 1;
    else if (n > range[1]) low = mid + 1;
    else return true;
  }
  return false;
}

/**
 * The compact text of a list of numbers, in the order given: runs of consecutive ascending numbers
 * become `a:b` (COPYUID's two sets must keep their order, so nothing is sorted here).
 */
export function formatSequenceSet(numbers: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < numbers.length) {
    const start = numbers[i]!;
    let end = start;
    while (i + 1 < numbers.length && numbers[i + 1] === end + 1) end = numbers[++i]!;
    out.push(start === end ? String(start) : `${start}:${end}`);
    i++;
  }
  return out.join(',');
}

/** The compact text of a set of numbers, sorted and de-duplicated first. */
export function formatSortedSet(numbers: Iterable<number>): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  return formatSequenceSet(sorted);
}

