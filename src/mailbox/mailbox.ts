/**
 * An open mailbox: the one way to append, change flags, expunge and read messages. Every write
 * takes the index write lock (SQLite BEGIN IMMEDIATE), so any number of processes may work on one
 * mailbox at once; readers never wait on writers (WAL). Handles are shared per process and
 * refcounted by the store (MailStore.openMailbox / Mailbox.close).
 */
import { renameSync, rmSync, statSync } from 'node:fs';
import { MailError } from '../common/errors.js';
import type { AppendFacts } from '../common/append-facts.js';
import { checkpointLater, changeMarks, readTransaction, sameMarks, sqliteError, withPageCache, withoutBusyWait, writeTransaction, type ChangeMarks, type WriteOptions } from '../common/sqlite.js';
import { rangesContain, type UidRanges } from './seqset.js';
import { appendPageCacheKiB, discardTemps, prepareMessages } from './append.js';
import { dirPrefix, fsyncDirectory, fsyncPaths, messageFileError, messageFileName } from './files.js';
import { FLAG_DELETED, FLAG_SEEN, decodeKeywords, encodeKeywords, flagNames, parseFlags } from './flags.js';
import { applyWrites, checkWrites, readAnnotations, type AnnotationValues, type AnnotationWrite, type StoredAnnotation } from './annotations.js';
import { putMessageFields, type IndexDb, type MailboxRow, type MessageRow } from './index-db.js';
import { StoredFieldQueries } from './message-fields.js';
import { cachedStatus, keepStatus, quietStatus } from './status-cache.js';
import { MessageReader } from './reader.js';
import { MailboxSnapshot } from './snapshot.js';
import { compareUsage, compareWithFiles, examineIndex, type Examination, type ExamineSelection, type FileMismatch } from './examine.js';
import { fillSearchText, searchTextState, unindexedUids, type SearchFillOptions, type SearchFillReport, type SearchTextState } from './search-fill.js';
import { CACHE_FROM, cachedColumns, keepColumns, olderColumns, type SnapshotColumns } from './snapshot-cache.js';
import { PATCH_AT_MOST, columnWithRoom, patchColumns } from './snapshot-patch.js';
import { countNumbers, fillNumbers, mergeSeen, pauseForOthers, prepareSeen, seenMerged } from './snapshot-load.js';
import type {
  AppendItem, AppendOptions, AppendResult, Changes, CopyResult, ExpungeOptions, FlagChangeResult, FlagMode,
  MailboxContext, MailboxStatus, MessageRecord, MoveResult, SetFlagsOptions, StatusOptions,
} from './types.js';

export class Mailbox extends MessageReader {
  /** Set when this process renamed or deleted the mailbox: the handle is dead. */
  private gone = false;
  private holders = 1;
  private fieldQueries: StoredFieldQueries | null = null;
  /** mailbox_maxmessages_user for this name (a handle keeps its name: a rename makes a new one). */
  private messageLimit: number | undefined;

  constructor(
    readonly name: string,
    readonly uniqueId: string,
    readonly partition: string,
    /** The mailbox directory on its partition. */
    readonly path: string,
    index: IndexDb,
    private readonly ctx: MailboxContext,
  ) {
    super(path, index, ctx);
  }

  /** SORT, THREAD and SEARCH over the fields stored at append (message-fields.ts). */
  get fields(): StoredFieldQueries {
    if (this.gone) throw new MailError('NotFound', `mailbox ${this.name} no longer exists`);
    return (this.fieldQueries ??= new StoredFieldQueries(this.index, this.ctx.searchIndex === true));
  }

  get sharedSeen(): boolean {
    return this.index.mailbox().sharedseen === 1;
  }

  /** @internal the store hands out the same handle again. */
  retain(): this {
    this.holders++;
    return this;
  }

  /** Give back this holder's reference; after the last one the store keeps it idle or closes it. */
  close(): void {
    if (--this.holders > 0) return;
    // Renamed, deleted or its store closed: the store has forgotten it, nobody else will close it.
    if (this.gone) this.index.close();
    else this.ctx.release(this.name);
  }

  /** @internal No holder: the store may keep it open for the next one (MailStore.openMailbox). */
  get idle(): boolean {
    return this.holders <= 0;
  }

  /** @internal Whether the index file open here is still the mailbox's (not rebuilt in a new file). */
  get sameIndexFile(): boolean {
    return this.index.sameFile();
  }

  /** @internal The store closes the index of a handle nobody holds. */
  closeIndex(): void {
    this.index.close();
  }

  /**
   * What changesSince last read from the index row, with the connection's change marks then; or
   * what a write of this handle left when it followed that look with nothing else committed in
   * between, with the records it wrote (see lookBeforeWrite).
   */
  private lastLook: LastLook | null = null;

  /**
   * Inside a write transaction of its own (the write lock held): the last look when no connection
   * committed since, so that the state is that look's and this write's changes are all there is
   * to tell. Null when another commit came in between (or inside a caller's transaction, which
   * may still roll back).
   */
  private lookBeforeWrite(ownTransaction: boolean): LastLook | null {
    const last = this.lastLook;
    if (!ownTransaction || last === null || this.gone) return null;
    return sameMarks(last.marks, changeMarks(this.index.db)) ? last : null;
  }

  /**
   * Inside the same transaction, after its last statement: the look that follows the write (the
   * marks as they stay after the commit: total_changes() counts the rows written, and this
   * connection's own commit does not move data_version), to set once the commit succeeded.
   */
  private lookAfterWrite(before: LastLook | null, row: MailboxRow, highestModseq: number, uidNext: number, records: MessageRow[], expunged: number[]): LastLook | null {
    if (before === null) return null;
    const own = highestModseq === before.highestModseq ? before.own : chainWrite(before, row, highestModseq, records, expunged);
    return { marks: changeMarks(this.index.db), highestModseq, uidNext, own, row: null, moved: false, stale: false };
  }

  /**
   * Inside a write transaction of its own, after its last statement, when the look before it was
   * not the index's state: the state the transaction read, as a look (own writes unknown), so that
   * the next sync reads nothing when nobody commits after it (a \Recent claim after an IDLE push).
   */
  private lookInsideWrite(row: MailboxRow): LastLook {
    return { marks: changeMarks(this.index.db), highestModseq: row.highestmodseq, uidNext: row.uidnext, own: null, row: null, moved: false, stale: false };
  }

  /** @internal the store renamed or deleted this mailbox. */
  invalidate(): void {
    this.gone = true;
  }

  /** The index row, after checking the mailbox is still here (call inside a transaction). */
  private active(): MailboxRow {
    const row = this.index.mailbox();
    if (this.gone || row.state !== 'active') throw new MailError('NotFound', `mailbox ${this.name} no longer exists`);
    return row;
  }

  /**
   * The index row for a change of the records (inside the write transaction): as active(), and
   * refused while an XFER moves the mailbox to another server (its copy must stay the mailbox).
   */
  private writable(): MailboxRow {
    const row = this.active();
    if (row.xfer !== null) throw movingError(this.name);
    return row;
  }

  /** Whether an XFER is moving the mailbox to another server: its records cannot change meanwhile. */
  get frozen(): boolean {
    return !this.gone && this.index.mailbox().xfer !== null;
  }

  /**
   * `userid`'s \Seen where it is not the records' bit: null when it is (sharedseen, or `userid` is
   * the owner the bits belong to, seen-owner.ts), else the user's seen.db ranges; no user: none.
   */
  private seenRanges(row: MailboxRow, userid: string | null | undefined): UidRanges | null {
    if (row.sharedseen === 1) return null;
    if (!userid) return NO_SEEN;
    if (row.seen_owner === userid) return null;
    return this.ctx.seen.seen(userid, this.uniqueId);
  }

  protected record(row: MessageRow, seen: UidRanges | null): MessageRecord {
    const system = seen === null ? row.flags : (row.flags & ~FLAG_SEEN) | (rangesContain(seen, row.uid) ? FLAG_SEEN : 0);
    return {
      uid: row.uid,
      modseq: row.modseq,
      flags: flagNames(system, decodeKeywords(row.keywords)),
      internalDate: new Date(row.internaldate),
      saveDate: new Date(row.savedate),
      size: row.size,
      guid: row.guid,
    };
  }

