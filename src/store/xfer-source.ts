/**
 * XFER on the source backend, the file and database side (the conversation with the target is
 * src/imap/xfer/source.ts):
 *
 *   begin    the moves go into xfer_moves, then each mailbox's index is frozen (a write
 *            transaction of its own, which waits for any writer under way: from its commit on,
 *            no record changes), and for a user the Sieve scripts too (sieve-scripts.ts)
 *   export   a copy of the frozen index (VACUUM INTO, a consistent read), the list of files the
 *            target must receive, and on demand their bytes and the mailbox's state beside them
 *   abort    the move is given up: the indexes thawed, the rows dropped (nothing was removed)
 *   finish   the target has the mailboxes and the mupdate master lists them there: the copies
 *            here go without a word to the master, with their seen state, annotations and quota
 *            roots, and for a user the subscriptions and Sieve scripts (as Cyrus's XFER removes a
 *            moved user's metadata)
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MailError } from '../common/errors.js';
import { writeTransaction } from '../common/sqlite.js';
import { INDEX_FILE, IndexDb, fsError, messageFileName, pruneEmptyDirectories } from '../mailbox/index.js';
import { isUserInbox } from '../names/index.js';
import type { MailboxEntry } from './mailbox-list.js';
import { destroyMailbox, type RelocateContext } from './relocate.js';
import type { XferFile, XferMailboxState, XferStores, XferUserState } from './xfer-types.js';

/** What the source side needs of the store (MailStore hands it over). */
export interface XferSourceContext extends XferStores {
  /** This backend's servername. */
  servername: string;
  lookup(name: string): MailboxEntry | null;
  directoryOf(name: string, partition: string): string;
  partitionRoot(partition: string): string;
  relocateContext(): RelocateContext;
  /** Drop this process's handle of a mailbox that goes. */
  forgetHandle(name: string): void;
  /** Open and close the mailbox once: an index from before the records' \Seen bits adopts its owner's. */
  settleSeenOwner(entry: MailboxEntry): void;
  changed(name: string): void;
  /** A directory of this XFER's own (index copies), under configdirectory. */
  workDirectory(xferId: string): string;
}

export interface XferBeginPlan {
  xferId: string;
  /** Internal names, parents before children. */
  names: readonly string[];
  /** The user moved whole (their INBOX is among the names), or null. */
  userid: string | null;
  target: string;
  partition: string | null;
  /** Who runs the move (its lease): a process-unique id. */
  holder: string;
  leaseMs: number;
}

/** A mailbox being sent: its frozen index copy and the files to send. */
export interface XferMailboxExport {
  readonly entry: MailboxEntry;
  readonly files: readonly XferFile[];
  /** `length` bytes of `file` (one of `files`) from `offset`. */
  read(file: string, offset: number, length: number): Promise<Buffer>;
  /** The state beside the files, read now (sent last, just before the commit). */
  state(): XferMailboxState;
  /** Remove the index copy. */
  close(): void;
}

function isLocal(ctx: XferSourceContext, entry: MailboxEntry): boolean {
  return entry.type.length === 0 && (entry.server === null || entry.server === '' || entry.server === ctx.servername);
}

function freezeIndex(ctx: XferSourceContext, entry: MailboxEntry, xferId: string): void {
  const index = IndexDb.open(ctx.directoryOf(entry.name, entry.partition), ctx.durable);
  try {
    writeTransaction(index.db, 'xfer freeze', () => {
      const row = index.mailbox();
      if (row.state !== 'active' || row.uniqueid !== entry.uniqueId) throw new MailError('NotFound', `mailbox ${entry.name} no longer exists`);
      if (row.xfer !== null && row.xfer !== xferId) throw new MailError('InUse', `mailbox ${entry.name} is already being moved`, { moving: true });
      index.stmts.setXfer.run(xferId);
    });
  } finally {
    index.close();
  }
}

/** Let the records of a mailbox frozen by `xferId` change again (nothing when it is gone or not frozen by it). */
export function thawIndex(dir: string, durable: boolean, xferId: string): void {
  let index: IndexDb;
  try {
    index = IndexDb.open(dir, durable);
  } catch {
    return;
  }
  try {
    writeTransaction(index.db, 'xfer thaw', () => index.stmts.clearXfer.run(xferId));
  } finally {
    index.close();
  }
}

