/**
 * STATUS answers kept per process, per mailbox index and user: a repeated STATUS (or LIST-STATUS)
 * costs one read of the mailbox row. An answer holds while the row is the same: every change to
 * the records or to any user's \Seen raises highestmodseq, and the counters, uidnext and the
 * recent mark are compared too (a reconstruct may recount without a new modseq). The unseen count
 * of a user other than the owner is what the cache mostly saves: it needs the user's seen ranges
 * (the owner's is the row's counters).
 *
 * An answer also holds, without reading the row (no read transaction), while the connection that
 * kept it sees no commit to the index since (its change marks, common/sqlite.ts): every change to
 * the row is a commit.
 */
import { sameMarks, type ChangeMarks } from '../common/sqlite.js';
import type { MailboxRow } from './index-db.js';
import type { MailboxStatus } from './types.js';

/** Answers kept at most (the oldest goes first). */
const MAX_ENTRIES = 4096;

interface Entry {
  row: MailboxRow;
  status: MailboxStatus;
  /** The connection the row was read on and its change marks then (read before its transaction); null: unknown. */
  db: WeakRef<object> | null;
  marks: ChangeMarks | null;
}

/**
 * By index, then user (no key text made per STATUS). `order` holds every answer in the order kept:
 * above MAX_ENTRIES the oldest goes first.
 */
const entries = new Map<string, Map<string, Entry>>();
const order = new Map<Entry, [string, string]>();

function lookup(indexIdentity: string, userid: string | null | undefined): Entry | undefined {
  return entries.get(indexIdentity)?.get(userid ?? '');
}

function remove(indexIdentity: string, user: string): void {
  const byUser = entries.get(indexIdentity);
  const old = byUser?.get(user);
  if (old === undefined) return;
  order.delete(old);
  byUser!.delete(user);
  if (byUser!.size === 0) entries.delete(indexIdentity);
}

function sameRow(a: MailboxRow, b: MailboxRow): boolean {
  return a.highestmodseq === b.highestmodseq && a.uidnext === b.uidnext && a.uidvalidity === b.uidvalidity && a.recentuid === b.recentuid
    && a.sharedseen === b.sharedseen && a.deletedmodseq === b.deletedmodseq && a.uniqueid === b.uniqueid
    && a.messages_count === b.messages_count && a.messages_size === b.messages_size && a.messages_deleted === b.messages_deleted
    && a.messages_seen === b.messages_seen && a.seen_owner === b.seen_owner;
}

/**
 * The answer kept for this index and user when the row has not changed since (a copy), else null.
 * A hit takes `db`'s `marks` (read before the transaction that read `row`) for quietStatus.
 */
export function cachedStatus(
  indexIdentity: string, userid: string | null | undefined, row: MailboxRow, db: object | null = null, marks: ChangeMarks | null = null,
): MailboxStatus | null {
  const hit = lookup(indexIdentity, userid);
  if (hit === undefined || !sameRow(hit.row, row)) return null;
  if (db === null) hit.db = null;
  else if (hit.db?.deref() !== db) hit.db = new WeakRef(db);
  hit.marks = marks;
  return { ...hit.status };
}

/**
 * The answer kept for this index and user when `db` has seen no commit since it was kept or last
 * confirmed (its change marks are `marks` still), without the row; else null. The kept object
 * itself: read it, copy before changing.
 */
export function quietStatus(indexIdentity: string, userid: string | null | undefined, db: object, marks: ChangeMarks): MailboxStatus | null {
  const hit = lookup(indexIdentity, userid);
  if (hit === undefined || hit.db?.deref() !== db || hit.marks === null || !sameMarks(hit.marks, marks)) return null;
  return hit.status;
}

/** Keep an answer computed from `row` (read on `db` after its change marks were `marks`). */
export function keepStatus(
  indexIdentity: string, userid: string | null | undefined, row: MailboxRow, status: MailboxStatus, db: object | null = null, marks: ChangeMarks | null = null,
): void {
  const user = userid ?? '';
  remove(indexIdentity, user);
  if (order.size >= MAX_ENTRIES) {
    const [oldIndex, oldUser] = order.values().next().value!;
    remove(oldIndex, oldUser);
  }
  const entry: Entry = { row, status: { ...status }, db: db === null ? null : new WeakRef(db), marks };
  let byUser = entries.get(indexIdentity);
  if (byUser === undefined) entries.set(indexIdentity, (byUser = new Map()));
  byUser.set(user, entry);
  order.set(entry, [indexIdentity, user]);
}
