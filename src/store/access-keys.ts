/**
 * Mailbox access keys of URLAUTH (RFC 4467 section 2.2) in mboxkey.db (configdirectory, SQLite,
 * WAL): one random secret per user and mailbox, made on first use (GENURLAUTH), dropped by
 * RESETKEY, which invalidates every URL signed with it. Keyed by the mailbox's uniqueid, so a
 * mailbox deleted and created again under the same name never honours the old URLs.
 */
import { randomBytes } from 'node:crypto';
import { openDb, sqliteError, writeTransaction, type Db } from '../common/sqlite.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS access_keys (
  userid TEXT NOT NULL,
  uniqueid TEXT NOT NULL,
  secret BLOB NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY (userid, uniqueid)
) WITHOUT ROWID;
`;

/** Bytes of a new key (RFC 4467: at least 128 bits). */
const KEY_BYTES = 32;

export class AccessKeyStore {
  private readonly db: Db;
  private readonly stmts;

  constructor(file: string, durable: boolean) {
    this.db = openDb(file, { durable, cacheKiB: 128 });
    try {
      this.db.exec(SCHEMA);
    } catch (err) {
      this.db.close();
      throw sqliteError(err, 'mboxkey.db');
    }
    this.stmts = {
      get: this.db.prepare<[string, string], { secret: Buffer }>('SELECT secret FROM access_keys WHERE userid = ? AND uniqueid = ?'),
      put: this.db.prepare<[string, string, Buffer, number]>('INSERT OR IGNORE INTO access_keys (userid, uniqueid, secret, created) VALUES (?, ?, ?, ?)'),
      drop: this.db.prepare<[string, string]>('DELETE FROM access_keys WHERE userid = ? AND uniqueid = ?'),
      dropUser: this.db.prepare<[string]>('DELETE FROM access_keys WHERE userid = ?'),
      renameUser: this.db.prepare<[string, string]>('UPDATE OR REPLACE access_keys SET userid = ? WHERE userid = ?'),
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The user's key for the mailbox, or null when there is none (never made, or reset). */
  find(userid: string, uniqueId: string): Buffer | null {
    try {
      return this.stmts.get.get(userid, uniqueId)?.secret ?? null;
    } catch (err) {
      throw sqliteError(err, 'mboxkey.db read');
    }
  }

  /** The user's key for the mailbox, made now when there is none. */
  obtain(userid: string, uniqueId: string): Buffer {
    return writeTransaction(this.db, 'access key', () => {
      this.stmts.put.run(userid, uniqueId, randomBytes(KEY_BYTES), Date.now());
      return this.stmts.get.get(userid, uniqueId)!.secret;
    });
  }

  /** Drop one mailbox's key (uniqueId given) or every key of the user. Returns how many went. */
  reset(userid: string, uniqueId: string | null = null): number {
    return writeTransaction(this.db, 'access key reset', () =>
      uniqueId === null ? this.stmts.dropUser.run(userid).changes : this.stmts.drop.run(userid, uniqueId).changes,
    );
  }

  /** A user's rename: the keys follow. */
  renameUser(from: string, to: string): void {
    writeTransaction(this.db, 'access keys rename user', () => this.stmts.renameUser.run(to, from));
  }
}
