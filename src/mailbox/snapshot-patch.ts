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
import { lowerBound } from '../common/sorted.js';

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
  return (expunged.length === 0 ? patchWithoutExpunges(old, row, changed, merge) : null) ?? patchByCopy(old, row, changed, expunged, merge);
}

/**
 * Typed columns are allocated with room after their end; `tails` holds, per buffer, how far it is
 * used. Columns whose end is the buffer's tail may take new records after it without a copy:
 * snapshots handed out see only their own length, and the tail moves on so that nobody else
 * appends at the same place (a second patch of the same old columns copies instead).
 */
const tails = new WeakMap<ArrayBufferLike, number>();

type Column = Uint32Array | Float64Array | Uint8Array;

/** A column of `n` values (zeros) with room after them for later appends. */
export function columnWithRoom<T extends Column>(make: new (length: number) => T, n: number): T {
  const whole = new make(n + (n >> 3) + 64);
  tails.set(whole.buffer, n);
  return whole.subarray(0, n) as T;
}

/** `view` followed by `k` more places (to be written): in place when it ends at its buffer's tail and there is room, else a copy with room. */
function extend<T extends Column>(view: T, k: number, make: new (buffer: ArrayBufferLike, offset: number, length: number) => T): T {
  if (k === 0) return view;
  const n = view.length;
  const whole = view.buffer;
  if (view.byteOffset === 0 && tails.get(whole) === n && whole.byteLength >= (n + k) * view.BYTES_PER_ELEMENT) {
    tails.set(whole, n + k);
    return new make(whole, 0, n + k);
  }
  const grown = columnWithRoom(view.constructor as new (length: number) => T, n + k);
  grown.set(view);
  return grown;
}

/** `view` with `k` more places, in a buffer of its own (its values change). */
function copyWithRoom<T extends Column>(view: T, k: number): T {
  const grown = columnWithRoom(view.constructor as new (length: number) => T, view.length + k);
  grown.set(view);
  return grown;
}

/**
 * The usual patch (issue 16: the snapshot after one change): no expunges, so every old record keeps
 * its place; changed records are found by binary search and new ones go after the end. UIDs, dates
 * and sizes (which a flag change never touches) are shared or extended in place, the modseqs are
 * copied only when an old record changed, the flag bytes (small) always; keywords are copied only
 * when an old record's keywords changed. Null when a changed old record is missing or changed its
 * date or size (a reconstruct): the copy below then does it all.
 */
function patchWithoutExpunges(
  old: SnapshotColumns, row: MailboxRow, changed: readonly MessageRow[], merge: SeenMerge | null,
): (SnapshotColumns & { merged: SeenMerge | null }) | null {
  const n = old.uids.length;
  const last = n > 0 ? old.uids[n - 1]! : 0;
  let split = 0; // changed[0, split) are old records, the rest new (changed is in UID order)
  while (split < changed.length && changed[split]!.uid <= last) split++;
  const positions = new Int32Array(split);
  let keywordsChanged = false;
  for (let j = 0; j < split; j++) {
    const record = changed[j]!;
    const p = lowerBound(old.uids, record.uid, j === 0 ? 0 : positions[j - 1]!);
    if (p >= n || old.uids[p] !== record.uid || old.dates[p] !== record.internaldate || old.sizes[p] !== record.size) return null;
    positions[j] = p;
    if (!sameNames(old.keywords[p], record.keywords)) keywordsChanged = true;
  }
  const k = changed.length - split;
  const uids = extend(old.uids, k, Uint32Array as never);
  const dates = extend(old.dates, k, Float64Array as never);
  const sizes = extend(old.sizes, k, Float64Array as never);
  const modseqs = split > 0 ? copyWithRoom(old.modseqs, k) : extend(old.modseqs, k, Float64Array as never);
  const system = new Uint8Array(n + k);
  system.set(old.system);
  const merged = merge === null ? null : new Uint8Array(n + k);
  merged?.set(merge!.system);
  let keywords: Array<string[] | undefined>;
  // An array has no views: the old one is taken over (and grown) when nobody grew it before.
  if (!keywordsChanged && old.keywords.length === n) keywords = old.keywords;
  else keywords = old.keywords.slice(0, n);
  const put = (at: number, record: MessageRow): void => {
    uids[at] = record.uid;
    dates[at] = record.internaldate;
    sizes[at] = record.size;
    modseqs[at] = record.modseq;
    system[at] = record.flags;
    if (merged !== null) merged[at] = (record.flags & ~FLAG_SEEN) | (rangesContain(merge!.seen, record.uid) ? FLAG_SEEN : 0);
    const names = record.keywords ? decodeKeywords(record.keywords) : undefined;
    if (at < n) {
      if (keywordsChanged) keywords[at] = names;
    } else keywords.push(names);
  };
  for (let j = 0; j < split; j++) put(positions[j]!, changed[j]!);
  for (let j = split; j < changed.length; j++) put(n + j - split, changed[j]!);
  return {
    uniqueId: row.uniqueid,
    uidValidity: row.uidvalidity,
    uidNext: row.uidnext,
    highestModseq: row.highestmodseq,
    uids, modseqs, system, keywords, dates, sizes,
    merged: merged === null ? null : { seen: merge!.seen, system: merged },
  };
}

/** Whether a keyword list (decoded) names the same as a stored one, in the same order. */
function sameNames(names: readonly string[] | undefined, stored: string | null): boolean {
  const other = stored ? decodeKeywords(stored) : [];
  const mine = names ?? [];
  return mine.length === other.length && mine.every((k, i) => k === other[i]);
}

function patchByCopy(
  old: SnapshotColumns, row: MailboxRow, changed: readonly MessageRow[], expunged: readonly number[], merge: SeenMerge | null,
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
    keywordPieces.push(from === 0 && to === n && old.keywords.length === n ? old.keywords : old.keywords.slice(from, to));
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
