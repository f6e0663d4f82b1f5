/**
 * The mailbox owner's \Seen lives in the \Seen bit of the records (as in Cyrus 2.4+), every other
 * user's in seen.db. The index row's seen_owner names whose \Seen the bits are; a Mailbox reads a
 * user's \Seen from the bits exactly when that user is seen_owner (or the mailbox is sharedseen:
 * the bits are everyone's), so whatever seen_owner says is always right. Opening a mailbox hands
 * the bits to its owner by name (user.X and below: X; a shared mailbox: nobody) when seen_owner
 * says otherwise: an index from before the bits (seen_owner NULL, the owner's \Seen still in
 * seen.db), or a mailbox renamed to another user's hierarchy.
 *
 * The handover, under the index write lock (no \Seen of either user can change meanwhile, as
 * every \Seen change takes it):
 *   1. the former owner's bits are written to seen.db as that user's row (replacing it);
 *   2. one index transaction sets the bits from the new owner's seen.db row and seen_owner;
 *   3. after that commit the new owner's seen.db row is removed.
 * A crash after 1 leaves the index as it was (the row written is ignored while seen_owner names
 * its user, and written again by the retry); after 2, the new owner's row is ignored (the bits are
 * theirs) and overwritten should the bits ever go to someone else. No user's \Seen changes, so no
 * record's modseq does: the handover runs before this process makes its first snapshot of the
 * index, and every process that opens it runs it first, so no kept snapshot columns hold the old
 * bits.
 *
 * A user rename (user.a → user.b, the whole hierarchy) keeps the bits: relocate.ts names the new
 * userid in the copied index in the same step as the rename, and seen.db's rows of the user follow.
 * A rename into another user's hierarchy (user.a.x → user.b.x) keeps each user's own \Seen: a's
 * leaves the bits for seen.db, b's (if b ever had any, e.g. through an ACL) enters them. Cyrus 3.6
 * instead keeps the bits as they are, so b inherits a's \Seen, a loses it and b's own row is
 * ignored (observed on the Cyrus peer); losing a user's state seemed the worse behaviour.
 */
import { writeTransaction } from '../common/sqlite.js';
import type { IndexDb } from './index-db.js';
import type { SeenState } from './types.js';

/**
 * Make `owner` (null: nobody) the user whose \Seen the records' bits hold; returns whether the
 * index changed. No-op for sharedseen mailboxes and when `owner` already is.
 */
export function adoptSeenOwner(index: IndexDb, uniqueId: string, owner: string | null, seen: SeenState): boolean {
  const row = index.mailbox();
  if (row.sharedseen === 1 || row.seen_owner === owner) return false;
  const moved = writeTransaction(index.db, 'adopt seen owner', () => {
    const current = index.mailbox();
    if (current.sharedseen === 1 || current.seen_owner === owner || current.state !== 'active') return false;
    const s = index.stmts;
    const had = s.seenUids.all();
    // 1. The former owner's \Seen to seen.db (committed there before the bits change).
    if (current.seen_owner !== null) seen.replace(current.seen_owner, uniqueId, had);
    // 2. The new owner's into the bits.
    const ranges = owner === null ? [] : seen.seen(owner, uniqueId);
    let r = 0;
    for (const uid of had) {
      while (r < ranges.length && ranges[r]![1] < uid) r++;
      if (!(r < ranges.length && ranges[r]![0] <= uid)) s.clearSeen.run(uid);
    }
    for (const [lo, hi] of ranges) s.setSeenBetween.run(lo, hi);
    s.setSeenOwner.run(owner);
    return true;
  });
  // 3. The new owner's row, ignored from now on, goes.
  if (moved && owner !== null) seen.forget(owner, uniqueId);
  return moved;
}
