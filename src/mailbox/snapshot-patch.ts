/**
 * Bringing kept snapshot columns (snapshot-cache.ts) up to date from what changed since their
 * highestmodseq: the records changed or added since (UID order) and the UIDs expunged since. One
 * append to a 100,000-message mailbox then costs one pass over the columns instead of reading and
 * parsing every record again. New arrays are built: snapshots handed out share the old ones.
 */
import { FLAG_SEEN, decodeKeywords } from './flags.js';
import { rangesContain, type UidRanges } from './seqset.js';
import type { MailboxRow, MessageRow } from './index-db.js';
import type { SnapshotColumns } from './snapshot-cache.js';

/** Above this share of changed records, reading every record again costs about the same. */
export const PATCH_AT_MOST = 0.25;

/** A user's \Seen merged into the old columns' system flags (mailbox.ts), patched along with them. */
export interface SeenMerge {
  seen: UidRanges;
  system: Uint8Array;
}

export function patchColumns(
  old: SnapshotColumns, row: MailboxRow, changed: readonly MessageRow[], expunged: readonly number[], merge: SeenMerge | null = null,
): SnapshotColumns & { merged: SeenMerge | null } {
  const n = old.uids.length;
  const capacity = n + changed.length;
  const uids = new Uint32Array(capacity);
  const modseqs = new Float64Array(capacity);
  const system = new Uint8Array(capacity);
  const dates = new Float64Array(capacity);
  const sizes = new Float64Array(capacity);
  const merged = merge === null ? null : new Uint8Array(capacity);
  // Keywords as pieces joined at the end: slices of the old column (copied natively) and the
  // changed records' own; an element-wise copy into a 100,000-element array costs milliseconds.
  const keywordPieces: Array<ReadonlyArray<string[] | undefined>> = [];
  // Old records between two changed or expunged UIDs are copied as one run.
  const copyRun = (from: number, to: number, at: number): void => {
    if (to <= from) return;
    uids.set(old.uids.subarray(from, to), at);
    modseqs.set(old.modseqs.subarray(from, to), at);
    system.set(old.system.subarray(from, to), at);
    dates.set(old.dates.subarray(from, to), at);
    sizes.set(old.sizes.subarray(from, to), at);
    merged?.set(merge!.system.subarray(from, to), at);
    keywordPieces.push(from === 0 && to === n ? old.keywords : old.keywords.slice(from, to));
  };
  let i = 0; // next old record
  let j = 0; // next changed record
  let g = 0; // next expunged UID (ascending)
  let k = 0; // next place in the new columns
  for (;;) {
    const nextChanged = j < changed.length ? changed[j]!.uid : Infinity;
    const nextGone = g < expunged.length ? expunged[g]! : Infinity;
    const next = Math.min(nextChanged, nextGone);
    const stop = next === Infinity ? n : lowerBound(old.uids, next, i);
    copyRun(i, stop, k);
    k += stop - i;
    i = stop;
    if (next === Infinity) break;
    if (i < n && old.uids[i] === next) i++;
    if (nextChanged === next) j++;
    if (nextGone === next) {
      g++;
      continue;
    }
    // changed or new: its record replaces the old one, in UID order
    const record = changed[j - 1]!;
    uids[k] = record.uid;
    modseqs[k] = record.modseq;
    system[k] = record.flags;
    dates[k] = record.internaldate;
    sizes[k] = record.size;
    if (merged !== null) merged[k] = (record.flags & ~FLAG_SEEN) | (rangesContain(merge!.seen, record.uid) ? FLAG_SEEN : 0);
    keywordPieces.push([record.keywords ? decodeKeywords(record.keywords) : undefined]);
    k++;
  }
  const keywords = new Array<string[] | undefined>().concat(...keywordPieces);
  if (keywords.length !== k) throw new Error('snapshot patch: keyword column out of step');
  const fit = <T extends Uint32Array | Float64Array | Uint8Array>(a: T): T => (k === capacity ? a : (a.slice(0, k) as T));
  return {
    uniqueId: row.uniqueid,
    uidValidity: row.uidvalidity,
    uidNext: row.uidnext,
    highestModseq: row.highestmodseq,
    uids: fit(uids),
    modseqs: fit(modseqs),
    system: fit(system),
    keywords,
    dates: fit(dates),
    sizes: fit(sizes),
    merged: merged === null ? null : { seen: merge!.seen, system: fit(merged) },
  };
}

/** The first index at or after `from` whose UID is at least `uid` (`uids` ascending). */
function lowerBound(uids: Uint32Array, uid: number, from: number): number {
  let lo = from;
  let hi = uids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (uids[mid]! < uid) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
