/**
 * XFER on the target backend, the file and database side: a staging per move received.
 *
 *   add       the name is reserved in mailboxes.db (a 'reserved' entry, never announced to the
 *             mupdate master, as a CREATE under way) and its directory emptied
 *   write     the files arrive in order, each written where the mailbox will live
 *   commit    every file complete and on disk; the index (a copy of the source's frozen one)
 *             checked against its files and identity; annotations, seen state, quota roots and a
 *             user's subscriptions and scripts written; then ONE mailboxes.db transaction makes the
 *             mailboxes appear (their outbox rows tell the master) and records the commit in
 *             xfer_log, refused if the source gave the move up first. Only then are the headers
 *             written and the indexes thawed ("settled"); a crash in between leaves that to the
 *             recovery (settlePendingXfers), the mailboxes whole but frozen meanwhile.
 *   discard   the session ended without a commit: files, reservations and lock files go.
 *
 * Before the commit nothing of a move is visible here (no header, a reserved entry), and
 * reconstruct -m clears such a reservation rather than completing it (no header).
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { MailError } from '../common/errors.js';
import { writeTransaction } from '../common/sqlite.js';
import { INDEX_FILE, IndexDb, fsError, fsyncDirectory, messageFileName, pruneEmptyDirectories, removeMailboxFiles } from '../mailbox/index.js';
import { INDEX_SCHEMA_VERSION } from '../mailbox/index-db.js';
import { isUserInbox, ownerOf } from '../names/index.js';
import type { MailboxEntry } from './mailbox-list.js';
import type { QuotaUsage } from './quotas.js';
import { thawIndex } from './xfer-source.js';
import { xferFileNameProblem, type XferMailboxState, type XferStores, type XferUserState } from './xfer-types.js';

export interface XferTargetContext extends XferStores {
  checkName(name: string): void;
  partitions(): ReadonlySet<string>;
  /** The partition for a new mailbox `name` (`explicit` checked, else the store's choice). */
  choosePartition(name: string, explicit: string | undefined): string;
  partitionRoot(partition: string): string;
  directoryOf(name: string, partition: string): string;
  creationLockFile(uniqueId: string): string;
  isStaleReservation(entry: MailboxEntry): boolean;
  /** Exists when `dir` holds a live mailbox other than one of `replaceable`. */
  checkDirectoryFree(dir: string, name: string, replaceable: ReadonlySet<string>): void;
  rewriteHeader(name: string): void;
  changed(name: string): void;
}

interface Staged {
  name: string;
  uniqueId: string;
  partition: string;
  dir: string;
  /** Bytes written so far per file. */
  written: Map<string, number>;
  state: XferMailboxState | null;
}

/** Files fsynced at once at commit. */
const SYNC_CONCURRENCY = 32;

export class XferStaging {
  private readonly staged = new Map<string, Staged>();
  private user: XferUserState | null = null;
  private ended = false;

  constructor(private readonly ctx: XferTargetContext, readonly xferId: string) {}

  get mailboxNames(): string[] {
    return [...this.staged.keys()];
  }

  private live(): void {
    if (this.ended) throw new MailError('Cannot', `XFER ${this.xferId} has ended`);
  }