  /** Keywords in their defined spelling; new ones are defined. Returns [keywords, defined any]. */
  private canonicalKeywords(keywords: readonly string[]): [string[], boolean] {
    if (keywords.length === 0) return [[], false];
    const known = new Map(this.index.stmts.userFlags.all().map((r) => [r.name.toLowerCase(), r.name]));
    let defined = false;
    const out = keywords.map((k) => {
      const existing = known.get(k.toLowerCase());
      if (existing) return existing;
      this.index.stmts.addUserFlag.run(k);
      known.set(k.toLowerCase(), k);
      defined = true;
      return k;
    });
    return [out, defined];
  }

  /** Counters for STATUS; `deleted` (indexed count of \\Deleted messages) only when asked. */
  status(userid?: string | null, opts: StatusOptions = {}): MailboxStatus {
    const keep = !this.index.db.inTransaction;
    // No commit to the index since this connection kept an answer for the user: that answer, without
    // a read transaction (issue 16: STATUS under load). The marks are read before the transaction
    // below: a commit in between only makes the next STATUS read the row again.
    let marks: ChangeMarks | null = null;
    if (keep && !this.gone) {
      try {
        marks = changeMarks(this.index.db);
      } catch (err) {
        throw sqliteError(err, 'status');
      }
      const quiet = quietStatus(this.index.identity, userid, this.index.db, marks);
      if (quiet !== null) return { ...quiet, deleted: opts.deleted ? quiet.deleted : null }; // a copy (quiet is the kept one)
    }
    return readTransaction(this.index.db, 'status', () => {
      const row = this.active();
      // The same row as a STATUS answered before in this process: that answer (status-cache.ts).
      const kept = cachedStatus(this.index.identity, userid, row, this.index.db, marks);
      if (kept !== null) return { ...kept, deleted: opts.deleted ? kept.deleted : null };
      // Counts and size are counters of the mailbox row, kept by triggers in the writers' transactions.
      let columns: SnapshotColumns | null = null;
      let unseen: number | null = null;
      if (userid || row.sharedseen === 1) {
        const seen = this.seenRanges(row, userid);
        if (seen === null) unseen = row.messages_count - row.messages_seen;
        else {
          // Unseen = messages - messages inside the user's seen ranges: one indexed count per range,
          // or for many ranges one walk of the snapshot's UIDs beside them.
          let seenCount = 0;
          if (seen.length > MANY_RANGES) {
            columns = cachedColumns(this.index.identity, row.uniqueid, row.uidvalidity, row.uidnext, row.highestmodseq) ?? this.patchedColumns(row, keep) ?? this.readColumns(row, keep);
          }
          if (columns === null) for (const [lo, hi] of seen) seenCount += this.index.stmts.countBetween.get(lo, hi) as number;
          else seenCount = countInRanges(columns.uids, seen);
          unseen = row.messages_count - seenCount;
        }
      }
      // \Recent from kept columns (brought up to date) when there are: a count of the records above
      // the mark reads them all when nobody claimed \Recent for long.
      columns ??= cachedColumns(this.index.identity, row.uniqueid, row.uidvalidity, row.uidnext, row.highestmodseq) ?? this.patchedColumns(row, keep);
      const recent = columns === null ? this.index.stmts.countAbove.get(row.recentuid)!.n : columns.uids.length - upperBound(columns.uids, row.recentuid);
      const status: MailboxStatus = {
        uidValidity: row.uidvalidity, uidNext: row.uidnext, highestModseq: row.highestmodseq, deletedModseq: row.deletedmodseq,
        messages: row.messages_count, recent, unseen, deleted: row.messages_deleted, size: row.messages_size,
      };
      if (keep) keepStatus(this.index.identity, userid, row, status, this.index.db, marks);
      return { ...status, deleted: opts.deleted ? status.deleted : null };
    });
  }

  /**
   * Append one or more messages, all or none (MULTIAPPEND). Returns once files and index are
   * durable. Throws Temp (disk full, unwritable partition) with nothing left behind.
   */
  async append(items: readonly AppendItem[], opts: AppendOptions = {}): Promise<AppendResult> {
    if (this.gone) throw new MailError('NotFound', `mailbox ${this.name} no longer exists`);
    const prepared = await prepareMessages(this.path, items, this.ctx);
    const renamed: string[] = [];
    let defined = false;
    const charge = { storage: prepared.reduce((total, p) => total + p.size, 0), messages: prepared.length };
    let charged = false;
    let result: AppendResult;
    // Group commit: the commit does not wait for the disk on the event loop; the directory of the
    // renamed files and the WAL are fsynced on the thread pool before append resolves, so the
    // caller still answers only once both are on disk (syncAfterCommit below).
    const syncAfterCommit = this.ctx.durable && !this.index.db.inTransaction;
    const syncPaths = [`${this.index.file}-wal`];
    // The directory fsync of the renamed files, started inside the transaction once they are all
    // renamed: it runs on the thread pool while the records are inserted.
    const directory: { synced: Promise<void> | null } = { synced: null };
    const ownTransaction = !this.index.db.inTransaction;
    let look: LastLook | null = null;
    // What the commit did, for the sessions of other processes (only a transaction of its own: a
    // caller's may still roll back, or hold other changes).
    let facts: AppendFacts | undefined;
    try {
      result = withPageCache(this.index.db, appendPageCacheKiB(prepared), () => writeTransaction(this.index.db, 'append', () => {
        const row = this.writable();
        const before = this.lookBeforeWrite(ownTransaction);
        const s = this.index.stmts;
        const limit = (this.messageLimit ??= this.ctx.messageLimit(this.name));
        if (limit > 0 && row.messages_count + prepared.length > limit) {
          throw new MailError('Limit', 'mailbox holds too many messages', { limit });
        }
        const modseq = row.highestmodseq + 1;
        const now = Date.now();
        // \Seen goes to the records' bit when it is the user's (the owner's, or everyone's: sharedseen).
        const inRecord = row.sharedseen === 1 || (!!opts.userid && row.seen_owner === opts.userid);
        let uid = row.uidnext;
        const uids: number[] = [];
        const written: MessageRow[] = [];
        const seenUids: number[] = [];
        const inDir = dirPrefix(this.path);
        for (let k = 0; k < prepared.length; k++) {
          const target = inDir + messageFileName(uid + k);
          renameSync(prepared[k]!.tempPath, target);
          renamed.push(target);
        }
        if (syncAfterCommit) directory.synced = fsyncPaths([this.path], true);
        for (const p of prepared) {
          const [keywords, newOnes] = this.canonicalKeywords(p.flags.keywords);
          defined ||= newOnes;
          const systemBits = inRecord ? p.flags.system : p.flags.system & ~FLAG_SEEN;
          if (!inRecord && (p.flags.system & FLAG_SEEN) !== 0 && opts.userid) seenUids.push(uid);
          const record: MessageRow = { uid, modseq, flags: systemBits, keywords: encodeKeywords(keywords), internaldate: p.internalDate, savedate: now, size: p.size, guid: p.guid };
          s.insertMessage.run(uid, modseq, systemBits, record.keywords, p.internalDate, now, p.size, p.guid);
          written.push(record);
          s.putCache.run(uid, p.summaryJson);
          s.putForms.run(uid, p.forms.envelope, p.forms.bodyStructure);
          s.putHeader.run(uid, p.header);
          putMessageFields(s, uid, p.fields, p.searchText);
          const annotations = items[uid - row.uidnext]?.annotations;
          if (annotations !== undefined && annotations.length > 0) this.startAnnotations(uid, annotations);
          uids.push(uid++);
        }
        if (!syncAfterCommit) fsyncDirectory(this.path, this.ctx.durable);
        s.setCounters.run(uid, modseq);
        // \Recent for the appending session in this same transaction (not one of its own after it).
        let recent: number[] | undefined;
        if (opts.claimRecent) {
          recent = s.uidsAbove.all(row.recentuid);
          s.setRecent.run(uid - 1);
        }
        if (seenUids.length > 0) this.ctx.seen.update(opts.userid!, this.uniqueId, seenUids, [], syncAfterCommit ? { syncLater: syncPaths } : {});
        // The quota charge, last before the commit (OverQuota rolls everything back).
        this.ctx.quota?.charge(this.name, charge, opts.quota ?? 'strict');
        charged = true;
        look = this.lookAfterWrite(before, row, modseq, uid, written, []);
        if (ownTransaction) {
          facts = {
            uniqueId: row.uniqueid, uidValidity: row.uidvalidity, modseqBefore: row.highestmodseq, modseqAfter: modseq,
            firstUid: uids[0]!, lastUid: uids[uids.length - 1]!, keywords: prepared.some((p) => p.flags.keywords.length > 0),
          };
        }
        return recent === undefined ? { uidValidity: row.uidvalidity, uids } : { uidValidity: row.uidvalidity, uids, recent };
      }, syncAfterCommit ? QUIET_GROUP_COMMIT : NO_CHECKPOINT));
      if (look !== null) this.lastLook = look;
    } catch (err) {
      await directory.synced?.catch(() => undefined);
      // Never acknowledged: remove what was renamed and the temps still lying around.
      if (charged) this.refund(charge);
      for (const file of renamed) rmSync(file, { force: true });
      await discardTemps(prepared.map((p) => p.tempPath));
      throw err instanceof MailError ? err : new MailError('Temp', `append failed: ${(err as Error).message}`, { cause: String(err) });
    }
    if (syncAfterCommit) {
      try {
        await Promise.all([directory.synced, fsyncPaths(syncPaths, true, 'fdatasync')]);
      } catch (err) {
        // Committed but maybe not on disk: never acknowledged, and not to be stored again by a retry here.
        throw new MailError('Temp', `append: fsync failed: ${(err as Error).message}`, { afterCommit: true, uids: result.uids });
      }
    }
    if (defined) this.ctx.keywordsDefined(this.name);
    this.ctx.changed(this.name, facts);
    // The checkpoint its commit did not run, on a later turn when due (the news is out first).
    if (!this.gone) checkpointLater(this.index.db);
    return result;
  }

