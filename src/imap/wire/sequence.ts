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

/** The decimal digits of `value` (0 to 2^32 - 1) at `at`; returns the end. */
function writeDigits(buf: Buffer, at: number, value: number): number {
  const digits = value < 10 ? 1 : value < 100 ? 2 : value < 1000 ? 3 : value < 10000 ? 4 : value < 100000 ? 5
    : value < 1000000 ? 6 : value < 10000000 ? 7 : value < 100000000 ? 8 : value < 1000000000 ? 9 : 10;
  const end = at + digits;
  let q = end;
  let v = value;
  while (v >= 10) {
    const next = (v / 10) >>> 0;
    buf[--q] = 48 + v - next * 10;
    v = next;
  }
  buf[--q] = 48 + v;
  return end;
}

/**
 * Numbers written as ASCII into one buffer: a 100,000-number SORT or SEARCH answer in a few
 * milliseconds, where String() per number and join() take several times that.
 */
class DigitText {
  private buf: Buffer;
  private at = 0;

  constructor(count: number) {
    this.buf = Buffer.allocUnsafe(count * 11 + 16);
  }

  /** A whole number of up to 2^53; anything else through String(). */
  number(value: number): void {
    if (this.at + 24 > this.buf.length) this.grow();
    if (value >= 0 && value <= 0xffffffff && value === (value >>> 0)) {
      this.at = writeDigits(this.buf, this.at, value);
      return;
    }
    this.at += this.buf.write(String(value), this.at, 'latin1');
  }

  char(code: number): void {
    if (this.at + 1 > this.buf.length) this.grow();
    this.buf[this.at++] = code;
  }

  private grow(): void {
    const bigger = Buffer.allocUnsafe(this.buf.length * 2 + 64);
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }

  get length(): number {
    return this.at;
  }

  text(): string {
    return this.buf.toString('latin1', 0, this.at);
  }
}

const SPACE = 0x20;
const COMMA = 0x2c;
const COLON = 0x3a;

/** The numbers in the order given, separated by single spaces (SEARCH, SORT). */
export function spacedNumbers(numbers: readonly number[]): string {
  const out = new DigitText(numbers.length);
  for (let k = 0; k < numbers.length; k++) {
    if (k > 0) out.char(SPACE);
    out.number(numbers[k]!);
  }
  return out.text();
}

/**
 * The compact text of a list of numbers, in the order given: runs of consecutive ascending numbers
 * become `a:b` (COPYUID's two sets must keep their order, so nothing is sorted here).
 */
export function formatSequenceSet(numbers: readonly number[]): string {
  const out = new DigitText(numbers.length);
  let i = 0;
  while (i < numbers.length) {
    const start = numbers[i]!;
    let end = start;
    while (i + 1 < numbers.length && numbers[i + 1] === end + 1) end = numbers[++i]!;
    if (out.length > 0) out.char(COMMA);
    out.number(start);
    if (end !== start) {
      out.char(COLON);
      out.number(end);
    }
    i++;
  }
  return out.text();
}

/** The compact text of a set of numbers, sorted and de-duplicated first. */
export function formatSortedSet(numbers: Iterable<number>): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  return formatSequenceSet(sorted);
}