/**
 * Start a move: every mailbox must be a finished local one; the moves are recorded (InUse when
 * one is already moving), then each index is frozen. Returns the entries. On any failure nothing
 * stays frozen.
 */
export function beginXfer(ctx: XferSourceContext, plan: XferBeginPlan): MailboxEntry[] {
  const entries = plan.names.map((name) => {
    const entry = ctx.lookup(name);
    if (entry === null) throw new MailError('NotFound', `no mailbox ${name}`);
    if (!isLocal(ctx, entry)) throw new MailError('Cannot', `mailbox ${name} is not on this server`);
    return entry;
  });
  for (const entry of entries) ctx.settleSeenOwner(entry);
  ctx.list.xfers.begin(entries.map((e) => ({ name: e.name, xferId: plan.xferId, uniqueId: e.uniqueId, userid: plan.userid, target: plan.target, partition: plan.partition, holder: plan.holder })), plan.leaseMs);
  const frozen: MailboxEntry[] = [];
  let sieveFrozen = false;
  try {
    if (plan.userid !== null) {
      ctx.sieve.freezeUser(plan.userid, plan.xferId);
      sieveFrozen = true;
    }
    for (const entry of entries) {
      freezeIndex(ctx, entry, plan.xferId);
      frozen.push(entry);
    }
  } catch (err) {
    for (const entry of frozen) thawIndex(ctx.directoryOf(entry.name, entry.partition), ctx.durable, plan.xferId);
    if (sieveFrozen) ctx.sieve.thawUser(plan.userid!);
    ctx.list.xfers.drop(plan.xferId);
    throw err;
  }
  return entries;
}

/** The frozen index of `name` copied, and what to send of it. */
export function exportMailbox(ctx: XferSourceContext, name: string, xferId: string): XferMailboxExport {
  const move = ctx.list.xfers.moveOf(name);
  const entry = ctx.lookup(name);
  if (move === null || move.xferId !== xferId || entry === null || entry.uniqueId !== move.uniqueId) {
    throw new MailError('Cannot', `mailbox ${name} is not being moved by this XFER`);
  }
  const dir = ctx.directoryOf(entry.name, entry.partition);
  const work = ctx.workDirectory(xferId);
  const copyPath = join(work, `${entry.uniqueId}.index`);
  const files: XferFile[] = [];
  try {
    mkdirSync(work, { recursive: true, mode: 0o700 });
    rmSync(copyPath, { force: true });
    const reader = new Database(join(dir, INDEX_FILE), { readonly: true, fileMustExist: true });
    try {
      reader.prepare('VACUUM INTO ?').run(copyPath);
    } finally {
      reader.close();
    }
    const copy = new Database(copyPath, { readonly: true, fileMustExist: true });
    let uids: number[];
    try {
      const row = copy.prepare<[], { uniqueid: string; xfer: string | null; state: string }>('SELECT uniqueid, xfer, state FROM mailbox WHERE id = 1').get();
      if (row?.uniqueid !== entry.uniqueId || row.state !== 'active' || row.xfer !== xferId) throw new MailError('Temp', `mailbox ${name} is not frozen for this XFER`);
      uids = [
        ...copy.prepare<[], number>('SELECT uid FROM messages ORDER BY uid').pluck().all(),
        ...copy.prepare<[], number>('SELECT uid FROM expunged WHERE file_removed = 0 ORDER BY uid').pluck().all(),
      ];
    } finally {
      copy.close();
    }
    files.push({ name: INDEX_FILE, size: statSync(copyPath).size });
    for (const uid of uids) {
      const file = messageFileName(uid);
      try {
        files.push({ name: file, size: statSync(join(dir, file)).size });
      } catch (err) {
        // A message without its file cannot be moved whole: the mailbox needs reconstruct first.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new MailError('Temp', `mailbox ${name}: the file of message ${uid} is missing; run reconstruct`);
        throw err;
      }
    }
  } catch (err) {
    rmSync(copyPath, { force: true });
    throw fsError(err, `xfer copy ${name}`);
  }
  const sizes = new Map(files.map((f) => [f.name, f.size]));
  return {
    entry,
    files,
    async read(file, offset, length) {
      const size = sizes.get(file);
      if (size === undefined || offset < 0 || offset + length > size) throw new MailError('Invalid', `xfer read outside ${file}`);
      const handle = await open(file === INDEX_FILE ? copyPath : join(dir, file), 'r');
      try {
        const buffer = Buffer.alloc(length);
        let done = 0;
        while (done < length) {
          const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
          if (bytesRead === 0) throw new MailError('Temp', `mailbox ${name}: ${file} is shorter than it was`);
          done += bytesRead;
        }
        return buffer;
      } catch (err) {
        throw fsError(err, `xfer read ${name}/${file}`);
      } finally {
        await handle.close();
      }
    },
    state() {
      const current = ctx.lookup(name) ?? entry;
      const root = ctx.quotas.get(name);
      return {
        name,
        uniqueId: entry.uniqueId,
        acl: current.acl,
        specialUse: current.specialUse,
        uidValidity: current.uidValidity,
        createdModseq: current.createdModseq,
        quota: root === null ? null : root.limits,
        annotations: ctx.annotations.everyValueOf(entry.uniqueId).map((a) => ({ entry: a.entry, userid: a.userid, value: a.value.toString('base64') })),
        seen: ctx.seen.everyUserOf(entry.uniqueId),
        files,
      };
    },
    close() {
      rmSync(copyPath, { force: true });
    },
  };
}