  /** squatter: put the text of the records not in the search_engine index yet into it, in short batches (search-fill.ts). */
  fillSearchText(opts?: SearchFillOptions): Promise<SearchFillReport> {
    this.active();
    return fillSearchText(this.index, this, opts);
  }

  /** How much of the mailbox the search_engine index lacks, and when squatter last filled it. */
  searchTextState(): SearchTextState {
    return searchTextState(this.index);
  }

  /** The records whose text is not in the search_engine index (squatter -A). */
  unindexedUids(): number[] {
    return unindexedUids(this.index);
  }

  /** mbexamine: header, index row and records (all, or one by UID or sequence number); read only. */
  examine(select?: ExamineSelection): Examination {
    return examineIndex(this.index, this.path, select);
  }

  /** mbexamine -c: the records whose file is missing or differs in size or GUID. */
  compareWithFiles(): { checked: number; mismatches: FileMismatch[] } {
    return compareWithFiles(this.index, this.path);
  }

  /** mbexamine -q: the index's byte count against the sizes of the files. */
  compareUsage(): ReturnType<typeof compareUsage> {
    return compareUsage(this.index, this.path);
  }

  /** Undo a quota charge whose index commit failed (a crash instead leaves it for quota -f). */
  private refund(delta: { storage: number; messages: number }): void {
    try {
      this.ctx.quota?.charge(this.name, { storage: -delta.storage, messages: -delta.messages }, 'ignore');
    } catch (err) {
      this.ctx.logger.error({ err, mailbox: this.name }, 'quota refund failed; run quota -f');
    }
  }

  /** Set, clear or replace flags; one new modseq for the whole change (CONDSTORE). */
  setFlags(uids: readonly number[], mode: FlagMode, flags: readonly string[], opts: SetFlagsOptions = {}): FlagChangeResult {
    const { result, defined } = this.changeFlags(uids, mode, flags, opts, null);
    if (defined) this.ctx.keywordsDefined(this.name);
    if (result.changed.length > 0) this.ctx.changed(this.name);
    return result;
  }

  /**
   * setFlags as a group commit (as append): the commit does not wait for the disk on the event
   * loop; the index WAL (and seen.db's, when \Seen changed) are fsynced on the thread pool, and
   * this resolves, and other sessions hear of the change, only once they are on disk. A worker
   * serving many sessions is no longer stopped for one fsync per STORE.
   */
  async setFlagsDurably(uids: readonly number[], mode: FlagMode, flags: readonly string[], opts: SetFlagsOptions = {}): Promise<FlagChangeResult> {
    if (!this.ctx.durable || this.index.db.inTransaction) return this.setFlags(uids, mode, flags, opts);
    const syncPaths = [`${this.index.file}-wal`];
    const { result, defined } = this.changeFlags(uids, mode, flags, opts, syncPaths);
    if (result.changed.length > 0 || defined) {
      try {
        await fsyncPaths(syncPaths, true, 'fdatasync');
      } catch (err) {
        throw new MailError('Temp', `store flags: fsync failed: ${(err as Error).message}`, { afterCommit: true });
      }
    }
    if (defined) this.ctx.keywordsDefined(this.name);
    if (result.changed.length > 0) this.ctx.changed(this.name);
    return result;
  }

  /**
   * Take away `userid`'s \Seen on every message (null: the records' bits, whoever's they are) and
   * keep no seen state of theirs for this mailbox: as STORE 1:* -FLAGS (\Seen) by that user (one
   * new modseq on the records that change, sessions told), then their seen.db row goes, UIDs
   * expunged since included. Under the index write lock, which every \Seen change takes, so nothing
   * the user marks meanwhile is lost; `onlyIf` is asked under that lock first (false: nothing is
   * done, null returned). cyr_userseen -d and arbitron -p.
   */
  clearSeen(userid: string | null, opts: { onlyIf?: () => boolean } = {}): FlagChangeResult | null {
    const result = writeTransaction(this.index.db, 'clear seen', () => {
      if (opts.onlyIf !== undefined && !opts.onlyIf()) return null;
      const row = this.writable();
      const inRecord = row.sharedseen === 1 || (userid !== null && row.seen_owner === userid);
      let uids: number[];
      if (inRecord || userid === null) uids = this.index.stmts.seenUids.all();
      else {
        const seen = this.ctx.seen.seen(userid, this.uniqueId);
        uids = seen.length === 0 ? [] : this.index.stmts.uidsAbove.all(0).filter((uid) => rangesContain(seen, uid));
      }
      // With no user the bits are cleared only where they are someone's (sharedseen, an owner).
      const cleared = uids.length === 0 || (userid === null && row.sharedseen !== 1 && row.seen_owner === null)
        ? { changed: [], failed: [], highestModseq: row.highestmodseq }
        : this.changeFlags(uids, 'remove', ['\\Seen'], { userid: userid ?? row.seen_owner }, null).result;
      if (userid !== null) this.ctx.seen.forget(userid, this.uniqueId);
      return cleared;
    });
    if (result !== null && result.changed.length > 0) this.ctx.changed(this.name);
    return result;
  }

