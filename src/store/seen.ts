/**
 * Per-user \Seen state (seen.db in configdirectory, one SQLite database for all users, WAL):
 * for each (userid, mailbox uniqueid) the seen UIDs as a sequence set, Cyrus's own form. Keyed
 * by uniqueid, so renaming a mailbox keeps every user's seen state. One database rather than a
 * file per user keeps one connection per process however many users a process serves.
 */
import { openDb, sqliteError, writeTransaction, type Db } from '../common/sqlite.js';
import { addUids, formatUidRanges, parseUidRanges, removeUids, type SeenState, type UidRanges } from '../mailbox/index.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS seen (
  userid TEXT NOT NULL,
  uniqueid TEXT NOT NULL,
  uids TEXT NOT NULL,
  changed INTEGER NOT NULL,
  PRIMARY KEY (userid, uniqueid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_uniqueid ON seen(uniqueid);
`;

export class SeenStore implements SeenState {
  private readonly db: Db;
  private readonly stmts;

  constructor(file: string, durable: boolean) {
    this.db = openDb(file, { durable, cacheKiB: 1024 });
    try {
      this.db.exec(SCHEMA);
    } catch (err) {
      this.db.close();
      throw sqliteError(err, 'seen.db');
    }
    this.stmts = {
      get: this.db.prepare<[string, string], { uids: string }>('SELECT uids FROM seen WHERE userid = ? AND uniqueid = ?'),
      put: this.db.prepare<[string, string, string, number]>('INSERT OR REPLACE INTO seen (userid, uniqueid, uids, changed) VALUES (?, ?, ?, ?)'),
      forget: this.db.prepare<[string]>('DELETE FROM seen WHERE uniqueid = ?'),
      forgetUser: this.db.prepare<[string]>('DELETE FROM seen WHERE userid = ?'),
      renameUser: this.db.prepare<[string, string]>('UPDATE seen SET userid = ? WHERE userid = ?'),
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The seen UIDs of `userid` in the mailbox with `uniqueId`. */
  seen(userid: string, uniqueId: string): UidRanges {
    try {
      const row = this.stmts.get.get(userid, uniqueId);
      return row ? parseUidRanges(row.uids) : [];
    } catch (err) {
      throw sqliteError(err, 'seen.db read');
    }
  }

  /** Mark and unmark in one transaction; returns the new set. */
  update(userid: string, uniqueId: string, add: readonly number[], remove: readonly number[]): UidRanges {
    return writeTransaction(this.db, 'seen.db update', () => {
      const row = this.stmts.get.get(userid, uniqueId);
      let ranges = row ? parseUidRanges(row.uids) : [];
      if (add.length > 0) ranges = addUids(ranges, add);
      if (remove.length > 0) ranges = removeUids(ranges, remove);
      this.stmts.put.run(userid, uniqueId, formatUidRanges(ranges), Date.now());
      return ranges;
    });
  }

  /** Drop every user's state of a mailbox that is gone for good. */
  forgetMailbox(uniqueId: string): void {
    writeTransaction(this.db, 'seen.db forget', () => this.stmts.forget.run(uniqueId));
  }

  /** Give `from`'s seen state to `to` (a user rename); whatever `to` had before is dropped. */
  renameUser(from: string, to: string): void {
    writeTransaction(this.db, 'seen.db rename user', () => {
      this.stmts.forgetUser.run(to);
      this.stmts.renameUser.run(to, from);
    });
  }

  /** Drop every seen state of a user (a user delete). */
  forgetUser(userid: string): void {
    writeTransaction(this.db, 'seen.db forget user', () => this.stmts.forgetUser.run(userid));
  }
}
