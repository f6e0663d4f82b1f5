/**
 * The deny list (Cyrus's user_deny.db; `userdeny_db_path`, default configdirectory/user_deny.db):
 * for each user denied access, the services denied (a comma-separated list of wildmat patterns,
 * "*" for every service, "!pattern" to except one) and the message the admin gave. cyr_deny writes
 * it; the auth module reads it at every login (src/auth/user-deny.ts decides what a row means).
 * One SQLite database (WAL): a worker's open handle sees a change as soon as cyr_deny commits.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ImapdConfig } from '../config/index.js';
import { openDb, readWithWaits, sqliteError, writeTransaction, type Db } from '../common/sqlite.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS denied (
  userid TEXT PRIMARY KEY,
  services TEXT NOT NULL,
  message TEXT,
  changed INTEGER NOT NULL
) WITHOUT ROWID;
`;

export interface UserDenyEntry {
  userid: string;
  /** Comma-separated wildmat patterns of the services denied ("*": all). */
  services: string;
  /** The admin's message, or null for the default one. */
  message: string | null;
  /** When the entry was written (ms since the epoch). */
  changed: number;
}

/** Where user_deny.db lives: userdeny_db_path, else configdirectory/user_deny.db. */
export function userDenyDbPath(config: ImapdConfig): string {
  return config.path('userdeny_db_path') ?? join(config.configDirectory, 'user_deny.db');
}

export class UserDenyList {
  private readonly stmts;

  private constructor(private readonly db: Db) {
    this.stmts = {
      get: db.prepare<[string], UserDenyEntry>('SELECT userid, services, message, changed FROM denied WHERE userid = ?'),
      all: db.prepare<[], UserDenyEntry>('SELECT userid, services, message, changed FROM denied ORDER BY userid'),
      put: db.prepare<[string, string, string | null, number]>('INSERT OR REPLACE INTO denied (userid, services, message, changed) VALUES (?, ?, ?, ?)'),
      remove: db.prepare<[string]>('DELETE FROM denied WHERE userid = ?'),
      version: db.prepare<[], number>('PRAGMA data_version').pluck(),
    };
  }

  /**
   * Open the list at `file`. With `create` false a missing file is not made: null is returned
   * (nobody is denied), as Cyrus ignores a missing user_deny.db.
   */
  static open(file: string, opts: { durable: boolean; create: boolean }): UserDenyList | null {
    if (!existsSync(file)) {
      if (!opts.create) return null;
      mkdirSync(dirname(file), { recursive: true });
    }
    const db = openDb(file, { durable: opts.durable, cacheKiB: 256 });
    try {
      db.exec(SCHEMA);
      return new UserDenyList(db);
    } catch (err) {
      db.close();
      throw sqliteError(err, 'user_deny.db');
    }
  }

  static fromConfig(config: ImapdConfig, opts: { create: boolean }): UserDenyList | null {
    return UserDenyList.open(userDenyDbPath(config), { durable: !config.bool('fsync_disabled'), create: opts.create });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The entry of canonical `userid`, or null when the user is not denied anything. */
  entry(userid: string): UserDenyEntry | null {
    try {
      return readWithWaits(this.db, () => this.stmts.get.get(userid)) ?? null;
    } catch (err) {
      throw sqliteError(err, 'user_deny.db');
    }
  }

  /** A number that changes when another connection (cyr_deny in another process) commits a change. */
  version(): number {
    try {
      return this.stmts.version.get()!;
    } catch (err) {
      throw sqliteError(err, 'user_deny.db');
    }
  }

  /** Every entry, by userid. */
  entries(): UserDenyEntry[] {
    try {
      return readWithWaits(this.db, () => this.stmts.all.all());
    } catch (err) {
      throw sqliteError(err, 'user_deny.db');
    }
  }

  /** Deny `userid` the services matching `services`; replaces any earlier entry of the user. */
  deny(userid: string, services: string, message: string | null): void {
    writeTransaction(this.db, 'user_deny.db deny', () => this.stmts.put.run(userid, services, message, Date.now()));
  }

  /** Allow `userid` every service again; whether there was an entry. */
  allow(userid: string): boolean {
    return writeTransaction(this.db, 'user_deny.db allow', () => this.stmts.remove.run(userid).changes > 0);
  }
}