  /**
   * Give messages new internal dates (ms since the epoch, by UID): mbtool -t mending a mailbox
   * restored from backup. One new modseq on the records that change (UIDs gone or already at that
   * date are passed over), remembered as the mailbox's datesmodseq so that SORT orders kept by any
   * process are read again; sessions are told as of any record change (a CONDSTORE client finds
   * them with CHANGEDSINCE, selected ones get their FETCH at the next NOOP or at once in IDLE).
   * Returns the UIDs changed, ascending.
   */
  setInternalDates(dates: ReadonlyMap<number, number>): { changed: number[]; highestModseq: number } {
    const ownTransaction = !this.index.db.inTransaction;
    let look: LastLook | null = null;
    const result = writeTransaction(this.index.db, 'set internal dates', () => {
      const row = this.writable();
      const before = this.lookBeforeWrite(ownTransaction);
      const s = this.index.stmts;
      const modseq = row.highestmodseq + 1;
      const changed: MessageRow[] = [];
      for (const uid of [...dates.keys()].sort((a, b) => a - b)) {
        const date = dates.get(uid)!;
        if (!Number.isSafeInteger(date)) throw new MailError('Invalid', `internal date of UID ${uid} is not a time`);
        const msg = s.message.get(uid);
        if (!msg || msg.internaldate === date) continue;
        s.updateInternalDate.run(date, modseq, uid);
        changed.push({ ...msg, internaldate: date, modseq });
      }
      if (changed.length > 0) {
        s.setCounters.run(row.uidnext, modseq);
        s.setDatesModseq.run(modseq);
      }
      const highestModseq = changed.length > 0 ? modseq : row.highestmodseq;
      look = this.lookAfterWrite(before, row, highestModseq, row.uidnext, changed, []);
      return { changed: changed.map((m) => m.uid), highestModseq };
    });
    if (look !== null) this.lastLook = look;
    if (result.changed.length > 0) this.ctx.changed(this.name);
    return result;
  }

  /** setFlags's transaction; with `syncLater`, a group commit (as seen.db's, which leaves its WAL there to fsync). */
  private changeFlags(uids: readonly number[], mode: FlagMode, flags: readonly string[], opts: SetFlagsOptions, syncLater: string[] | null): { result: FlagChangeResult; defined: boolean } {
    const parsed = parseFlags(flags);
    let defined = false;
    const ownTransaction = !this.index.db.inTransaction;
    let look: LastLook | null = null;
    const result = writeTransaction(this.index.db, 'store flags', () => {
      const row = this.writable();
      const before = this.lookBeforeWrite(ownTransaction);
      const userid = opts.userid ?? null;
      // \Seen in the records' bit (sharedseen, or the owner's: seen-owner.ts), else in seen.db.
      const inRecord = row.sharedseen === 1 || (userid !== null && row.seen_owner === userid);
      if (!inRecord && !userid && (parsed.system & FLAG_SEEN) !== 0) throw new MailError('Invalid', '\\Seen needs a user');
      const seen = inRecord || !userid ? null : this.ctx.seen.seen(userid, this.uniqueId);
      const s = this.index.stmts;
      let keywords: string[] = [];
      if (mode !== 'remove') [keywords, defined] = this.canonicalKeywords(parsed.keywords);
      else keywords = parsed.keywords;
      const named = new Set(keywords.map((k) => k.toLowerCase()));
      const bits = inRecord ? parsed.system : parsed.system & ~FLAG_SEEN;
      const wantSeen = (parsed.system & FLAG_SEEN) !== 0;
      const modseq = row.highestmodseq + 1;
      const changed: MessageRow[] = [];
      const failed: number[] = [];
      const seenAdd: number[] = [];
      const seenRemove: number[] = [];
      for (const uid of uids) {
        const msg = s.message.get(uid);
        if (!msg) continue;
        if (opts.unchangedSince !== undefined && msg.modseq > opts.unchangedSince) {
          failed.push(uid);
          continue;
        }
        const oldKeywords = decodeKeywords(msg.keywords);
        let newFlags = msg.flags;
        let newKeywords = oldKeywords;
        if (mode === 'add') {
          newFlags |= bits;
          const have = new Set(oldKeywords.map((k) => k.toLowerCase()));
          newKeywords = [...oldKeywords, ...keywords.filter((k) => !have.has(k.toLowerCase()))];
        } else if (mode === 'remove') {
          newFlags &= ~bits;
          newKeywords = oldKeywords.filter((k) => !named.has(k.toLowerCase()));
        } else {
          newFlags = inRecord ? bits : (msg.flags & FLAG_SEEN) | bits;
          newKeywords = keywords;
        }
        let seenChanged = false;
        if (seen !== null) {
          const was = rangesContain(seen, uid);
          const now = mode === 'add' ? was || wantSeen : mode === 'remove' ? was && !wantSeen : wantSeen;
          if (now !== was) {
            seenChanged = true;
            (now ? seenAdd : seenRemove).push(uid);
          }
        }
        const keywordsText = encodeKeywords(newKeywords);
        if (newFlags === msg.flags && sameKeywords(keywordsText, msg.keywords) && !seenChanged) continue;
        s.updateFlags.run(newFlags, keywordsText, modseq, uid);
        changed.push({ ...msg, flags: newFlags, keywords: keywordsText, modseq });
      }
      let seenAfter = inRecord ? null : seen ?? NO_SEEN;
      if (changed.length > 0) {
        s.setCounters.run(row.uidnext, modseq);
        if (userid && (seenAdd.length > 0 || seenRemove.length > 0)) seenAfter = this.ctx.seen.update(userid, this.uniqueId, seenAdd, seenRemove, syncLater ? { syncLater } : {});
      }
      look = this.lookAfterWrite(before, row, changed.length > 0 ? modseq : row.highestmodseq, row.uidnext, [...changed].sort((a, b) => a.uid - b.uid), []);
      return {
        changed: changed.map((m) => this.record(m, seenAfter)),
        failed,
        highestModseq: changed.length > 0 ? modseq : row.highestmodseq,
      };
    }, syncLater ? GROUP_COMMIT : undefined);
    if (look !== null) this.lastLook = look;
    return { result, defined };
  }

  /**
   * Remove the records of \Deleted messages (only those in `uids` when given: UID EXPUNGE).
   * With `force` (which needs `uids`), the given messages go whether \Deleted or not: MOVE's
   * second half, so no other session ever sees them flagged. Their UIDs are remembered with the
   * new modseq; files go at once under expunge_mode immediate, else at the next expireExpunged().
   */
  expunge(opts: ExpungeOptions = {}): number[] {
    const expunged = this.expungeRecords(opts, false);
    this.expunged(expunged);
    return expunged;
  }

  /**
   * expunge as a group commit (as setFlagsDurably): the index WAL is fsynced on the thread pool
   * before any file goes (expunge_mode immediate), before other sessions hear of it, and before
   * this resolves.
   */
  async expungeDurably(opts: ExpungeOptions = {}): Promise<number[]> {
    if (!this.ctx.durable || this.index.db.inTransaction) return this.expunge(opts);
    const expunged = this.expungeRecords(opts, true);
    if (expunged.length > 0) {
      try {
        await fsyncPaths([`${this.index.file}-wal`], true, 'fdatasync');
      } catch (err) {
        throw new MailError('Temp', `expunge: fsync failed: ${(err as Error).message}`, { afterCommit: true });
      }
    }
    this.expunged(expunged);
    return expunged;
  }

  /** After the commit of an expunge: the files (expunge_mode immediate), then the news. */
  private expunged(uids: readonly number[]): void {
    if (uids.length === 0) return;
    if (this.ctx.expungeImmediately) for (const uid of uids) rmSync(this.messagePath(uid), { force: true });
    this.ctx.changed(this.name);
  }

  /** expunge's transaction (a group commit: the caller fsyncs the WAL): the records go, the quota is released; returns their UIDs. */
  private expungeRecords(opts: ExpungeOptions, groupCommit: boolean): number[] {
    if (opts.force && !opts.uids) throw new MailError('Invalid', 'a forced expunge needs the UIDs to remove');
    const immediate = this.ctx.expungeImmediately;
    const released = { storage: 0, messages: 0 };
    let charged = false;
    let expunged: number[];
    const ownTransaction = !this.index.db.inTransaction;
    let look: LastLook | null = null;
    try {
      expunged = writeTransaction(this.index.db, 'expunge', () => {
        const row = this.writable();
        const before = this.lookBeforeWrite(ownTransaction);
        const s = this.index.stmts;
        // The records to remove, with their sizes (released from the quota).
        const uids: number[] = [];
        const sizes: number[] = [];
        if (opts.force) {
          for (const uid of [...new Set(opts.uids)].sort((a, b) => a - b)) {
            const size = s.messageSize.get(uid);
            if (size === undefined) continue;
            uids.push(uid);
            sizes.push(size);
          }
        } else {
          const wanted = opts.uids ? new Set(opts.uids) : null;
          for (const [uid, size] of s.deletedSizes.all()) {
            if (wanted !== null && !wanted.has(uid)) continue;
            uids.push(uid);
            sizes.push(size);
          }
        }
        if (uids.length === 0) return uids;
        const modseq = row.highestmodseq + 1;
        const now = Date.now();
        for (let i = 0; i < uids.length; i++) {
          const uid = uids[i]!;
          released.storage -= sizes[i]!;
          released.messages -= 1;
          s.deleteMessage.run(uid);
          s.deleteCache.run(uid);
          s.deleteAnnotations.run(uid);
          s.insertExpunged.run(uid, modseq, now, immediate ? 1 : 0);
        }
        s.setCounters.run(row.uidnext, modseq);
        // Expunged messages are no longer charged (delayed expunge too), released before the commit.
        this.ctx.quota?.charge(this.name, released, 'ignore');
        charged = true;
        look = this.lookAfterWrite(before, row, modseq, row.uidnext, [], uids);
        return uids;
      }, groupCommit ? GROUP_COMMIT : undefined);
    } catch (err) {
      if (charged) this.refund(released);
      throw err;
    }
    if (look !== null) this.lastLook = look;
    return expunged;
  }

