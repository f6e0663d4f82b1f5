/**
 * SORT orders of large mailboxes, kept per process: sorting 100,000 records in SQLite costs a few
 * hundred milliseconds, and webmail sorts the same mailbox by the same keys again and again. What
 * a message sorts by (internal date, size, the fields stored at append) never changes and UIDs are
 * never reused, so an order read at some highest UID stays right for every message up to it:
 * expunged UIDs left in it are skipped by the caller (it picks its matches out of the order), and
 * messages appended since are merged in (message-fields.ts). Keyed by the index file's identity,
 * checked against the mailbox's uniqueid and uidvalidity, and against a stamp of what the keys
 * read: its datesmodseq (internal dates do change when an administrator mends them, mbtool -t, in
 * this process or another), or its highestmodseq for an order by MODSEQ, which every flag change moves.
 */

export interface SortOrder {
  uniqueId: string;
  uidValidity: number;
  /** The mailbox's datesmodseq when the order was read (its highestmodseq for an order by MODSEQ). */
  stamp: number;
  /** The highest UID in the mailbox when the order was read: every record up to it is in `uids`. */
  coveredUid: number;
  /** Every record's UID in sort order (some may have been expunged since). */
  uids: Uint32Array;
}

/** Orders kept in all (a 100,000-message order is 400 kB). */
const MAX_ORDERS = 16;
/** Smaller mailboxes are sorted again each time (cheap, and not worth the memory). */
export const ORDER_CACHE_FROM = 1000;

/** By IndexDb.identity, then the sort criteria as text. */
const orders = new Map<string, SortOrder>();

const cacheKey = (file: string, criteria: string): string => `${criteria}\n${file}`;

/** The order kept for `criteria` of this mailbox (same uniqueid, uidvalidity and stamp), else null. */
export function cachedOrder(file: string, criteria: string, uniqueId: string, uidValidity: number, stamp: number): SortOrder | null {
  const key = cacheKey(file, criteria);
  const hit = orders.get(key);
  if (hit === undefined) return null;
  orders.delete(key);
  if (hit.uniqueId !== uniqueId || hit.uidValidity !== uidValidity || hit.stamp !== stamp) return null;
  orders.set(key, hit); // most recently used last
  return hit;
}

export function keepOrder(file: string, criteria: string, order: SortOrder): void {
  if (order.uids.length < ORDER_CACHE_FROM) return;
  const key = cacheKey(file, criteria);
  orders.delete(key);
  orders.set(key, order);
  while (orders.size > MAX_ORDERS) orders.delete(orders.keys().next().value!);
}

/** Forget every order of the index `file` (reconstruct changed it). */
export function forgetOrders(file: string): void {
  for (const key of [...orders.keys()]) if (key.slice(key.indexOf('\n') + 1).startsWith(`${file}#`)) orders.delete(key);
}
