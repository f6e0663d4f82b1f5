/**
 * Sets of UIDs as sorted, disjoint, non-adjacent ranges, written as an IMAP sequence set
 * ("1:5,7,9:12"): the form the seen store keeps per user and mailbox.
 */
export type UidRanges = Array<[number, number]>;

/**
 * One pass over the text with charCodeAt (no split, no regex, no substrings): the seen store
 * keeps tens of thousands of ranges per mailbox and STATUS/SELECT parse them every time.
 * Items are decimal digits only ("n" or "n:m", either order); anything else throws.
 */
export function parseUidRanges(text: string): UidRanges {
  const len = text.length;
  if (len === 0) return [];
  const ranges: UidRanges = [];
  let ordered = true;
  let lastEnd = -1;
  let i = 0;
  for (;;) {
    let a = 0;
    const startA = i;
    for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) a = a * 10 + (c - 48);
    if (i === startA) throw new Error(`bad uid set "${text}"`);
    let b = a;
    if (i < len && text.charCodeAt(i) === 58) {
      const startB = ++i;
      b = 0;
      for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) b = b * 10 + (c - 48);
      if (i === startB) throw new Error(`bad uid set "${text}"`);
    }
    if (a < 1 || b < 1 || !Number.isSafeInteger(a) || !Number.isSafeInteger(b)) throw new Error(`bad uid set "${text}"`);
    if (a > b) {
      const t = a;
      a = b;
      b = t;
    }
    if (a <= lastEnd + 1) ordered = false;
    ranges.push([a, b]);
    lastEnd = b;
    if (i === len) break;
    if (text.charCodeAt(i) !== 44) throw new Error(`bad uid set "${text}"`);
    i++;
  }
  // The stored form is already sorted, disjoint and non-adjacent: only normalize other input.
  return ordered ? ranges : normalizeRanges(ranges);
}

/** Characters of a stored UID set parsed between two calls of pause() (about 700 ranges: well under a ms). */
const PARSE_CHUNK = 4096;

/**
 * parseUidRanges for a big stored set (a user's \Seen of a 100,000-message mailbox is a few hundred
 * KB): parsed a piece at a time, with `pause()` between pieces so that the process's other sessions
 * run (issue 16, fairness). The same result as parseUidRanges.
 */
export async function parseUidRangesInSlices(text: string, pause: () => Promise<void>): Promise<UidRanges> {
  if (text.length <= PARSE_CHUNK) return parseUidRanges(text);
  let ranges: UidRanges = [];
  let ordered = true;
  for (let from = 0; from < text.length; ) {
    // Each piece ends just before a comma (or at the end), so each is a UID set of its own.
    let to = Math.min(text.length, from + PARSE_CHUNK);
    if (to < text.length) {
      const comma = text.indexOf(',', to);
      to = comma < 0 ? text.length : comma;
    }
    const piece = parseUidRanges(text.slice(from, to));
    const last = ranges[ranges.length - 1];
    if (last !== undefined && piece.length > 0 && piece[0]![0] <= last[1] + 1) ordered = false;
    for (const range of piece) ranges.push(range);
    from = to + 1;
    if (from < text.length) await pause();
  }
  if (!ordered) ranges = normalizeRanges(ranges);
  return ranges;
}

export function formatUidRanges(ranges: UidRanges): string {
  return ranges.map(([a, b]) => (a === b ? `${a}` : `${a}:${b}`)).join(',');
}

function normalizeRanges(ranges: UidRanges): UidRanges {
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
function rangesFromUids(uids: Iterable<number>): UidRanges {
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