  /**
   * Unlink the files of messages expunged at least `minAgeMs` ago (cyr_expire -X); returns their
   * UIDs. With `dryRun`, only returns them.
   */
  expireExpunged(minAgeMs = 0, opts: { dryRun?: boolean } = {}): number[] {
    const cutoff = Date.now() - minAgeMs;
    if (opts.dryRun) return readTransaction(this.index.db, 'expire expunged -n', () => this.index.stmts.expungedFilesBefore.all(cutoff).map((r) => r.uid));
    const removed = writeTransaction(this.index.db, 'expire expunged', () => {
      // Being moved by XFER: the files stay (the copy reads them); the next run removes them.
      if (this.active().xfer !== null) return [];
      const uids = this.index.stmts.expungedFilesBefore.all(cutoff).map((r) => r.uid);
      for (const uid of uids) this.index.stmts.markFileRemoved.run(uid);
      return uids;
    });
    for (const uid of removed) rmSync(this.messagePath(uid), { force: true });
    return removed;
  }

  /**
   * Expunged messages whose files are still here (expunge_mode delayed, not yet removed by
   * cyr_expire -X): what unexpunge can restore, in UID order.
   */
  restorable(): Array<{ uid: number; expungedAt: Date }> {
    return readTransaction(this.index.db, 'restorable', () => this.index.stmts.restorableExpunged.all().map((r) => ({ uid: r.uid, expungedAt: new Date(r.expunged_at) })));
  }

  /**
   * unexpunge: the files of these expunged messages (those still restorable) appended again as new
   * messages with new UIDs, as Cyrus's unexpunge does, hard-linked, with `flags` and each file's
   * modification time (when it was written: its delivery) as internal date; the quota is charged
   * without refusing, as an administrator's restore. Then the expunged records are marked as having
   * no file and the old names go, so a second restore finds nothing. Returns old UID → new UID.
   */
  async restoreExpunged(uids: readonly number[], flags: readonly string[]): Promise<Map<number, number>> {
    const wanted = new Set(uids);
    const rows = this.restorable().filter((r) => wanted.has(r.uid));
    const restored = new Map<number, number>();
    if (rows.length === 0) return restored;
    const items: AppendItem[] = rows.map((r) => {
      const path = this.messagePath(r.uid);
      let internalDate: Date;
      try {
        internalDate = statSync(path).mtime;
      } catch (err) {
        throw messageFileError(err, r.uid, 'stat expunged message');
      }
      return { linkFrom: { path }, flags, internalDate };
    });
    const result = await this.append(items, { quota: 'ignore' });
    rows.forEach((r, k) => restored.set(r.uid, result.uids[k]!));
    writeTransaction(this.index.db, 'restored expunged', () => {
      this.writable();
      for (const r of rows) this.index.stmts.markFileRemoved.run(r.uid);
    });
    for (const r of rows) rmSync(this.messagePath(r.uid), { force: true });
    return restored;
  }

  /**
   * Forget the records of messages expunged at least `minAgeMs` ago whose files are gone
   * (cyr_expire -E): the expunged-UID memory QRESYNC reads stays bounded. A record whose file is
   * still there (expunge_mode delayed, not yet past -X) is kept: without it reconstruct would
   * adopt the file again. The highest modseq forgotten raises the index's deletedModseq (never
   * lowers it), below which changesSince can no longer list every UID expunged. Returns the UIDs
   * forgotten; with `dryRun`, only returns them.
   */
  pruneExpunged(minAgeMs: number, opts: { dryRun?: boolean } = {}): number[] {
    const cutoff = Date.now() - minAgeMs;
    const body = () => {
      // Being moved by XFER: nothing is forgotten now (the next run does it).
      if (!opts.dryRun && this.active().xfer !== null) return [];
      const rows = this.index.stmts.prunableExpungedBefore.all(cutoff);
      if (!opts.dryRun && rows.length > 0) {
        let highest = 0;
        for (const r of rows) {
          this.index.stmts.deleteExpunged.run(r.uid);
          if (r.modseq > highest) highest = r.modseq;
        }
        this.index.stmts.raiseDeletedModseq.run(highest);
      }
      return rows.map((r) => r.uid);
    };
    return opts.dryRun ? readTransaction(this.index.db, 'prune expunged -n', body) : writeTransaction(this.index.db, 'prune expunged', body);
  }

  /**
   * Atomically take the messages not yet seen as \Recent by any session. Nothing to take (the
   * usual case) needs no write lock. The claim is not fsynced (synchronous=NORMAL keeps WAL
   * commits atomic and ordered, only not durable at once): after a power loss a message may be
   * \Recent once more, which is harmless, while waiting for the disk here sat on the path of every
   * IDLE push (the claim follows each new message a selected session hears of).
   */
  claimRecent(opts: ClaimOptions = {}): number[] {
    return this.claimRecentOrBusy(true, opts)!;
  }

  /**
   * claimRecent without waiting for the write lock: null when another connection holds it (the
   * caller tries again later). A session woken by a delivery (IDLE) claims right after the
   * delivering process committed, often while it still holds the lock for its next message, and
   * waiting inside SQLite's busy handler sleeps on the event loop of every session of the process.
   */
  tryClaimRecent(opts: ClaimOptions = {}): number[] | null {
    return this.claimRecentOrBusy(false, opts);
  }

  private claimRecentOrBusy(wait: boolean, opts: ClaimOptions = {}): number[] | null {
    if (opts.due !== true) {
      // \Recent is only ever taken further: a row that any look of this handle read with it taken
      // up to `upTo` (usually by the APPEND of the session that added the messages) still says so,
      // and no read is needed. Under imap-load the other sessions of a user found it so after each
      // APPEND, and their reads were 2 % of the workers' time.
      const looked = this.lastLook?.row ?? null;
      if (looked !== null && opts.upTo !== undefined && looked.recentuid >= opts.upTo) return [];
      const row = this.index.mailbox();
      if (!this.gone && row.state === 'active' && row.uidnext - 1 <= row.recentuid) return [];
    }
    const db = this.index.db;
    const ownTransaction = !db.inTransaction;
    let look: LastLook | null = null;
    const upTo = opts.upTo ?? Infinity;
    const claim = () => writeTransaction(db, 'claim recent', () => {
      const current = this.active();
      const before = this.lookBeforeWrite(ownTransaction);
      const last = Math.min(current.uidnext - 1, upTo);
      if (last <= current.recentuid) {
        look = this.lookAfterWrite(before, current, current.highestmodseq, current.uidnext, [], []);
        return [];
      }
      let uids = this.index.stmts.uidsAbove.all(current.recentuid);
      if (last < current.uidnext - 1) uids = uids.filter((uid) => uid <= last);
      this.index.stmts.setRecent.run(last);
      look = this.lookAfterWrite(before, current, current.highestmodseq, current.uidnext, [], []) ?? (ownTransaction ? this.lookInsideWrite(current) : null);
      return uids;
    }, QUIET_GROUP_COMMIT);
    try {
      const claimed = wait ? claim() : withoutBusyWait(db, claim);
      if (look !== null) this.lastLook = look;
      return claimed;
    } catch (err) {
      if (!wait && err instanceof MailError && err.kind === 'InUse') return null;
      throw err;
    }
  }