  /**
   * Reserve `name` for a mailbox arriving with `uniqueId`. The partition: the one asked for, else
   * the source's when this server has one of that name (as Cyrus keeps it), else the store's
   * choice. Returns it.
   */
  addMailbox(name: string, uniqueId: string, asked: string | null, sourcePartition: string): string {
    this.live();
    const { ctx } = this;
    ctx.checkName(name);
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(uniqueId)) throw new MailError('Invalid', 'XFER: malformed uniqueid');
    if (this.staged.has(name)) throw new MailError('Exists', `mailbox ${name} is already part of this XFER`);
    if (ctx.list.xfers.logged(this.xferId) !== null) throw new MailError('Cannot', `XFER ${this.xferId} has already ended here`);
    const partition = ctx.choosePartition(name, asked ?? (ctx.partitions().has(sourcePartition) ? sourcePartition : undefined));
    const dir = ctx.directoryOf(name, partition);
    const lockFile = ctx.creationLockFile(uniqueId);
    try {
      mkdirSync(dirname(lockFile), { recursive: true, mode: 0o700 });
      writeFileSync(lockFile, `${process.pid}\n`, { mode: 0o600 });
    } catch (err) {
      throw fsError(err, `xfer reserve ${name}`);
    }
    const replaceable = new Set([uniqueId]);
    try {
      ctx.list.write('xfer reserve', () => {
        const existing = ctx.list.get(name);
        if (existing) {
          if (!ctx.isStaleReservation(existing)) throw new MailError('Exists', `mailbox ${name} already exists here`);
          replaceable.add(existing.uniqueId);
          ctx.list.remove(existing.name);
        }
        const same = ctx.list.getByUniqueId(uniqueId);
        if (same && !(same.type.includes('reserved') && ctx.isStaleReservation(same))) throw new MailError('Exists', `a mailbox with uniqueid ${uniqueId} already exists here (${same.name})`);
        if (same) ctx.list.remove(same.name);
        const modseq = ctx.list.nextCounter('modseq');
        ctx.list.insert({
          name, uniqueId, partition, acl: '', type: ['reserved'], server: null, createdModseq: modseq, modifiedModseq: modseq,
          // A reservation's age is read from its uidvalidity (the real one comes with the commit).
          uidValidity: Math.floor(Date.now() / 1000), specialUse: null, quotaRoot: null,
        });
      });
      ctx.checkDirectoryFree(dir, name, replaceable);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      removeMailboxFiles(dir); // a leftover of an earlier attempt (it takes the empty directory too)
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      this.unreserve(name, uniqueId);
      rmSync(lockFile, { force: true });
      throw fsError(err, `xfer reserve ${name}`);
    }
    this.staged.set(name, { name, uniqueId, partition, dir, written: new Map(), state: null });
    return partition;
  }

  private mailbox(name: string): Staged {
    this.live();
    const staged = this.staged.get(name);
    if (staged === undefined) throw new MailError('NotFound', `mailbox ${name} is not part of this XFER`);
    return staged;
  }

  /** Write pieces of files, each starting where its file ends so far. */
  async write(name: string, pieces: ReadonlyArray<{ file: string; offset: number; data: Buffer }>): Promise<void> {
    const staged = this.mailbox(name);
    const expected = new Map(staged.written);
    for (const piece of pieces) {
      const problem = xferFileNameProblem(piece.file);
      if (problem !== null) throw new MailError('Invalid', `XFER: ${problem}`);
      if (piece.offset !== (expected.get(piece.file) ?? 0)) throw new MailError('Invalid', `XFER: ${piece.file} out of order (offset ${piece.offset})`);
      expected.set(piece.file, piece.offset + piece.data.length);
    }
    for (const piece of pieces) {
      const handle = await open(join(staged.dir, piece.file), piece.offset === 0 ? 'w' : 'r+', 0o600);
      try {
        let done = 0;
        while (done < piece.data.length) done += (await handle.write(piece.data, done, piece.data.length - done, piece.offset + done)).bytesWritten;
      } catch (err) {
        throw fsError(err, `xfer write ${name}/${piece.file}`);
      } finally {
        await handle.close();
      }
      staged.written.set(piece.file, piece.offset + piece.data.length);
    }
  }

  setState(state: XferMailboxState): void {
    const staged = this.mailbox(state.name);
    if (state.uniqueId !== staged.uniqueId) throw new MailError('Invalid', 'XFER: the state names another mailbox');
    staged.state = state;
  }

  setUser(state: XferUserState): void {
    this.live();
    this.user = state;
  }

  /**
   * Make the mailboxes this server's. Throws with nothing visible left behind (the staging is then
   * discarded); once it returns the move is committed here, whatever happens next.
   */
  async commit(): Promise<string[]> {
    this.live();
    const { ctx } = this;
    if (this.staged.size === 0) throw new MailError('Invalid', 'XFER: nothing to commit');
    if (ctx.list.xfers.logged(this.xferId) !== null) throw new MailError('Cannot', `XFER ${this.xferId} has already ended here`);
    const all = [...this.staged.values()];
    for (const staged of all) {
      if (staged.state === null) throw new MailError('Invalid', `XFER: no state for ${staged.name}`);
      for (const file of staged.state.files) {
        if (staged.written.get(file.name) !== file.size) throw new MailError('Invalid', `XFER: ${staged.name}/${file.name} is incomplete`);
      }
    }
    const user = this.user;
    if (user !== null) {
      // A user arrives with their INBOX, and their subscriptions are mailbox names.
      if (!all.some((s) => isUserInbox(s.name) && ownerOf(s.name) === user.userid)) throw new MailError('Invalid', `XFER: user ${user.userid} without their INBOX`);
      for (const name of user.subscriptions) ctx.checkName(name);
    }
    await this.syncFiles(all);
    // Discarded meanwhile (the source's connection ended, or it gave the move up): nothing to commit.
    this.live();
    const checked = all.map((staged) => ({ staged, ...this.checkIndex(staged) }));
    const undo: Array<() => void> = [];
    try {
      this.writeBeside(checked, undo);
      const pairs: Array<[string, string]> = all.map((s) => [s.name, s.uniqueId]);
      ctx.list.write('xfer commit', () => {
        ctx.list.xfers.logCommit(this.xferId, pairs);
        for (const { staged, highestModseq } of checked) {
          const state = staged.state!;
          const current = ctx.list.get(staged.name);
          if (!current || current.uniqueId !== staged.uniqueId || !current.type.includes('reserved')) {
            throw new MailError('Temp', `XFER: the reservation of ${staged.name} was taken over`);
          }
          ctx.list.put({
            name: staged.name, uniqueId: staged.uniqueId, partition: staged.partition, acl: state.acl, type: [], server: null,
            createdModseq: state.createdModseq, modifiedModseq: ctx.list.nextCounter('modseq'), uidValidity: state.uidValidity,
            specialUse: state.specialUse, quotaRoot: ctx.quotas.rootOf(staged.name),
          });
          ctx.list.raiseCounter('modseq', Math.max(highestModseq, state.createdModseq));
          ctx.list.raiseCounter('uidvalidity', state.uidValidity);
        }
      });
    } catch (err) {
      for (const step of undo.reverse()) {
        try {
          step();
        } catch (e) {
          ctx.logger.warn({ err: e, xfer: this.xferId }, 'xfer: undoing a failed commit');
        }
      }
      throw err;
    }
    this.ended = true;
    for (const staged of all) rmSync(ctx.creationLockFile(staged.uniqueId), { force: true });
    try {
      settleCommitted(ctx, this.xferId, all.map((s) => [s.name, s.uniqueId]));
    } catch (err) {
      // Committed all the same: the recovery writes the headers and thaws the mailboxes later.
      ctx.logger.error({ err, xfer: this.xferId }, 'xfer: cannot settle a commit now; the recovery will');
    }
    for (const staged of all) ctx.changed(staged.name);
    return all.map((s) => s.name);
  }

  /** Every file of the move on disk, then the directories that name them. */
  private async syncFiles(all: readonly Staged[]): Promise<void> {
    if (!this.ctx.durable) return;
    const paths = all.flatMap((s) => s.state!.files.map((f) => join(s.dir, f.name)));
    let next = 0;
    const worker = async () => {
      while (next < paths.length) {
        const path = paths[next++]!;
        const handle = await open(path, 'r+');
        try {
          await handle.datasync();
        } finally {
          await handle.close();
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(SYNC_CONCURRENCY, paths.length) }, worker));
      for (const staged of all) {
        fsyncDirectory(staged.dir, true);
        fsyncDirectory(dirname(staged.dir), true);
      }
    } catch (err) {
      throw fsError(err, 'xfer sync');
    }
  }

  /**
   * The received index: readable, of a format this server knows, the mailbox announced, frozen by
   * this move, and every record's file here with its size. Returns what the commit needs of it.
   */
  private checkIndex(staged: Staged): { usage: QuotaUsage; highestModseq: number } {
    const path = join(staged.dir, INDEX_FILE);
    let version: number;
    try {
      const raw = new Database(path, { readonly: true, fileMustExist: true });
      try {
        version = raw.pragma('user_version', { simple: true }) as number;
        if (raw.pragma('quick_check', { simple: true }) !== 'ok') throw new MailError('Invalid', `XFER: the index of ${staged.name} is damaged`);
      } finally {
        raw.close();
      }
    } catch (err) {
      if (err instanceof MailError) throw err;
      throw new MailError('Invalid', `XFER: the index of ${staged.name} cannot be read: ${(err as Error).message}`);
    }
    if (version > INDEX_SCHEMA_VERSION) throw new MailError('Cannot', `XFER: the index of ${staged.name} is of a newer format (${version}) than this server reads`);
    const index = IndexDb.open(staged.dir, this.ctx.durable);
    try {
      return writeTransaction(index.db, 'xfer check index', () => {
        const row = index.mailbox();
        if (row.uniqueid !== staged.uniqueId || row.state !== 'active' || row.xfer !== this.xferId) {
          throw new MailError('Invalid', `XFER: the index of ${staged.name} is not the mailbox announced`);
        }
        for (const message of index.stmts.allMessages.iterate()) {
          const file = messageFileName(message.uid);
          if (staged.written.get(file) === undefined) throw new MailError('Invalid', `XFER: ${staged.name} lacks the file of message ${message.uid}`);
          if (statSync(join(staged.dir, file)).size !== message.size) throw new MailError('Invalid', `XFER: ${staged.name}/${file} is not the size its record says`);
        }
        // An expunged message whose file did not come cannot be restored here: say so in the index.
        for (const { uid } of index.stmts.expungedWithFiles.all()) {
          if (staged.written.get(messageFileName(uid)) === undefined) index.stmts.markFileRemoved.run(uid);
        }
        if (row.name !== staged.name) index.stmts.setName.run(staged.name);
        const counts = index.stmts.counts.get()!;
        return { usage: { storage: counts.size ?? 0, messages: counts.messages, mailboxes: 1 }, highestModseq: row.highestmodseq };
      });
    } finally {
      index.close();
    }
  }

  /** What lives beside the mailboxes, written before the commit (each step's undo pushed to `undo`). */
  private writeBeside(checked: ReadonlyArray<{ staged: Staged; usage: QuotaUsage }>, undo: Array<() => void>): void {
    const { ctx } = this;
    for (const { staged } of checked) {
      const state = staged.state!;
      undo.push(() => ctx.annotations.forgetMailbox(staged.uniqueId));
      ctx.annotations.replaceAll(staged.uniqueId, state.annotations.map((a) => ({ entry: a.entry, userid: a.userid, value: Buffer.from(a.value, 'base64') })));
      undo.push(() => ctx.seen.forgetMailbox(staged.uniqueId));
      ctx.seen.replaceMailbox(staged.uniqueId, state.seen);
      if (state.quota !== null) {
        const created = ctx.quotas.get(staged.name) === null;
        ctx.quotas.setLimits(staged.name, state.quota);
        if (created) undo.push(() => ctx.quotas.removeRoot(staged.name));
      }
    }
    for (const { staged, usage } of checked) {
      ctx.quotas.charge(staged.name, usage, 'ignore');
      undo.push(() => ctx.quotas.charge(staged.name, { storage: -usage.storage, messages: -usage.messages, mailboxes: -usage.mailboxes }, 'ignore'));
    }
    const user = this.user;
    if (user !== null) {
      undo.push(() => ctx.subscriptions.forgetUser(user.userid));
      ctx.subscriptions.replaceUser(user.userid, user.subscriptions);
      undo.push(() => ctx.sieve.moveUser(user.userid, null));
      // Whatever an earlier move left of the user here is not theirs any more.
      ctx.sieve.moveUser(user.userid, null);
      for (const script of user.sieve.scripts) ctx.sieve.put(user.userid, script.name, Buffer.from(script.content, 'base64'));
      if (user.sieve.active !== null) ctx.sieve.setActive(user.userid, user.sieve.active);
    }
  }

  private unreserve(name: string, uniqueId: string): void {
    try {
      this.ctx.list.write('xfer unreserve', () => {
        const current = this.ctx.list.get(name);
        if (current && current.uniqueId === uniqueId && current.type.includes('reserved')) this.ctx.list.remove(name);
      });
    } catch (err) {
      this.ctx.logger.warn({ err, mailbox: name }, 'xfer: cannot drop a reservation');
    }
  }

  /** Forget the move: what was written goes, the names are free again. Nothing when it committed. */
  discard(): void {
    if (this.ended) return;
    this.ended = true;
    for (const staged of [...this.staged.values()].reverse()) {
      try {
        removeMailboxFiles(staged.dir);
        pruneEmptyDirectories(staged.dir, this.ctx.partitionRoot(staged.partition));
      } catch (err) {
        this.ctx.logger.warn({ err, mailbox: staged.name }, 'xfer: cannot remove the files of a discarded move');
      }
      this.unreserve(staged.name, staged.uniqueId);
      rmSync(this.ctx.creationLockFile(staged.uniqueId), { force: true });
    }
  }
}

