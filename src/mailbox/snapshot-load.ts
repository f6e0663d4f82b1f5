/**
 * Reading the snapshot columns of a big mailbox in slices (issue 16, fairness). Reading and
 * parsing 100,000 records at once holds the process's event loop for a few hundred milliseconds,
 * and every other session of the worker waits. Before a session takes its first snapshot
 * (SELECT), the columns are read here in blocks of records, each in its own read transaction,
 * with a turn for the other sessions between blocks; they are then kept (snapshot-cache.ts) as
 * the columns at the highestmodseq read with the first block.
 *
 * Later blocks may be newer than the first, never older: every record changed after the first
 * block's highestmodseq M0 has a modseq above M0, and every UID expunged since is listed in the
 * expunged table with one, so the snapshot that takes these columns patches them from the
 * changes since M0 (snapshot-patch.ts) and gets exactly what one read at its own moment would.
 */
import { LoopSlices, SLICE_MS, giveTurn } from '../common/loop-slices.js';
import { readTransaction, type Db } from '../common/sqlite.js';
import { decodeKeywords } from './flags.js';
import type { IndexDb, MailboxRow } from './index-db.js';
import { CACHE_FROM, cachedColumns, keepColumns, olderColumns, type SnapshotColumns } from './snapshot-cache.js';
import { FLAG_SEEN } from './flags.js';
import type { UidRanges } from './seqset.js';
import { PATCH_AT_MOST, columnWithRoom, type SeenMerge } from './snapshot-patch.js';

/** Records of the first block (small: in a fresh process its code runs unoptimised and its pages are cold); later blocks are sized to take about half a slice. */
const FIRST_BLOCK = 500;
const MIN_BLOCK = 500;
/**
 * At most this many records per block whatever the clock said of the last one: on a busy machine
 * a block that happened to run undisturbed would otherwise size the next one to tens of ms. 4000
 * took 10 ms in one turn of a cold SELECT (fairness-turns: the block's query and its numbers'
 * parse, unoptimised in a fresh process).
 */
const MAX_BLOCK = 2000;
/** Records merged with a user's \Seen between two looks at the clock. */
const MERGE_CLOCK_EVERY = 4096;
/** A patch of more changed records than this is read in slices instead (one patch is not sliced). */
const PATCH_IN_ONE_TURN = 2000;

type Block = [string | null, string | null, string | null, string | null, string | null];

function makeStatements(db: Db) {
  return {
    // As IndexDb's snapshotColumns, for the next `limit` records above a UID.
    block: db
      .prepare<[number, number], Block>(
        'SELECT group_concat(uid), group_concat(modseq), group_concat(flags), group_concat(internaldate), group_concat(size) FROM (SELECT uid, modseq, flags, internaldate, size FROM messages WHERE uid > ? ORDER BY uid LIMIT ?)',
      )
      .raw(true),
    keywords: db.prepare<[number, number], [number, string]>("SELECT uid, keywords FROM messages WHERE uid > ? AND uid <= ? AND keywords IS NOT NULL AND keywords != '' ORDER BY uid").raw(true),
    changedCount: db.prepare<[number], number>('SELECT count(*) FROM messages INDEXED BY messages_modseq WHERE modseq > ?').pluck(),
  };
}

type Statements = ReturnType<typeof makeStatements>;

const statements = new WeakMap<IndexDb, Statements>();

function prepared(index: IndexDb): Statements {
  let s = statements.get(index);
  if (s === undefined) {
    s = makeStatements(index.db);
    statements.set(index, s);
  }
  return s;
}

/** Loads in progress by index identity: two sessions opening the same mailbox share one. */
const loading = new Map<string, Promise<void>>();

/**
 * Make sure the next snapshot of this index is cheap: the columns kept are current, or one small
 * patch away; otherwise read them in slices. Small mailboxes (read again each time) are left alone.
 */
export function prepareColumns(index: IndexDb): Promise<void> {
  const key = index.identity;
  const running = loading.get(key);
  if (running !== undefined) return running;
  const work = loadIfNeeded(index).finally(() => loading.delete(key));
  loading.set(key, work);
  return work;
}