  /**
   * Before the first snapshot of a big mailbox: its columns read in slices (MessageReader), then
   * `userid`'s \Seen read and merged into them in slices too, so that the snapshot that follows
   * neither parses a big seen row nor walks every record on one turn of the event loop.
   */
  override async prepareSnapshot(userid?: string | null): Promise<void> {
    await super.prepareSnapshot();
    if (this.gone || !userid || this.ctx.seen.seenInSlices === undefined) return;
    const row = this.index.mailbox();
    // The bits are the user's own (sharedseen, the owner): nothing to merge.
    if (row.sharedseen === 1 || row.seen_owner === userid) return;
    const seen = await this.ctx.seen.seenInSlices(userid, this.uniqueId, pauseForOthers());
    if (seen.length > 0) await prepareSeen(this.index, seen);
  }

  /** The whole mailbox for a session: UIDs, modseqs, flags (with `userid`'s \Seen), dates, sizes. */
  snapshot(userid?: string | null): MailboxSnapshot {
    // Inside a caller's write transaction the columns may never be committed: not kept then.
    const keep = !this.index.db.inTransaction;
    return readTransaction(this.index.db, 'snapshot', () => {
      const row = this.active();
      const seen = this.seenRanges(row, userid);
      const columns = cachedColumns(this.index.identity, row.uniqueid, row.uidvalidity, row.uidnext, row.highestmodseq) ?? this.patchedColumns(row, keep) ?? this.readColumns(row, keep);
      const { uids, modseqs, keywords, dates, sizes } = columns;
      // Each snapshot gets its own copy (100 KB per 100,000 messages: a memcpy).
      const system = (seen === null ? columns.system : mergeSeen(columns, seen)).slice();
      return new MailboxSnapshot(row.uidvalidity, row.uidnext, row.highestmodseq, row.deletedmodseq, uids, modseqs, system, keywords, dates, sizes);
    });
  }

  /**
   * snapshot() without a read transaction (issue 16: FETCH of a few messages under load): when no
   * connection committed to the index since changesSince's last look (or the handle's own writes
   * that followed it), the row that look read (or left) is the index as it is, and the process keeps
   * the columns of that state or patches them from those writes. The snapshot is the index's state
   * now, as snapshot() would read it, whatever modseq the caller's view is synced to
   * (`highestModseq`; null: a session opening the mailbox, no view yet). Null otherwise: call snapshot().
   */
  quietSnapshot(userid: string | null | undefined, highestModseq: number | null): MailboxSnapshot | null {
    const last = this.lastLook;
    if (last === null) return null;
    const row = this.quietRow();
    if (row === null || row.state !== 'active') return null;
    // Kept for this state, or patched from the handle's own writes since the columns kept (the
    // sessions of one user after each other's STORE, APPEND, EXPUNGE): the changes the index would
    // give patchedColumns in a read transaction, as those writes left them.
    const own = this.lastLook?.own ?? null;
    const columns = cachedColumns(this.index.identity, row.uniqueid, row.uidvalidity, row.uidnext, row.highestmodseq) ?? (own === null ? null : this.patchedColumns(row, true, own));
    if (columns === null) return null;
    // A session opening the mailbox (no view yet): only when prepareSnapshot would have nothing to
    // prepare either (another user's \Seen is merged into a big mailbox's columns in slices there).
    const ownBits = !userid || row.sharedseen === 1 || row.seen_owner === userid;
    if (highestModseq === null && !ownBits && columns.uids.length >= CACHE_FROM) return null;
    const seen = this.seenRanges(row, userid);
    const system = (seen === null ? columns.system : mergeSeen(columns, seen)).slice();
    return new MailboxSnapshot(row.uidvalidity, row.uidnext, row.highestmodseq, row.deletedmodseq, columns.uids, columns.modseqs, system, columns.keywords, columns.dates, columns.sizes);
  }

  /**
   * The mailbox row as changesSince's last look read it, while no connection committed to the index
   * since (a look at the change marks, no transaction); null otherwise.
   */
  protected override quietRow(): MailboxRow | null {
    const last = this.lastLook;
    if (last === null || this.gone || this.index.db.inTransaction || last.stale) return null;
    if (!this.quietSince(last.marks)) {
      // Marks only move forward: neither a later quiet check nor the next changesSince need look
      // again before a transaction.
      last.stale = true;
      return null;
    }
    if (last.row === null) {
      // The look a write of this handle left: its row read once now. A commit after the marks were
      // read shows here as another highestmodseq or uidnext, or to every later look as other marks.
      const row = this.index.mailbox();
      if (row.highestmodseq !== last.highestModseq || row.uidnext !== last.uidNext) return null;
      last.row = row;
    }
    return last.row;
  }

  /** Whether no connection committed to the index since `marks` were read (a look without a transaction). */
  private quietSince(marks: ChangeMarks): boolean {
    try {
      return sameMarks(marks, changeMarks(this.index.db));
    } catch (err) {
      throw sqliteError(err, 'changes');
    }
  }

  /**
   * The columns kept from an earlier snapshot brought up to date from the records changed and
   * expunged since (inside a read transaction); null when there are none, when expunged records
   * were forgotten past them (the expunged table no longer lists every UID gone), or when so much
   * changed that reading every record is as cheap.
   */
  private patchedColumns(row: MailboxRow, keep: boolean, own: OwnWrite | null = null): SnapshotColumns | null {
    const old = olderColumns(this.index.identity, row.uniqueid, row.uidvalidity);
    if (old === null || old.highestModseq > row.highestmodseq || row.deletedmodseq > old.highestModseq) return null;
    // `own`: the changes since the columns are the handle's own writes (quietSnapshot), when the
    // columns are not older than the first of them.
    if (own !== null && old.highestModseq < own.since) return null;
    const changed = own === null ? this.index.stmts.changedSince.all(old.highestModseq) : own.records.filter((m) => m.modseq > old.highestModseq);
    if (changed.length > old.uids.length * PATCH_AT_MOST) return null;
    const expunged = own === null ? this.index.stmts.expungedSince.all(old.highestModseq) : expungedAfter(own, old.highestModseq);
    // The \Seen merged into the old columns is patched along (used while that user's seen ranges stay the same).
    const { merged, ...columns } = patchColumns(old, row, changed, expunged, seenMerged.get(old) ?? null);
    if (merged !== null) seenMerged.set(columns, merged);
    if (keep) keepColumns(this.index.identity, columns);
    return columns;
  }

  /** The index columns of every record (inside a read transaction), kept for the next snapshot. */
  private readColumns(row: MailboxRow, keep: boolean): SnapshotColumns {
    const [uidText, modseqText, flagText, dateText, sizeText] = this.index.stmts.snapshotColumns.get()!;
    const n = countNumbers(uidText);
    // With room after the end: the next append patches them in place (snapshot-patch.ts).
    const uids = columnWithRoom(Uint32Array, n);
    const modseqs = columnWithRoom(Float64Array, n);
    const system = new Uint8Array(n);
    const dates = columnWithRoom(Float64Array, n);
    const sizes = columnWithRoom(Float64Array, n);
    fillNumbers(uidText, uids);
    fillNumbers(modseqText, modseqs);
    fillNumbers(flagText, system);
    fillNumbers(dateText, dates);
    fillNumbers(sizeText, sizes);
    for (let i = 1; i < n; i++) if (uids[i - 1]! >= uids[i]!) throw new Error(`index of ${this.name}: snapshot out of UID order`);
    const keywords: Array<string[] | undefined> = new Array<string[] | undefined>(n);
    let p = 0;
    for (const [uid, kw] of this.index.stmts.snapshotKeywords.iterate()) {
      while (p < n && uids[p]! < uid) p++;
      if (p < n && uids[p] === uid) keywords[p] = decodeKeywords(kw);
    }
    const columns: SnapshotColumns = { uniqueId: row.uniqueid, uidValidity: row.uidvalidity, uidNext: row.uidnext, highestModseq: row.highestmodseq, uids, modseqs, system, keywords, dates, sizes };
    if (keep) keepColumns(this.index.identity, columns);
    return columns;
  }

