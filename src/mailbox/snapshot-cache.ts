/**
 * The index columns of a mailbox's last snapshot, kept per process: SELECT, FETCH 1:* and SEARCH
 * each take a snapshot, and reading 100,000 records from SQLite costs tens of milliseconds. Every
 * change to the messages table raises highestmodseq (or uidnext) in the same transaction, so a
 * snapshot whose mailbox row reads the same uniqueid, uidvalidity, uidnext and highestmodseq in a
 * later read transaction would read the same columns; when they moved, the columns are patched from
 * the records changed and expunged since (mailbox.ts), unless expunged records were forgotten past
 * them (deletedmodseq). The \Seen bit is the owner's (seen-owner.ts); another user's \Seen is
 * merged afterwards, on a copy.
 */

export interface SnapshotColumns {
  uniqueId: string;
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
  uids: Uint32Array;
  modseqs: Float64Array;
  /** System flag bits as stored (\Seen as in the record): copy before changing. */
  system: Uint8Array;
  keywords: Array<string[] | undefined>;
  dates: Float64Array;
  sizes: Float64Array;
}

/** Big mailboxes kept; a 100,000-message mailbox holds about 3 MB. */
const MAX_MAILBOXES = 16;
/**
 * From this size a mailbox is big: its first snapshot is read in slices (snapshot-load.ts) and it is
 * kept among the MAX_MAILBOXES big ones.
 */
export const CACHE_FROM = 1000;
/**
 * Smaller mailboxes are kept too, apart, within a budget of records: re-reading every column of a
 * 50-message mailbox costs about 100 µs of every SELECT (issue 16, imap-load), a few KB to keep.
 */
const SMALL_MAX_MAILBOXES = 512;
const SMALL_MAX_RECORDS = 65_536;

/** By IndexDb.identity (file and inode); each Map is least recently used first. */
const byIndexFile = new Map<string, SnapshotColumns>();
const smallByIndexFile = new Map<string, SnapshotColumns>();
let smallRecords = 0;

function kept(file: string): SnapshotColumns | undefined {
  return byIndexFile.get(file) ?? smallByIndexFile.get(file);
}

function forget(file: string): void {
  byIndexFile.delete(file);
  const small = smallByIndexFile.get(file);
  if (small !== undefined) {
    smallRecords -= small.uids.length;
    smallByIndexFile.delete(file);
  }
}

function remember(file: string, columns: SnapshotColumns): void {
  forget(file);
  if (columns.uids.length >= CACHE_FROM) {
    byIndexFile.set(file, columns);
    while (byIndexFile.size > MAX_MAILBOXES) byIndexFile.delete(byIndexFile.keys().next().value!);
    return;
  }
  smallByIndexFile.set(file, columns);
  smallRecords += columns.uids.length;
  while (smallByIndexFile.size > SMALL_MAX_MAILBOXES || smallRecords > SMALL_MAX_RECORDS) forget(smallByIndexFile.keys().next().value!);
}

export function cachedColumns(file: string, uniqueId: string, uidValidity: number, uidNext: number, highestModseq: number): SnapshotColumns | null {
  const hit = kept(file);
  if (hit === undefined) return null;
  if (hit.uniqueId !== uniqueId || hit.uidValidity !== uidValidity) {
    forget(file);
    return null;
  }
  // Older columns stay for olderColumns(): patched from the changes since, they are the next ones.
  if (hit.uidNext !== uidNext || hit.highestModseq !== highestModseq) return null;
  // most recently used last
  remember(file, hit);
  return hit;
}

/**
 * The columns kept of the same mailbox (uniqueid and uidvalidity) at some earlier highestmodseq,
 * to be brought up to date from the records changed and expunged since (never to be changed in
 * place: snapshots handed out share them).
 */
export function olderColumns(file: string, uniqueId: string, uidValidity: number): SnapshotColumns | null {
  const hit = kept(file);
  if (hit === undefined || hit.uniqueId !== uniqueId || hit.uidValidity !== uidValidity) return null;
  return hit;
}

export function keepColumns(file: string, columns: SnapshotColumns): void {
  remember(file, columns);
}

/** Forget every mailbox whose index is `file` (reconstruct changed it). */
export function forgetColumns(file: string): void {
  for (const key of [...byIndexFile.keys(), ...smallByIndexFile.keys()]) if (key.startsWith(`${file}#`)) forget(key);
}
