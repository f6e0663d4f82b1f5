/**
 * Sets of UIDs as sorted, disjoint, non-adjacent ranges, written as an IMAP sequence set
 * ("1:5,7,9:12"): the form the seen store keeps per user and mailbox.
 */
export type UidRanges = Array<[number, number]>;

export function parseUidRanges(text: string): UidRanges {
  if (text === '') return [];
  const ranges: UidRanges = [];
  for (const item of text.split(',')) {
    const colon = item.indexOf(':');
    const a = Number(colon < 0 ? item : item.slice(0, colon));
    const b = colon < 0 ? a : Number(item.slice(colon + 1));
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 1 || b < 1) throw new Error(`bad uid set "${text}"`);
    ranges.push(a <= b ? [a, b] : [b, a]);
  }
  return normalizeRanges(ranges);
}

export function formatUidRanges(ranges: UidRanges): string {
  return ranges.map(([a, b]) => (a === b ? `${a}` : `${a}:${b}`)).join(',');
}

export function normalizeRanges(ranges: UidRanges): UidRanges {
  const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
  const out: UidRanges = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** Sorted unique uids → ranges. */
export function rangesFromUids(uids: Iterable<number>): UidRanges {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const out: UidRanges = [];
  for (const uid of sorted) {
    const last = out[out.length - 1];
    if (last && uid === last[1] + 1) last[1] = uid;
    else out.push([uid, uid]);
  }
  return out;
}

export function addUids(ranges: UidRanges, uids: Iterable<number>): UidRanges {
  return normalizeRanges([...ranges, ...rangesFromUids(uids)]);
}

export function removeUids(ranges: UidRanges, uids: Iterable<number>): UidRanges {
  const drop = [...new Set(uids)].sort((x, y) => x - y);
  if (drop.length === 0) return ranges;
  const out: UidRanges = [];
  let i = 0;
  for (const [a, b] of ranges) {
    while (i < drop.length && drop[i]! < a) i++;
    let start = a;
    while (i < drop.length && drop[i]! <= b) {
      if (drop[i]! > start) out.push([start, drop[i]! - 1]);
      start = drop[i]! + 1;
      i++;
    }
    if (start <= b) out.push([start, b]);
  }
  return out;
}

export function rangesContain(ranges: UidRanges, uid: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = ranges[mid]!;
    if (uid < a) hi = mid - 1;
    else if (uid > b) lo = mid + 1;
    else return true;
  }
  return false;
}
