/**
 * Per-user \Seen state (seen.db in configdirectory, one SQLite database for all users, WAL):
 * for each (userid, mailbox uniqueid) the seen UIDs as a sequence set, Cyrus's own form. The
 * mailbox owner's \Seen is not here but in the \Seen bit of the mailbox's records (as in Cyrus
 * 2.4+; see src/mailbox/seen-owner.ts): this holds every other user's. Keyed
 * by uniqueid, so renaming a mailbox keeps every user's seen state. One database rather than a
 * file per user keeps one connection per process however many users a process serves.
 */
import { openDb, sqliteError, writeTransaction, type Db } from '../common/sqlite.js';
import { addUids, formatUidRanges, holdSyncPath, parseUidRanges, parseUidRangesInSlices, releaseSyncPath, removeUids, type SeenState, type UidRanges } from '../mailbox/index.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS seen (
  userid TEXT NOT NULL,
  uniqueid TEXT NOT NULL,
  uids TEXT NOT NULL,
  changed INTEGER NOT NULL,
  PRIMARY KEY (userid, uniqueid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_uniqueid ON seen(uniqueid);
-- One counter for the whole database: each write of a row stamps it with the next value (the
-- row's version column), so a process that parsed a row knows by its version alone that it has not
-- changed since, whoever wrote it. Rows from before it have version 0: their write time (changed)
-- tells them apart until this code writes them again.
CREATE TABLE IF NOT EXISTS seen_clock (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
INSERT OR IGNORE INTO seen_clock (id, version) VALUES (1, 0);
`;

/** Rows shorter than this are parsed each time (cheaper than remembering them). */
const REMEMBER_FROM_CHARS = 256;
/** Ranges kept parsed per process in all (a range costs about 50 bytes). */
const MAX_REMEMBERED_RANGES = 200_000;

interface Parsed {
  version: number;
  /** The row's write time too: rows from before versions (0) only differ by it. */
  changed: number;
  ranges: UidRanges;
}

export class SeenStore implements SeenState {
  private readonly db: Db;
  private readonly stmts;
  /** Parsed rows by userid NUL uniqueid, most recently used last (the parse of a big row costs milliseconds). */
  private readonly parsed = new Map<string, Parsed>();
  private parsedRanges = 0;

  constructor(
    private readonly file: string,
    private readonly durable: boolean,
  ) {
    this.db = openDb(file, { durable, cacheKiB: 1024 });
    try {
      this.db.exec(SCHEMA);
      this.db.transaction(() => {
        const columns = new Set((this.db.pragma('table_info(seen)') as Array<{ name: string }>).map((c) => c.name));
        if (!columns.has('version')) this.db.exec('ALTER TABLE seen ADD COLUMN version INTEGER NOT NULL DEFAULT 0');
      }).immediate();
    } catch (err) {
      this.db.close();
      throw sqliteError(err, 'seen.db');
    }
    this.stmts = {
      get: this.db.prepare<[string, string], { uids: string; version: number; changed: number }>('SELECT uids, version, changed FROM seen WHERE userid = ? AND uniqueid = ?'),
      version: this.db.prepare<[string, string], { version: number; changed: number }>('SELECT version, changed FROM seen WHERE userid = ? AND uniqueid = ?'),
      tick: this.db.prepare<[]>('UPDATE seen_clock SET version = version + 1 WHERE id = 1 RETURNING version').pluck(),
      put: this.db.prepare<[string, string, string, number, number]>('INSERT OR REPLACE INTO seen (userid, uniqueid, uids, changed, version) VALUES (?, ?, ?, ?, ?)'),
      forget: this.db.prepare<[string]>('DELETE FROM seen WHERE uniqueid = ?'),
      forgetOne: this.db.prepare<[string, string]>('DELETE FROM seen WHERE userid = ? AND uniqueid = ?'),
      forgetUser: this.db.prepare<[string]>('DELETE FROM seen WHERE userid = ?'),
      renameUser: this.db.prepare<[string, string]>('UPDATE seen SET userid = ? WHERE userid = ?'),
      everyUser: this.db.prepare<[string], { userid: string; uids: string }>('SELECT userid, uids FROM seen WHERE uniqueid = ? ORDER BY userid'),
      usersOf: this.db.prepare<[string], string>('SELECT userid FROM seen WHERE uniqueid = ? ORDER BY userid').pluck(),
      rows: this.db.prepare<[], [string, string, number]>('SELECT userid, uniqueid, changed FROM seen ORDER BY userid, uniqueid').raw(true),
    };
    // Group commits name this WAL to the caller's fsync, kept open while the connection is.
    holdSyncPath(`${file}-wal`);
  }

  close(): void {
    if (!this.db.open) return;
    this.db.close();
    releaseSyncPath(`${this.file}-wal`);
  }

  /**
   * The seen UIDs of `userid` in the mailbox with `uniqueId` (shared with later calls: do not
   * modify). A big row parsed before and not written since is not read nor parsed again.
   */
  seen(userid: string, uniqueId: string): UidRanges {
    try {
      return this.read(userid, uniqueId);
    } catch (err) {
      throw sqliteError(err, 'seen.db read');
    }
  }

  async seenInSlices(userid: string, uniqueId: string, pause: () => Promise<void>): Promise<UidRanges> {
    const key = `${userid}\u0000${uniqueId}`;
    let row: { uids: string; version: number; changed: number } | undefined;
    try {
      const known = this.parsed.get(key);
      if (known !== undefined) {
        const now = this.stmts.version.get(userid, uniqueId);
        if (now !== undefined && now.version === known.version && now.changed === known.changed) return known.ranges;
      }
      row = this.stmts.get.get(userid, uniqueId);
    } catch (err) {
      throw sqliteError(err, 'seen.db read');
    }
    if (!row) return [];
    const ranges = await parseUidRangesInSlices(row.uids, pause);
    // Remembered unless a write came meanwhile (that write remembered its own ranges, or dropped them).
    const now = this.db.open ? this.stmts.version.get(userid, uniqueId) : undefined;
    if (row.uids.length >= REMEMBER_FROM_CHARS && now !== undefined && now.version === row.version && now.changed === row.changed) this.remember(key, row.version, row.changed, ranges);
    return ranges;
  }

  private read(userid: string, uniqueId: string): UidRanges {
    const key = `${userid}\u0000${uniqueId}`;
    const known = this.parsed.get(key);
    if (known !== undefined) {
      const now = this.stmts.version.get(userid, uniqueId);
      if (now !== undefined && now.version === known.version && now.changed === known.changed) {
        this.parsed.delete(key);
        this.parsed.set(key, known);
        return known.ranges;
      }
      this.drop(key);
    }
    const row = this.stmts.get.get(userid, uniqueId);
    if (!row) return [];
    const ranges = parseUidRanges(row.uids);
    if (row.uids.length >= REMEMBER_FROM_CHARS) this.remember(key, row.version, row.changed, ranges);
    return ranges;
  }

  /** Mark and unmark in one transaction; returns the new set (shared, as seen()'s). */
  update(userid: string, uniqueId: string, add: readonly number[], remove: readonly number[], opts: { syncLater?: string[] } = {}): UidRanges {
    const key = `${userid}\u0000${uniqueId}`;
    // Group commit (see SeenState.update): the WAL is fsynced by the caller, off the event loop.
    const later = opts.syncLater !== undefined && this.durable && !this.db.inTransaction;
    const written = this.write(userid, uniqueId, add, remove, later);
    if (later) opts.syncLater!.push(`${this.file}-wal`);
    // Only once committed: a rolled-back write must not be remembered.
    this.drop(key);
    if (written.big) this.remember(key, written.version, written.changed, written.ranges);
    return written.ranges;
  }

  /**
   * Set `userid`'s seen UIDs in a mailbox to exactly `uids` (ascending; none: the row goes): the
   * mailbox's former owner's \Seen leaving its records' bits (seen-owner.ts).
   */
  replace(userid: string, uniqueId: string, uids: readonly number[]): void {
    const key = `${userid}\u0000${uniqueId}`;
    writeTransaction(this.db, 'seen.db replace', () => {
      if (uids.length === 0) this.stmts.forgetOne.run(userid, uniqueId);
      else this.stmts.put.run(userid, uniqueId, formatUidRanges(addUids([], uids)), Date.now(), this.stmts.tick.get() as number);
    });
    this.drop(key);
  }

  /** Drop `userid`'s row of one mailbox (its \Seen now lives in the mailbox's records). */
  forget(userid: string, uniqueId: string): void {
    writeTransaction(this.db, 'seen.db forget row', () => this.stmts.forgetOne.run(userid, uniqueId));
    this.drop(`${userid}\u0000${uniqueId}`);
  }

  private write(userid: string, uniqueId: string, add: readonly number[], remove: readonly number[], groupCommit: boolean) {
    return writeTransaction(this.db, 'seen.db update', () => {
      let ranges = this.read(userid, uniqueId);
      if (add.length > 0) ranges = addUids(ranges, add);
      if (remove.length > 0) ranges = removeUids(ranges, remove);
      const text = formatUidRanges(ranges);
      const version = this.stmts.tick.get() as number;
      const changed = Date.now();
      this.stmts.put.run(userid, uniqueId, text, changed, version);
      return { ranges, version, changed, big: text.length >= REMEMBER_FROM_CHARS };
    }, { groupCommit });
  }

  private remember(key: string, version: number, changed: number, ranges: UidRanges): void {
    if (ranges.length > MAX_REMEMBERED_RANGES) return;
    this.drop(key);
    this.parsed.set(key, { version, changed, ranges });
    this.parsedRanges += ranges.length;
    while (this.parsedRanges > MAX_REMEMBERED_RANGES) this.drop(this.parsed.keys().next().value!);
  }

  private drop(key: string): void {
    const known = this.parsed.get(key);
    if (known === undefined) return;
    this.parsed.delete(key);
    this.parsedRanges -= known.ranges.length;
  }

  private forgetParsed(): void {
    this.parsed.clear();
    this.parsedRanges = 0;
  }

  /** Every user's seen UIDs of a mailbox, as stored (XFER carries them to the mailbox's new server). */
  everyUserOf(uniqueId: string): Array<{ userid: string; uids: string }> {
    try {
      return this.stmts.everyUser.all(uniqueId);
    } catch (err) {
      throw sqliteError(err, 'seen.db read');
    }
  }

  /** Set every user's seen UIDs of a mailbox to exactly `rows` (a mailbox arriving by XFER). */
  replaceMailbox(uniqueId: string, rows: ReadonlyArray<{ userid: string; uids: string }>): void {
    writeTransaction(this.db, 'seen.db replace mailbox', () => {
      this.stmts.forget.run(uniqueId);
      const now = Date.now();
      for (const row of rows) this.stmts.put.run(row.userid, uniqueId, formatUidRanges(parseUidRanges(row.uids)), now, this.stmts.tick.get() as number);
    });
    this.forgetParsed();
  }

  /** The users with a row for the mailbox with `uniqueId` (sorted). */
  usersOf(uniqueId: string): string[] {
    try {
      return this.stmts.usersOf.all(uniqueId);
    } catch (err) {
      throw sqliteError(err, 'seen.db read');
    }
  }

  /** When `userid`'s row of the mailbox was last written (ms since the epoch), null without one. */
  changedAt(userid: string, uniqueId: string): number | null {
    try {
      return this.stmts.version.get(userid, uniqueId)?.changed ?? null;
    } catch (err) {
      throw sqliteError(err, 'seen.db read');
    }
  }

  /** Every row's user, mailbox and last write (ms), by user (arbitron); one statement, so one read transaction. */
  rows(): Array<{ userid: string; uniqueId: string; changed: number }> {
    try {
      return this.stmts.rows.all().map(([userid, uniqueId, changed]) => ({ userid, uniqueId, changed }));
    } catch (err) {
      throw sqliteError(err, 'seen.db read');
    }
  }

  /** Drop every user's state of a mailbox that is gone for good. */
  forgetMailbox(uniqueId: string): void {
    writeTransaction(this.db, 'seen.db forget', () => this.stmts.forget.run(uniqueId));
    this.forgetParsed();
  }

  /** Give `from`'s seen state to `to` (a user rename); whatever `to` had before is dropped. */
  renameUser(from: string, to: string): void {
    writeTransaction(this.db, 'seen.db rename user', () => {
      this.stmts.forgetUser.run(to);
      this.stmts.renameUser.run(to, from);
    });
    this.forgetParsed();
  }

  /** Drop every seen state of a user (a user delete). */
  forgetUser(userid: string): void {
    writeTransaction(this.db, 'seen.db forget user', () => this.stmts.forgetUser.run(userid));
    this.forgetParsed();
  }
}
