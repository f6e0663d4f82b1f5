/**
 * Moving one mailbox to a new name and/or partition, crash-safe: copy (hard-link on one device)
 * the message files and a consistent copy of the index to the new place, fsync, switch the
 * mailboxes.db entry in one transaction, mark the old index "moved" (so other processes that
 * still hold it get NotFound), then remove the old files. Interrupted before the switch, the
 * mailbox is whole at the old place; after it, whole at the new one; reconstruct removes the
 * leftover. The old index's write lock is held throughout, so no append slips in between.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { MailError } from '../common/errors.js';
import {
  INDEX_FILE, IndexDb, fsError, fsyncDirectory, linkOrCopySync, liveMailboxIn, messageFileName, removeMailboxFiles, writeHeader,
} from '../mailbox/index.js';
import type { MailboxEntry, MailboxList } from './mailbox-list.js';
import type { QuotaStore, QuotaUsage } from './quotas.js';

export interface RelocateContext {
  list: MailboxList;
  durable: boolean;
  directoryOf(name: string, partition: string): string;
  /** Usage moves with the mailbox (under its index lock) to the new name's quota root. */
  quotas?: QuotaStore;
}

/** A mailbox's quota usage as its index counts it (inside its write lock). */
function usageOf(index: IndexDb): QuotaUsage {
  const counts = index.stmts.counts.get()!;
  return { storage: counts.size ?? 0, messages: counts.messages, mailboxes: 1 };
}

/**
 * Move `entry` to `newName` on `newPartition`; returns the new entry. With `seenOwner` (a user
 * rename), records' \Seen bits that were `from`'s are `to`'s in the copy (src/mailbox/seen-owner.ts).
 */
export function relocateMailbox(
  ctx: RelocateContext, entry: MailboxEntry, newName: string, newPartition: string, seenOwner?: { from: string; to: string },
): MailboxEntry {
  const oldDir = ctx.directoryOf(entry.name, entry.partition);
  const newDir = ctx.directoryOf(newName, newPartition);
  if (oldDir === newDir) throw new MailError('Cannot', 'mailbox is already there');
  if (newName !== entry.name && ctx.list.get(newName)) throw new MailError('Exists', `mailbox ${newName} already exists`);
  // The new name's nearest quota root; a label naming no root of quotas.db is kept as it was.
  const nearest = ctx.quotas ? ctx.quotas.rootOf(newName) : entry.quotaRoot;
  const quotaRoot = nearest ?? (entry.quotaRoot !== null && ctx.quotas?.get(entry.quotaRoot) ? null : entry.quotaRoot);
  const lock = IndexDb.open(oldDir, ctx.durable);
  let moved: MailboxEntry;
  try {
    lock.db.prepare('BEGIN IMMEDIATE').run();
    try {
      const row = lock.mailbox();
      if (row.state !== 'active') throw new MailError('NotFound', `mailbox ${entry.name} no longer exists`);
      const other = liveMailboxIn(newDir, ctx.durable);
      if (other !== null && other !== entry.uniqueId) throw new MailError('Exists', `the directory of ${newName} holds another mailbox`, { directory: newDir });
      try {
        mkdirSync(newDir, { recursive: true, mode: 0o700 });
        removeMailboxFiles(newDir); // a leftover of an earlier interrupted move
        mkdirSync(newDir, { recursive: true, mode: 0o700 });
        const uids = [
          ...lock.stmts.allMessages.all().map((m) => m.uid),
          ...lock.stmts.expungedWithFiles.all().map((r) => r.uid),
        ];
        for (const uid of uids) {
          try {
            linkOrCopySync(join(oldDir, messageFileName(uid)), join(newDir, messageFileName(uid)), ctx.durable);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          }
        }
        const reader = new Database(join(oldDir, INDEX_FILE), { readonly: true, fileMustExist: true });
        try {
          reader.prepare('VACUUM INTO ?').run(join(newDir, INDEX_FILE));
        } finally {
          reader.close();
        }
        const copy = IndexDb.open(newDir, ctx.durable);
        let userFlags: string[];
        let sharedSeen: boolean;
        try {
          copy.stmts.setName.run(newName);
          if (seenOwner !== undefined && copy.mailbox().seen_owner === seenOwner.from) copy.stmts.setSeenOwner.run(seenOwner.to);
          userFlags = copy.stmts.userFlags.all().map((r) => r.name);
          sharedSeen = copy.mailbox().sharedseen === 1;
        } finally {
          copy.close();
        }
        writeHeader(newDir, { name: newName, uniqueId: entry.uniqueId, uidValidity: entry.uidValidity, acl: entry.acl, quotaRoot, specialUse: entry.specialUse, createdModseq: entry.createdModseq, userFlags, sharedSeen }, ctx.durable);
        fsyncDirectory(newDir, ctx.durable);
        fsyncDirectory(dirname(newDir), ctx.durable);
      } catch (err) {
        removeMailboxFiles(newDir);
        throw fsError(err, `move ${entry.name}`);
      }
      moved = ctx.list.write('rename mailbox', () => {
        if (ctx.list.get(newName) && newName !== entry.name) throw new MailError('Exists', `mailbox ${newName} already exists`);
        const next: MailboxEntry = { ...entry, name: newName, partition: newPartition, quotaRoot, modifiedModseq: ctx.list.nextCounter('modseq') };
        ctx.list.remove(entry.name);
        ctx.list.put(next);
        return next;
      });
      ctx.quotas?.moveMailbox(entry.name, newName, usageOf(lock));
      lock.stmts.setState.run('moved');
      lock.db.prepare('COMMIT').run();
    } catch (err) {
      if (lock.db.inTransaction) lock.db.prepare('ROLLBACK').run();
      throw err;
    }
  } finally {
    lock.close();
  }
  removeMailboxFiles(oldDir);
  return moved;
}

/**
 * Delete a mailbox for good: mark its index deleted, drop the entry, remove the files. `quietly`:
 * the mupdate master is not told (an XFER's source removing the copy it moved away).
 */
export function destroyMailbox(ctx: RelocateContext, entry: MailboxEntry, opts: { quietly?: boolean } = {}): void {
  const dir = ctx.directoryOf(entry.name, entry.partition);
  let lock: IndexDb | null = null;
  try {
    lock = IndexDb.open(dir, ctx.durable);
  } catch {
    lock = null; // index missing or damaged: nothing to lock, just remove
  }
  try {
    if (lock) lock.db.prepare('BEGIN IMMEDIATE').run();
    ctx.list.write('delete mailbox', () => ctx.list.remove(entry.name, opts));
    ctx.quotas?.moveMailbox(entry.name, null, lock ? usageOf(lock) : { storage: 0, messages: 0, mailboxes: 1 });
    if (lock) {
      lock.stmts.setState.run('deleted');
      lock.db.prepare('COMMIT').run();
    }
  } catch (err) {
    if (lock?.db.inTransaction) lock.db.prepare('ROLLBACK').run();
    throw err;
  } finally {
    lock?.close();
  }
  removeMailboxFiles(dir);
}