  /** Records new or changed after `modseq`, and UIDs expunged after it. */
  changesSince(modseq: number, userid?: string | null): Changes {
    // The sync after every command: when no connection committed to the index since the last
    // look (no other connection's commit moved data_version, this one wrote no row), the row read
    // then is still the row, and a read transaction (the cost of most NOOPs) is not needed.
    // Reading the marks outside a transaction is itself a read transaction (SQLite takes the WAL
    // read lock for the PRAGMA), and under load they have nearly always moved: after a look that
    // found them moved the marks are read inside the read transaction instead, one transaction in
    // all; after one that found them still, outside first, so a quiet mailbox needs none.
    const last = this.lastLook;
    let marks: ChangeMarks | null = null;
    if (!this.gone && last !== null && !last.moved && !last.stale) {
      try {
        marks = changeMarks(this.index.db);
      } catch (err) {
        throw sqliteError(err, 'changes');
      }
      if (sameMarks(last.marks, marks)) {
        if (last.highestModseq <= modseq) return { highestModseq: last.highestModseq, uidNext: last.uidNext, records: [], expunged: [] };
        // Only this handle's own writes since: their records, without reading them back.
        const own = last.own;
        if (own !== null && modseq >= own.since) {
          const seen = this.seenRanges(own.row, userid);
          const records: MessageRecord[] = [];
          for (const m of own.records) if (m.modseq > modseq) records.push(this.record(m, seen));
          return { highestModseq: last.highestModseq, uidNext: last.uidNext, records, expunged: expungedAfter(own, modseq) };
        }
      }
    }
    return readTransaction(this.index.db, 'changes', () => {
      // Read outside before the transaction (a commit in between only causes a re-read), or here
      // first, which starts the transaction: the marks of the state the row below is read from.
      const now = marks ?? changeMarks(this.index.db);
      const row = this.active();
      // Nothing committed since the last look: the writes of this handle it knew of are still all
      // there is since their start (a session further behind read them here; the others need not).
      const still = last !== null && sameMarks(last.marks, now);
      this.lastLook = { marks: now, highestModseq: row.highestmodseq, uidNext: row.uidnext, own: still ? last.own : null, row, moved: last !== null && !still, stale: false };
      // Every change raises highestmodseq in its own transaction (a \Seen change of any user too):
      // when it has not moved there is nothing to read, nor any seen state to look at.
      if (row.highestmodseq <= modseq) return { highestModseq: row.highestmodseq, uidNext: row.uidnext, records: [], expunged: [] };
      const seen = this.seenRanges(row, userid);
      const records = this.index.stmts.changedSince.all(modseq).map((m) => this.record(m, seen));
      const expunged = this.index.stmts.expungedSince.all(modseq);
      return { highestModseq: row.highestmodseq, uidNext: row.uidnext, records, expunged };
    });
  }

  /** Records of the given UIDs (those that exist), in the order given. */
  records(uids: readonly number[], userid?: string | null): MessageRecord[] {
    return readTransaction(this.index.db, 'records', () => {
      const seen = this.seenRanges(this.active(), userid);
      const out: MessageRecord[] = [];
      for (const uid of uids) {
        const m = this.index.stmts.message.get(uid);
        if (m) out.push(this.record(m, seen));
      }
      return out;
    });
  }

  /**
   * The annotations `userid` sees on these messages (RFC 5257: the shared values and their private
   * ones), by UID then entry name; messages without any are absent.
   */
  annotations(uids: readonly number[], userid: string): Map<number, Map<string, AnnotationValues>> {
    if (uids.length === 0) return new Map();
    let first = uids[0]!;
    let last = first;
    for (const uid of uids) {
      if (uid < first) first = uid;
      if (uid > last) last = uid;
    }
    const wanted = new Set(uids);
    const all = readTransaction(this.index.db, 'annotations', () => readAnnotations(this.index.stmts, first, last, userid));
    for (const uid of all.keys()) if (!wanted.has(uid)) all.delete(uid);
    return all;
  }

  /** Every stored annotation of these messages (all users'), for COPY. */
  private storedAnnotations(uids: readonly number[]): Map<number, StoredAnnotation[]> {
    return readTransaction(this.index.db, 'stored annotations', () => {
      const out = new Map<number, StoredAnnotation[]>();
      for (const uid of uids) {
        const rows = this.index.stmts.allAnnotations.all(uid);
        if (rows.length > 0) out.set(uid, rows.map(([entry, userid, value]) => ({ entry, userid, value })));
      }
      return out;
    });
  }

  /** A new message's annotations, inside append's transaction (checked as setAnnotations checks them). */
  private startAnnotations(uid: number, annotations: readonly StoredAnnotation[]): void {
    // Grouped by owner ('' shared): one applyWrites, and one TOOMANY count, per owner.
    const byOwner = new Map<string, AnnotationWrite[]>();
    for (const a of annotations) {
      const writes = byOwner.get(a.userid) ?? [];
      writes.push({ entry: a.entry, shared: a.userid === '', value: a.value });
      byOwner.set(a.userid, writes);
    }
    for (const writes of byOwner.values()) checkWrites(writes);
    for (const [owner, writes] of byOwner) applyWrites(this.index.stmts, uid, writes, owner);
  }

  /**
   * Set or remove annotation values of messages (STORE ... ANNOTATION): `userid`'s private ones and
   * the shared ones, as `writes` say. One write transaction: every message whose values change gets
   * one new modseq (as a flag change: CONDSTORE clients and other sessions see it), all or nothing
   * (a reserved entry, a value too large or too many values refuse the whole change). A group
   * commit as setFlagsDurably.
   */
  async setAnnotations(uids: readonly number[], writes: readonly AnnotationWrite[], opts: { userid: string; unchangedSince?: number }): Promise<FlagChangeResult> {
    checkWrites(writes);
    const grouped = this.ctx.durable && !this.index.db.inTransaction;
    const ownTransaction = !this.index.db.inTransaction;
    let look: LastLook | null = null;
    const result = writeTransaction(this.index.db, 'store annotations', () => {
      const row = this.writable();
      const before = this.lookBeforeWrite(ownTransaction);
      const s = this.index.stmts;
      const modseq = row.highestmodseq + 1;
      const changed: MessageRow[] = [];
      const failed: number[] = [];
      for (const uid of [...new Set(uids)].sort((a, b) => a - b)) {
        const msg = s.message.get(uid);
        if (!msg) continue;
        if (opts.unchangedSince !== undefined && msg.modseq > opts.unchangedSince) {
          failed.push(uid);
          continue;
        }
        if (!applyWrites(s, uid, writes, opts.userid)) continue;
        s.updateFlags.run(msg.flags, msg.keywords, modseq, uid);
        changed.push({ ...msg, modseq });
      }
      if (changed.length > 0) s.setCounters.run(row.uidnext, modseq);
      const highestModseq = changed.length > 0 ? modseq : row.highestmodseq;
      look = this.lookAfterWrite(before, row, highestModseq, row.uidnext, changed, []);
      const seen = this.seenRanges(row, opts.userid);
      return { changed: changed.map((m) => this.record(m, seen)), failed, highestModseq };
    }, grouped ? GROUP_COMMIT : undefined);
    if (look !== null) this.lastLook = look;
    if (grouped && result.changed.length > 0) {
      try {
        await fsyncPaths([`${this.index.file}-wal`], true, 'fdatasync');
      } catch (err) {
        throw new MailError('Temp', `store annotations: fsync failed: ${(err as Error).message}`, { afterCommit: true });
      }
    }
    if (result.changed.length > 0) this.ctx.changed(this.name);
    return result;
  }

