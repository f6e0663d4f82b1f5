/**
 * Subscriptions (subscriptions.db in configdirectory, SQLite, WAL): per user, a set of internal
 * mailbox names. Renaming or deleting a mailbox leaves them alone: IMAP's LSUB may list names
 * that no longer exist.
 */
import { openDb, sqliteError, writeTransaction, type Db } from '../common/sqlite.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS subscriptions (
  userid TEXT NOT NULL,
  mailbox TEXT NOT NULL,
  PRIMARY KEY (userid, mailbox)
) WITHOUT ROWID;
`;

export class SubscriptionStore {
  private readonly db: Db;
  private readonly stmts;

  constructor(file: string, durable: boolean) {
    this.db = openDb(file, { durable, cacheKiB: 512 });
    try {
      this.db.exec(SCHEMA);
    } catch (err) {
      this.db.close();
      throw sqliteError(err, 'subscriptions.db');
    }
    this.stmts = {
      list: this.db.prepare<[string], { mailbox: string }>('SELECT mailbox FROM subscriptions WHERE userid = ? ORDER BY mailbox'),
      add: this.db.prepare<[string, string]>('INSERT OR IGNORE INTO subscriptions (userid, mailbox) VALUES (?, ?)'),
      remove: this.db.prepare<[string, string]>('DELETE FROM subscriptions WHERE userid = ? AND mailbox = ?'),
      forgetUser: this.db.prepare<[string]>('DELETE FROM subscriptions WHERE userid = ?'),
      all: this.db.prepare<[], [string, string]>('SELECT userid, mailbox FROM subscriptions ORDER BY userid, mailbox').raw(true),
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  list(userid: string): string[] {
    try {
      return this.stmts.list.all(userid).map((r) => r.mailbox);
    } catch (err) {
      throw sqliteError(err, 'subscriptions.db read');
    }
  }

  /** Every user's subscriptions (arbitron), by user and name. */
  all(): Array<{ userid: string; mailbox: string }> {
    try {
      return this.stmts.all.all().map(([userid, mailbox]) => ({ userid, mailbox }));
    } catch (err) {
      throw sqliteError(err, 'subscriptions.db read');
    }
  }

  subscribe(userid: string, mailbox: string): void {
    writeTransaction(this.db, 'subscribe', () => this.stmts.add.run(userid, mailbox));
  }

  /** Returns false when the user was not subscribed. */
  unsubscribe(userid: string, mailbox: string): boolean {
    return writeTransaction(this.db, 'unsubscribe', () => this.stmts.remove.run(userid, mailbox).changes > 0);
  }

  /**
   * Give `from`'s subscriptions to `to` (a user rename), each name passed through `rename` (the
   * names inside the renamed hierarchy follow it); whatever `to` had before is dropped.
   */
  renameUser(from: string, to: string, rename: (mailbox: string) => string): void {
    writeTransaction(this.db, 'subscriptions rename user', () => {
      const names = this.stmts.list.all(from).map((r) => r.mailbox);
      this.stmts.forgetUser.run(to);
      this.stmts.forgetUser.run(from);
      for (const name of names) this.stmts.add.run(to, rename(name));
    });
  }

  /** Set `userid`'s subscriptions to exactly `names` (a user arriving by XFER). */
  replaceUser(userid: string, names: readonly string[]): void {
    writeTransaction(this.db, 'subscriptions replace user', () => {
      this.stmts.forgetUser.run(userid);
      for (const name of names) this.stmts.add.run(userid, name);
    });
  }

  /** Drop every subscription of a user (a user delete). */
  forgetUser(userid: string): void {
    writeTransaction(this.db, 'subscriptions forget user', () => this.stmts.forgetUser.run(userid));
  }
}