async function loadIfNeeded(index: IndexDb): Promise<void> {
  if (!index.db.open) return;
  const s = prepared(index);
  const row = readTransaction(index.db, 'snapshot columns', () => {
    const current = index.stmts.mailbox.get();
    if (current === undefined || current.state !== 'active' || current.uidnext - 1 < CACHE_FROM) return null;
    if (cachedColumns(index.identity, current.uniqueid, current.uidvalidity, current.uidnext, current.highestmodseq) !== null) return null;
    const old = olderColumns(index.identity, current.uniqueid, current.uidvalidity);
    if (old !== null && old.highestModseq <= current.highestmodseq && current.deletedmodseq <= old.highestModseq) {
      const changed = s.changedCount.get(old.highestModseq)!;
      if (changed <= Math.min(PATCH_IN_ONE_TURN, old.uids.length * PATCH_AT_MOST)) return null;
    }
    return current;
  });
  if (row === null) return;
  const columns = await readInSlices(index, s);
  // What follows (keeping the columns, the caller reading the user's seen row) on a turn after the join's.
  await giveTurn();
  if (columns === null || columns.uids.length < CACHE_FROM) return;
  // Columns kept meanwhile by a snapshot of a later moment are worth more: keep those.
  const kept = olderColumns(index.identity, columns.uniqueId, columns.uidValidity);
  if (kept !== null && kept.highestModseq >= columns.highestModseq) return;
  keepColumns(index.identity, columns);
}

/**
 * The system flags of kept columns with a user's \Seen merged in (a user other than the owner, whose
 * \Seen the columns already hold as the records' bit: seen-owner.ts), kept beside the columns while the
 * user's seen ranges are the same object (SeenStore hands out the same ranges until the row is
 * written): a repeated snapshot of a big mailbox then costs no pass over its records, and
 * patched columns carry it along (snapshot-patch.ts). Never modified once made (snapshots copy it).
 */
export const seenMerged = new WeakMap<SnapshotColumns, SeenMerge>();

/** `columns.system` with \Seen as in `seen` (uids ascending, ranges sorted and disjoint: one walk of both). */
export function mergeSeen(columns: SnapshotColumns, seen: UidRanges): Uint8Array {
  const kept = seenMerged.get(columns);
  if (kept !== undefined && kept.seen === seen) return kept.system;
  const system = columns.system.slice();
  mergeRange(columns.uids, seen, system, 0, columns.uids.length, 0);
  seenMerged.set(columns, { seen, system });
  return system;
}

/** Merge records [from, to); `r` is the first range not wholly below uids[from]; returns it for `to`. */
function mergeRange(uids: Uint32Array, seen: UidRanges, system: Uint8Array, from: number, to: number, r: number): number {
  for (let i = from; i < to; i++) {
    const uid = uids[i]!;
    while (r < seen.length && seen[r]![1] < uid) r++;
    system[i] = (system[i]! & ~FLAG_SEEN) | (r < seen.length && seen[r]![0] <= uid ? FLAG_SEEN : 0);
  }
  return r;
}

/**
 * Before a user's first snapshot of a big mailbox: merge the user's \Seen into the columns kept
 * (current or to be patched: a patch carries the merge along) in slices, so that the snapshot finds
 * it made. `seen` is the ranges the snapshot will read (the same object while unchanged).
 */
export async function prepareSeen(index: IndexDb, seen: UidRanges): Promise<void> {
  if (!index.db.open) return;
  const row = readTransaction(index.db, 'snapshot columns', () => index.stmts.mailbox.get());
  if (row === undefined) return;
  const columns = olderColumns(index.identity, row.uniqueid, row.uidvalidity);
  if (columns === null || seenMerged.get(columns)?.seen === seen) return;
  const n = columns.uids.length;
  const system = columns.system.slice();
  const slices = new LoopSlices();
  let r = 0;
  for (let from = 0; from < n; from += MERGE_CLOCK_EVERY) {
    const to = Math.min(n, from + MERGE_CLOCK_EVERY);
    r = mergeRange(columns.uids, seen, system, from, to, r);
    if (to < n && slices.due(to - from)) await slices.pause();
  }
  // Columns and ranges are never changed in place: the merge holds for them whatever came meanwhile.
  if (seenMerged.get(columns)?.seen !== seen) seenMerged.set(columns, { seen, system });
}

/** A turn for the other sessions (between pieces of a seen row's parse). */
export function pauseForOthers(): () => Promise<void> {
  const slices = new LoopSlices();
  return () => slices.turn();
}

interface Part {
  uids: Uint32Array;
  modseqs: Float64Array;
  system: Uint8Array;
  dates: Float64Array;
  sizes: Float64Array;
  /** Keywords of the few records that have any: [index in the part, names]. */
  keywords: Array<[number, string[]]>;
}

