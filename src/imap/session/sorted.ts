/** Searches in ascending number arrays (a view's UIDs, a claim, a snapshot's UID column). */

/** First index in the ascending `values` whose value is >= `n` (values.length when none). */
export function lowerBound(values: ArrayLike<number>, n: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < n) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
