/**
 * Mailbox and server annotations of METADATA (RFC 5464) in annotations.db (configdirectory, or
 * annotation_db_path; SQLite, WAL). One row per (mailbox, entry, owner): `mailbox` is the mailbox's
 * uniqueid ("" for the server), so a RENAME keeps its annotations and a mailbox deleted and created
 * again under the same name starts without; `userid` is "" for a /shared entry and the user's for a
 * /private one. Entry names are stored lower-cased without their /shared or /private prefix
 * ("/comment"). Which entries exist, who may read or write them and what values they take is the
 * caller's: this layer only keeps values.
 */
import { MailError } from '../common/errors.js';
import { openDb, sqliteError, writeTransaction, type Db } from '../common/sqlite.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS annotations (
  mailbox TEXT NOT NULL,
  entry TEXT NOT NULL,
  userid TEXT NOT NULL,
  value BLOB NOT NULL,
  modified INTEGER NOT NULL,
  PRIMARY KEY (mailbox, entry, userid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS annotations_by_user ON annotations (userid);
`;

/** The server's own annotations ("" mailbox of GETMETADATA / SETMETADATA). */
export const SERVER_ANNOTATIONS = '';

/**
 * The entries (shared, as stored: without /shared) of Cyrus's vendor annotations that the server
 * acts on, named here once for METADATA, which writes them, and for the readers: cyr_expire
 * (expire), LMTP (duplicatedeliver), POP3 (pop3showafter), squatter -a (squat).
 */
export const VENDOR_ENTRY = {
  expire: '/vendor/cmu/cyrus-imapd/expire',
  duplicateDeliver: '/vendor/cmu/cyrus-imapd/duplicatedeliver',
  pop3ShowAfter: '/vendor/cmu/cyrus-imapd/pop3showafter',
  squat: '/vendor/cmu/cyrus-imapd/squat',
} as const;

export interface AnnotationValue {
  /** Lower-cased, without the /shared or /private prefix: "/comment", "/vendor/cmu/cyrus-imapd/expire". */
  entry: string;
  /** "" for a /shared entry, the owner's userid for a /private one. */
  userid: string;
  value: Buffer;
}

/** One change of a SETMETADATA: `value` null removes the entry. */
export interface AnnotationChange {
  entry: string;
  userid: string;
  value: Buffer | null;
}

export interface AnnotationLimits {
  /** Most entries one mailbox (or the server) may hold per owner, shared and each user's private counted apart (0: no limit). */
  maxEntries: number;
}

export class AnnotationStore {
  private readonly db: Db;
  private readonly stmts;
  /** Asked before a mailbox's annotations change; throws to refuse (the store's: an XFER moves the mailbox). */
  writeGuard: ((mailbox: string) => void) | null = null;

  constructor(file: string, durable: boolean) {
    this.db = openDb(file, { durable, cacheKiB: 256 });
    try {
      this.db.exec(SCHEMA);
    } catch (err) {
      this.db.close();
      throw sqliteError(err, 'annotations.db');
    }
    this.stmts = {
      shared: this.db.prepare<[string, string], Buffer>("SELECT value FROM annotations WHERE mailbox = ? AND entry = ? AND userid = ''").pluck(),
      sharedEverywhere: this.db.prepare<[string], { mailbox: string; value: Buffer }>("SELECT mailbox, value FROM annotations WHERE entry = ? AND userid = '' AND mailbox != ''"),
      visible: this.db.prepare<[string, string], { entry: string; userid: string; value: Buffer }>(
        "SELECT entry, userid, value FROM annotations WHERE mailbox = ? AND (userid = '' OR userid = ?) ORDER BY entry, userid",
      ),
      count: this.db.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM annotations WHERE mailbox = ? AND userid = ?'),
      put: this.db.prepare<[string, string, string, Buffer, number]>(
        'INSERT OR REPLACE INTO annotations (mailbox, entry, userid, value, modified) VALUES (?, ?, ?, ?, ?)',
      ),
      drop: this.db.prepare<[string, string, string]>('DELETE FROM annotations WHERE mailbox = ? AND entry = ? AND userid = ?'),
      forgetMailbox: this.db.prepare<[string]>('DELETE FROM annotations WHERE mailbox = ?'),
      forgetUser: this.db.prepare<[string]>('DELETE FROM annotations WHERE userid = ?'),
      renameUser: this.db.prepare<[string, string]>('UPDATE OR REPLACE annotations SET userid = ? WHERE userid = ?'),
      everyOf: this.db.prepare<[string], { entry: string; userid: string; value: Buffer }>('SELECT entry, userid, value FROM annotations WHERE mailbox = ? ORDER BY entry, userid'),
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The stored entries of `mailbox` (a uniqueid, or SERVER_ANNOTATIONS) that `userid` may see: the shared ones and its private ones. */
  visible(mailbox: string, userid: string): AnnotationValue[] {
    try {
      return this.stmts.visible.all(mailbox, userid);
    } catch (err) {
      throw sqliteError(err, 'annotations.db read');
    }
  }

  /** The shared value of `entry` ("/vendor/cmu/cyrus-imapd/expire") on `mailbox` (a uniqueid), or null. */
  shared(mailbox: string, entry: string): Buffer | null {
    try {
      return this.stmts.shared.get(mailbox, entry) ?? null;
    } catch (err) {
      throw sqliteError(err, 'annotations.db read');
    }
  }

  /**
   * Every mailbox (uniqueid) whose expire annotation is a number of days (0 included: Cyrus's "keep
   * everything"), with that number, read in one query (cyr_expire's passes over all mailboxes).
   */
  expireDays(): Map<string, number> {
    let rows: Array<{ mailbox: string; value: Buffer }>;
    try {
      rows = this.stmts.sharedEverywhere.all(VENDOR_ENTRY.expire);
    } catch (err) {
      throw sqliteError(err, 'annotations.db read');
    }
    const days = new Map<string, number>();
    for (const row of rows) {
      const n = Number(row.value.toString('latin1'));
      if (Number.isFinite(n) && n >= 0) days.set(row.mailbox, n);
    }
    return days;
  }

  /**
   * Apply every change of one SETMETADATA in one transaction: all or none. MailError Limit (with
   * detail.tooMany) when an owner would hold more than `limits.maxEntries` entries in the mailbox.
   */
  apply(mailbox: string, changes: readonly AnnotationChange[], limits: AnnotationLimits): void {
    if (mailbox !== SERVER_ANNOTATIONS) this.writeGuard?.(mailbox);
    const now = Date.now();
    writeTransaction(this.db, 'annotations write', () => {
      const owners = new Set<string>();
      for (const change of changes) {
        if (change.value === null) this.stmts.drop.run(mailbox, change.entry, change.userid);
        else this.stmts.put.run(mailbox, change.entry, change.userid, change.value, now);
        owners.add(change.userid);
      }
      if (limits.maxEntries > 0) {
        for (const owner of owners) {
          // Thrown inside the transaction: it rolls back, nothing of the command stays.
          if (this.stmts.count.get(mailbox, owner)!.n > limits.maxEntries) throw new MailError('Limit', 'Too many annotations', { tooMany: true });
        }
      }
    });
  }

  /** Every annotation of `mailbox` (a uniqueid): the shared ones and every user's private ones (XFER). */
  everyValueOf(mailbox: string): AnnotationValue[] {
    try {
      return this.stmts.everyOf.all(mailbox);
    } catch (err) {
      throw sqliteError(err, 'annotations.db read');
    }
  }

  /** Set `mailbox`'s annotations to exactly `values` (a mailbox arriving by XFER), in one transaction. */
  replaceAll(mailbox: string, values: readonly AnnotationValue[]): void {
    const now = Date.now();
    writeTransaction(this.db, 'annotations replace', () => {
      this.stmts.forgetMailbox.run(mailbox);
      for (const v of values) this.stmts.put.run(mailbox, v.entry, v.userid, v.value, now);
    });
  }

  /** Drop every annotation of a mailbox (its delete for good). */
  forgetMailbox(mailbox: string): void {
    writeTransaction(this.db, 'annotations forget mailbox', () => this.stmts.forgetMailbox.run(mailbox));
  }

  /** Drop a user's private annotations everywhere (a user delete). */
  forgetUser(userid: string): void {
    if (userid === '') return;
    writeTransaction(this.db, 'annotations forget user', () => this.stmts.forgetUser.run(userid));
  }

  /** Give `from`'s private annotations to `to` (a user rename). */
  renameUser(from: string, to: string): void {
    if (from === '' || to === '') return;
    writeTransaction(this.db, 'annotations rename user', () => this.stmts.renameUser.run(to, from));
  }
}