/** Every record's columns, block by block; null when the index closed or changed identity meanwhile. */
async function readInSlices(index: IndexDb, s: Statements): Promise<SnapshotColumns | null> {
  const parts: Part[] = [];
  let first: MailboxRow | null = null;
  let after = 0;
  let block = FIRST_BLOCK;
  // The first block on a turn of its own: the turn that asks (SELECT: the name, the rights, opening
  // the index, in a fresh process all unoptimised) already took several ms.
  await giveTurn();
  const slices = new LoopSlices();
  for (;;) {
    if (!index.db.open) return null;
    const started = performance.now();
    const part = readTransaction(index.db, 'snapshot columns', () => {
      const row = index.stmts.mailbox.get();
      if (row === undefined || (first !== null && (row.uniqueid !== first.uniqueid || row.uidvalidity !== first.uidvalidity))) return null;
      first ??= row;
      return readBlock(s, after, block);
    });
    if (part === null) return null;
    if (part.uids.length > 0) {
      parts.push(part);
      after = part.uids[part.uids.length - 1]!;
    }
    // The join below starts on a turn of its own, as each block does.
    await slices.pause();
    if (part.uids.length < block) break;
    const took = performance.now() - started;
    block = Math.max(MIN_BLOCK, Math.min(MAX_BLOCK, Math.round((block * SLICE_MS) / 2 / Math.max(took, 0.05))));
  }
  if (!index.db.open) return null;
  return join(first!, parts, slices);
}

function readBlock(s: Statements, after: number, limit: number): Part {
  const [uidText, modseqText, flagText, dateText, sizeText] = s.block.get(after, limit)!;
  const n = countNumbers(uidText);
  const part: Part = {
    uids: new Uint32Array(n),
    modseqs: new Float64Array(n),
    system: new Uint8Array(n),
    dates: new Float64Array(n),
    sizes: new Float64Array(n),
    keywords: [],
  };
  fillNumbers(uidText, part.uids);
  fillNumbers(modseqText, part.modseqs);
  fillNumbers(flagText, part.system);
  fillNumbers(dateText, part.dates);
  fillNumbers(sizeText, part.sizes);
  if (n > 0) {
    let p = 0;
    for (const [uid, kw] of s.keywords.iterate(after, part.uids[n - 1]!)) {
      while (p < n && part.uids[p]! < uid) p++;
      if (p < n && part.uids[p] === uid) part.keywords.push([p, decodeKeywords(kw)]);
    }
  }
  for (let i = 1; i < n; i++) if (part.uids[i - 1]! >= part.uids[i]!) throw new Error('index: snapshot out of UID order');
  return part;
}

/**
 * The parts as one set of columns, copied part by part in slices: the first writes into freshly
 * allocated columns fault their pages in, and 100,000 records' columns (some 3 MB) took 7-9 ms in
 * one turn of a cold SELECT (a CPU profile of fairness-turns; a fresh node process alone: 9 ms).
 */
async function join(row: MailboxRow, parts: Part[], slices: LoopSlices): Promise<SnapshotColumns> {
  let n = 0;
  for (const part of parts) n += part.uids.length;
  const columns: SnapshotColumns = {
    uniqueId: row.uniqueid,
    uidValidity: row.uidvalidity,
    uidNext: row.uidnext,
    highestModseq: row.highestmodseq,
    // With room after the end: the next append patches them in place (snapshot-patch.ts).
    uids: columnWithRoom(Uint32Array, n),
    modseqs: columnWithRoom(Float64Array, n),
    system: new Uint8Array(n),
    keywords: new Array<string[] | undefined>(n),
    dates: columnWithRoom(Float64Array, n),
    sizes: columnWithRoom(Float64Array, n),
  };
  let at = 0;
  for (const part of parts) {
    columns.uids.set(part.uids, at);
    columns.modseqs.set(part.modseqs, at);
    columns.system.set(part.system, at);
    columns.dates.set(part.dates, at);
    columns.sizes.set(part.sizes, at);
    for (const [i, names] of part.keywords) columns.keywords[at + i] = names;
    // each part is in order (readBlock); the parts follow one another
    if (at > 0 && part.uids.length > 0 && columns.uids[at - 1]! >= part.uids[0]!) throw new Error(`index of ${row.name}: snapshot out of UID order`);
    at += part.uids.length;
    await slices.turn(part.uids.length);
  }
  return columns;
}

/** How many numbers a comma-separated list holds (0 for null or empty). */
export function countNumbers(text: string | null): number {
  if (!text) return 0;
  let n = 1;
  for (let i = text.indexOf(','); i >= 0; i = text.indexOf(',', i + 1)) n++;
  return n;
}

/** Parse a comma-separated list of integers (as SQLite's group_concat writes them) into `out`. */
export function fillNumbers(text: string | null, out: Uint32Array | Float64Array | Uint8Array): void {
  if (!text) return;
  let value = 0;
  let negative = false;
  let i = 0;
  for (let p = 0; p < text.length; p++) {
    const c = text.charCodeAt(p);
    if (c === 44) {
      out[i++] = negative ? -value : value;
      value = 0;
      negative = false;
    } else if (c === 45) negative = true;
    else value = value * 10 + (c - 48);
  }
  out[i] = negative ? -value : value;
}