/** What lives beside a user's mailboxes: subscriptions and Sieve scripts (read now, sent last). */
export function exportUser(ctx: XferSourceContext, userid: string): XferUserState {
  const scripts = ctx.sieve.list(userid);
  return {
    userid,
    subscriptions: ctx.subscriptions.list(userid),
    sieve: {
      active: scripts.find((s) => s.active)?.name ?? null,
      scripts: scripts.map((s) => ({ name: s.name, content: (ctx.sieve.get(userid, s.name) ?? Buffer.alloc(0)).toString('base64') })),
    },
  };
}

/** Give a move up: the mailboxes (and a user's scripts) may change again here; nothing was removed. */
export function abortXfer(ctx: XferSourceContext, xferId: string): void {
  const moves = ctx.list.xfers.moves(xferId);
  for (const move of moves) {
    const entry = ctx.lookup(move.name);
    if (entry === null || entry.uniqueId !== move.uniqueId) continue;
    thawIndex(ctx.directoryOf(entry.name, entry.partition), ctx.durable, xferId);
    ctx.changed(entry.name);
  }
  const userid = moves.find((m) => m.userid !== null)?.userid ?? null;
  if (userid !== null) ctx.sieve.thawUser(userid);
  ctx.list.xfers.drop(xferId);
  rmSync(ctx.workDirectory(xferId), { recursive: true, force: true });
}

/**
 * The target has the mailboxes and the master lists them there: remove the copies here without
 * telling the master, and what went with them. Safe to run again after a crash part way.
 */
export function finishXfer(ctx: XferSourceContext, xferId: string): string[] {
  const moves = ctx.list.xfers.moves(xferId);
  const removed: string[] = [];
  for (const move of [...moves].reverse()) {
    const entry = ctx.list.get(move.name);
    if (entry === null || entry.uniqueId !== move.uniqueId || !isLocal(ctx, entry)) continue;
    ctx.forgetHandle(entry.name);
    destroyMailbox(ctx.relocateContext(), entry, { quietly: true });
    ctx.seen.forgetMailbox(entry.uniqueId);
    ctx.annotations.forgetMailbox(entry.uniqueId);
    pruneEmptyDirectories(ctx.directoryOf(entry.name, entry.partition), ctx.partitionRoot(entry.partition));
    removed.push(entry.name);
    ctx.changed(entry.name);
  }
  const userid = moves.find((m) => m.userid !== null)?.userid ?? null;
  const inbox = moves.find((m) => isUserInbox(m.name) && m.userid !== null)?.name ?? null;
  if (userid !== null && inbox !== null) {
    // The user's quota roots, subscriptions and scripts went with them (Cyrus's user_deletedata).
    ctx.quotas.moveRoots(inbox, null);
    ctx.subscriptions.forgetUser(userid);
    ctx.sieve.moveUser(userid, null);
  } else {
    for (const move of moves) if (ctx.quotas.get(move.name) !== null) ctx.quotas.removeRoot(move.name);
  }
  ctx.list.xfers.drop(xferId);
  rmSync(ctx.workDirectory(xferId), { recursive: true, force: true });
  return removed.reverse();
}
