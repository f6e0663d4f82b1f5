/** Searches in ascending number arrays (a view's UIDs, a claim, a snapshot's UID column). */

/** First index at or after `from` in the ascending `values` whose value is >= `n` (values.length when none). */
export function lowerBound(values: ArrayLike<number>, n: number, from = 0): number {
  let lo = from;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < n) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether the ascending `values` hold `n`. */
export function sortedHas(values: ArrayLike<number>, n: number): boolean {
  const at = lowerBound(values, n);
  return at < values.length && values[at] === n;
}