/**
 * After a commit: each mailbox's header written and its index thawed, then the log row marked
 * settled. Run again by the recovery after a crash in between (settlePendingXfers).
 */
export function settleCommitted(ctx: Pick<XferTargetContext, 'list' | 'durable' | 'directoryOf' | 'rewriteHeader' | 'logger'>, xferId: string, names: ReadonlyArray<[string, string]>): void {
  for (const [name, uniqueId] of names) {
    const entry = ctx.list.get(name);
    if (entry === null || entry.uniqueId !== uniqueId || entry.type.length !== 0) continue;
    ctx.rewriteHeader(name);
    thawIndex(ctx.directoryOf(name, entry.partition), ctx.durable, xferId);
  }
  ctx.list.xfers.settle(xferId);
}

/** Finish the commits a crash interrupted before their mailboxes were thawed; returns their ids. */
export function settlePendingXfers(ctx: Pick<XferTargetContext, 'list' | 'durable' | 'directoryOf' | 'rewriteHeader' | 'logger'>): string[] {
  const done: string[] = [];
  for (const pending of ctx.list.xfers.unsettled()) {
    settleCommitted(ctx, pending.xferId, pending.names);
    ctx.logger.info({ xfer: pending.xferId, mailboxes: pending.names.length }, 'xfer: settled a commit a crash had interrupted');
    done.push(pending.xferId);
  }
  return done;
}
