/**
 * Bringing kept snapshot columns (snapshot-cache.ts) up to date from what changed since their
 * highestmodseq: the records changed or added since (UID order) and the UIDs expunged since. One
 * append to a 100,000-message mailbox then costs one pass over the columns instead of reading and
 * parsing every record again. New arrays are built: snapshots handed out share the old ones.
 */
import { decodeKeywords } from './flags.js';
import type { MailboxRow, MessageRow } from './index-db.js';
import type { SnapshotColumns } from './snapshot-cache.js';

/** Above this share of changed records, reading every record again costs about the same. */
export const PATCH_AT_MOST = 0.25;

export function patchColumns(old: SnapshotColumns, row: MailboxRow, changed: readonly MessageRow[], expunged: readonly number[]): SnapshotColumns {
  const n = old.uids.length;
  const capacity = n + changed.length;
  const uids = new Uint32Array(capacity);
  const modseqs = new Float64Array(capacity);
  const system = new Uint8Array(capacity);
  const dates = new Float64Array(capacity);
  const sizes = new Float64Array(capacity);
  const keywords = new Array<string[] | undefined>(capacity);
  const gone = new Set(expunged);
  const checkGone = gone.size > 0;
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < n || j < changed.length) {
    const oldUid = i < n ? old.uids[i]! : Infinity;
    const record = j < changed.length ? changed[j]! : null;
    if (record !== null && record.uid <= oldUid) {
      // a changed record replaces the old one; a new one goes in its UID's place
      if (record.uid === oldUid) i++;
      j++;
      if (checkGone && gone.has(record.uid)) continue;
      uids[k] = record.uid;
      modseqs[k] = record.modseq;
      system[k] = record.flags;
      dates[k] = record.internaldate;
      sizes[k] = record.size;
      keywords[k] = record.keywords ? decodeKeywords(record.keywords) : undefined;
      k++;
      continue;
    }
    i++;
    if (checkGone && gone.has(oldUid)) continue;
    const from = i - 1;
    uids[k] = oldUid;
    modseqs[k] = old.modseqs[from]!;
    system[k] = old.system[from]!;
    dates[k] = old.dates[from]!;
    sizes[k] = old.sizes[from]!;
    keywords[k] = old.keywords[from];
    k++;
  }
  keywords.length = k;
  return {
    uniqueId: row.uniqueid,
    uidValidity: row.uidvalidity,
    uidNext: row.uidnext,
    highestModseq: row.highestmodseq,
    uids: k === capacity ? uids : uids.slice(0, k),
    modseqs: k === capacity ? modseqs : modseqs.slice(0, k),
    system: k === capacity ? system : system.slice(0, k),
    keywords,
    dates: k === capacity ? dates : dates.slice(0, k),
    sizes: k === capacity ? sizes : sizes.slice(0, k),
  };
}