  /** COPY: append the messages to `target` by hard link, keeping flags and internal dates. */
  async copyTo(uids: readonly number[], target: Mailbox, opts: AppendOptions = {}): Promise<CopyResult> {
    const records = this.records(uids, opts.userid);
    if (records.length === 0) return { uidValidity: target.status().uidValidity, sourceUids: [], targetUids: [] };
    const summaries = this.summaries(records.map((r) => r.uid));
    // Annotations go along, shared and every user's private ones (as Cyrus copies them).
    const annotations = this.storedAnnotations(records.map((r) => r.uid));
    const items: AppendItem[] = records.map((r) => ({
      linkFrom: { path: this.messagePath(r.uid), summary: summaries.get(r.uid), guid: r.guid, size: r.size },
      flags: r.flags,
      internalDate: r.internalDate,
      annotations: annotations.get(r.uid) ?? [],
    }));
    const result = await target.append(items, opts);
    return { uidValidity: result.uidValidity, sourceUids: records.map((r) => r.uid), targetUids: result.uids };
  }

  /**
   * MOVE (RFC 6851): copy the messages to `target`, then expunge exactly the copied ones from
   * this mailbox in one write transaction, \Deleted or not (their flags are never touched).
   * A message expunged by someone else in between is simply not expunged twice.
   */
  async moveTo(uids: readonly number[], target: Mailbox, opts: AppendOptions = {}): Promise<MoveResult> {
    // Within one quota root a move changes no usage: it never fails on quota.
    const quota = this.ctx.quota?.sameRoot(this.name, target.name) ? 'ignore' : opts.quota;
    // A source being moved by XFER cannot lose the messages: refused before any copy is made.
    if (this.frozen) throw movingError(this.name);
    const copied = await this.copyTo(uids, target, quota === undefined ? opts : { ...opts, quota });
    const expunged = copied.sourceUids.length === 0 ? [] : this.expunge({ uids: copied.sourceUids, force: true });
    return { ...copied, expunged };
  }
}

/** Whether two stored keyword lists name the same keywords, in any order (REPLACE may reorder them). */
function sameKeywords(a: string | null, b: string | null): boolean {
  if (a === b) return true;
  const x = decodeKeywords(a).map((k) => k.toLowerCase()).sort();
  const y = decodeKeywords(b).map((k) => k.toLowerCase()).sort();
  return x.length === y.length && x.every((k, i) => k === y[i]);
}

/** changesSince's last look at the index (Mailbox.lastLook). */
interface LastLook {
  marks: ChangeMarks;
  highestModseq: number;
  uidNext: number;
  /** The write of this handle that led from the look before to this one, when it was the only commit. */
  own: OwnWrite | null;
  /** The mailbox row the look read (null after a write of this handle until quietRow reads it). */
  row: MailboxRow | null;
  /**
   * Whether the marks had moved since the look before: the next changesSince reads them inside
   * its read transaction, not before it.
   */
  moved: boolean;
  /** Whether a quiet check found them moved since this look (so they have): no look is worth it. */
  stale: boolean;
}

/**
 * The changes of this handle's writes that followed one another with no other commit in between
 * (each write's lookBeforeWrite found the look the one before it left): the records they wrote,
 * each as the last of them left it (as the index now holds it), and the UIDs they expunged. The
 * sessions of a process that share the handle (a user's connections) each sync after their next
 * command from these, however many of the writes they missed, instead of reading the index.
 */
interface OwnWrite {
  /** The highest modseq before the first of the writes. */
  since: number;
  /** The mailbox row (for sharedseen and the seen owner). */
  row: MailboxRow;
  /** By UID, ascending; none of them expunged. */
  records: MessageRow[];
  /** In the order expunged, with the modseq of the expunge of each (expungedModseqs[i]). */
  expunged: number[];
  expungedModseqs: number[];
}

/**
 * A chain of own writes longer than this (records or UIDs expunged) starts over (the sessions behind
 * it read the index once). Kept short: each write copies the chain, and each sync walks it.
 */
const OWN_CHAIN_MAX = 64;

/**
 * The own writes after `before` with one more (at `modseq`): the chain `before` ended goes on when
 * it has room, else starts at this write.
 */
function chainWrite(before: LastLook, row: MailboxRow, modseq: number, records: MessageRow[], expunged: number[]): OwnWrite {
  const prior = before.own;
  if (prior === null || prior.records.length + records.length > OWN_CHAIN_MAX || prior.expunged.length + expunged.length > OWN_CHAIN_MAX) {
    return { since: before.highestModseq, row, records, expunged, expungedModseqs: expunged.map(() => modseq) };
  }
  // The earlier records less those written again or expunged now, merged with the new ones by UID.
  const gone = expunged.length > 0 ? new Set(expunged) : null;
  const merged: MessageRow[] = [];
  let k = 0;
  for (const r of prior.records) {
    while (k < records.length && records[k]!.uid < r.uid) merged.push(records[k++]!);
    if (k < records.length && records[k]!.uid === r.uid) continue;
    if (gone !== null && gone.has(r.uid)) continue;
    merged.push(r);
  }
  while (k < records.length) merged.push(records[k++]!);
  const expungedModseqs = prior.expungedModseqs.slice();
  for (let i = 0; i < expunged.length; i++) expungedModseqs.push(modseq);
  return { since: prior.since, row, records: merged, expunged: prior.expunged.concat(expunged), expungedModseqs };
}

/** UIDs the own writes expunged after `modseq`, ascending (as the expunged table lists them). */
function expungedAfter(own: OwnWrite, modseq: number): number[] {
  const { expunged, expungedModseqs } = own;
  if (expunged.length === 0) return expunged;
  let all = true;
  let ascending = true;
  for (let i = 0; i < expunged.length; i++) {
    if (expungedModseqs[i]! <= modseq) all = false;
    if (i > 0 && expunged[i - 1]! >= expunged[i]!) ascending = false;
  }
  if (all && ascending) return expunged;
  const out: number[] = [];
  for (let i = 0; i < expunged.length; i++) if (expungedModseqs[i]! > modseq) out.push(expunged[i]!);
  return ascending ? out : out.sort((a, b) => a - b);
}

/** A write whose commit does not wait for the disk (the caller fsyncs the WAL, or, for \Recent, need not). */
const GROUP_COMMIT: WriteOptions = { groupCommit: true };

/**
 * The commit of a \Recent claim or an append: a group commit that schedules no WAL checkpoint. The
 * claim follows an IDLE push (a checkpoint's fsyncs there held the worker's loop 6-9 ms); the append
 * checkpoints itself after it told the other processes (checkpointLater), not before (a checkpoint
 * sat between an append's commit and the IDLE push in other processes).
 */
const QUIET_GROUP_COMMIT: WriteOptions = { groupCommit: true, noCheckpoint: true };
const NO_CHECKPOINT: WriteOptions = { noCheckpoint: true };

/** How a \Recent claim is made (Mailbox.tryClaimRecent). */
export interface ClaimOptions {
  /**
   * The caller knows there is something to claim (it was told of new messages): the write lock
   * straight away, without reading the index row first to see whether a claim is needed.
   */
  due?: boolean;
  /** Claim only up to this UID (the last the caller's view numbers); later ones stay for the next claim. */
  upTo?: number;
}

/** No user's \Seen (records read without a userid in a mailbox that is not sharedseen). */
const NO_SEEN: UidRanges = [];

/** Above this many seen ranges STATUS UNSEEN walks the UIDs instead of counting per range. */
const MANY_RANGES = 64;

/** Index of the first of the ascending `uids` above `uid`. */
function upperBound(uids: Uint32Array, uid: number): number {
  let lo = 0;
  let hi = uids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (uids[mid]! <= uid) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many of the ascending `uids` lie in the sorted, disjoint `ranges`. */
function countInRanges(uids: Uint32Array, ranges: UidRanges): number {
  let n = 0;
  let r = 0;
  for (let i = 0; i < uids.length && r < ranges.length; i++) {
    const uid = uids[i]!;
    while (r < ranges.length && ranges[r]![1] < uid) r++;
    if (r < ranges.length && ranges[r]![0] <= uid) n++;
  }
  return n;
}

/** A change refused while an XFER moves the mailbox (IMAP NO [INUSE], LMTP 450, POP3 [IN-USE]). */
function movingError(name: string): MailError {
  return new MailError('InUse', 'Mailbox is being moved to another server; try again later', { mailbox: name, moving: true });
}
