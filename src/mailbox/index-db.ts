/**
 * cyrus.index: the per-mailbox SQLite database (WAL, synchronous=FULL unless fsync_disabled,
 * busy timeout). It holds the mailbox counters, one record per message, the expunged UIDs with
 * their modseq (for QRESYNC VANISHED), the keyword names, and the cache.
 *
 * The cache (MessageSummary as JSON) is a table of this same database, not a second file: an
 * append then writes record and cache in one transaction with one WAL fsync, so neither can exist
 * without the other after a crash; beside it imap_forms keeps ENVELOPE and BODYSTRUCTURE rendered
 * as IMAP text at append time (as Cyrus caches them), and search_headers the raw header block for
 * SEARCH on header fields; and since SQLite keeps each table in its own pages, scanning
 * the records for a snapshot never reads cache pages. reconstruct rebuilds both.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openDb, sqliteError, type Db } from '../common/sqlite.js';
import { INDEX_FILE } from './files.js';
import { FLAG_DELETED } from './flags.js';

/**
 * Kept in the file's user_version: an index at this version already has every table and index
 * of SCHEMA, so opening it skips the schema statements (a tenth of a millisecond per open, which
 * LIST-STATUS pays once per mailbox). Raise it whenever SCHEMA changes.
 */
const SCHEMA_VERSION = 5;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS mailbox (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  uniqueid TEXT NOT NULL,
  name TEXT NOT NULL,
  uidvalidity INTEGER NOT NULL,
  uidnext INTEGER NOT NULL,
  highestmodseq INTEGER NOT NULL,
  recentuid INTEGER NOT NULL DEFAULT 0,
  sharedseen INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'active',
  -- The highest modseq of any expunged record forgotten (cyr_expire -E): below it the expunged
  -- table no longer holds every UID expunged, so QRESYNC cannot report VANISHED from there.
  deletedmodseq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS messages (
  uid INTEGER PRIMARY KEY,
  modseq INTEGER NOT NULL,
  flags INTEGER NOT NULL,
  keywords TEXT,
  internaldate INTEGER NOT NULL,
  savedate INTEGER NOT NULL,
  size INTEGER NOT NULL,
  guid TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_modseq ON messages(modseq);
-- Partial: only the \\Deleted records, so STATUS DELETED counts them without a scan.
CREATE INDEX IF NOT EXISTS messages_deleted ON messages(uid) WHERE (flags & ${FLAG_DELETED}) != 0;
CREATE TABLE IF NOT EXISTS cache (uid INTEGER PRIMARY KEY, summary TEXT NOT NULL);
-- ENVELOPE and BODYSTRUCTURE of a cache row as IMAP text: TEXT, or BLOB when it holds 8-bit header
-- bytes. A table of its own, so FETCH ENVELOPE reads a fifth of the pages; rows cached before it
-- have none (FETCH formats their summary; reconstruct adds them). Goes when its cache row goes.
CREATE TABLE IF NOT EXISTS imap_forms (uid INTEGER PRIMARY KEY, envelope NOT NULL, bodystructure NOT NULL);
CREATE TRIGGER IF NOT EXISTS imap_forms_follow_cache AFTER DELETE ON cache BEGIN DELETE FROM imap_forms WHERE uid = old.uid; END;
-- The header block of a cache row as its raw bytes, so SEARCH on header fields (SUBJECT, FROM,
-- HEADER, SENT*) reads neither the summary JSON nor its pages; rows cached before it have none
-- (SEARCH reads their summary; reconstruct adds them). Goes when its cache row goes.
CREATE TABLE IF NOT EXISTS search_headers (uid INTEGER PRIMARY KEY, header BLOB NOT NULL);
CREATE TRIGGER IF NOT EXISTS search_headers_follow_cache AFTER DELETE ON cache BEGIN DELETE FROM search_headers WHERE uid = old.uid; END;
CREATE TABLE IF NOT EXISTS expunged (
  uid INTEGER PRIMARY KEY,
  modseq INTEGER NOT NULL,
  expunged_at INTEGER NOT NULL,
  file_removed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS expunged_modseq ON expunged(modseq);
CREATE TABLE IF NOT EXISTS user_flags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE);
`;

export type MailboxState = 'active' | 'moved' | 'deleted';

export interface MailboxRow {
  uniqueid: string;
  name: string;
  uidvalidity: number;
  uidnext: number;
  highestmodseq: number;
  recentuid: number;
  sharedseen: number;
  state: MailboxState;
  deletedmodseq: number;
}

export interface MessageRow {
  uid: number;
  modseq: number;
  flags: number;
  keywords: string | null;
  internaldate: number;
  savedate: number;
  size: number;
  guid: string;
}

export interface ExpungedRow {
  uid: number;
  modseq: number;
  expunged_at: number;
  file_removed: number;
}

export interface InitialCounters {
  uniqueId: string;
  name: string;
  uidValidity: number;
  highestModseq: number;
  sharedSeen: boolean;
}

/**
 * Statements are prepared on first use: a process may hold a thousand mailboxes open and most
 * handles only ever run a few of them.
 */
function lazy<T extends Record<string, () => unknown>>(makers: T): { [K in keyof T]: ReturnType<T[K]> } {
  const out = {} as { [K in keyof T]: ReturnType<T[K]> };
  for (const key of Object.keys(makers) as Array<keyof T>) {
    Object.defineProperty(out, key, {
      configurable: true,
      enumerable: true,
      get() {
        const value = makers[key]!();
        Object.defineProperty(out, key, { value, enumerable: true });
        return value;
      },
    });
  }
  return out;
}

function prepare(db: Db) {
  return lazy({
    mailbox: () => db.prepare<[], MailboxRow>('SELECT uniqueid, name, uidvalidity, uidnext, highestmodseq, recentuid, sharedseen, state, deletedmodseq FROM mailbox WHERE id = 1'),
    // Only ever raised: a late -E run over older records must not lower it.
    raiseDeletedModseq: () => db.prepare<[number]>('UPDATE mailbox SET deletedmodseq = max(deletedmodseq, ?) WHERE id = 1'),
    setCounters: () => db.prepare<[number, number]>('UPDATE mailbox SET uidnext = ?, highestmodseq = ? WHERE id = 1'),
    setRecent: () => db.prepare<[number]>('UPDATE mailbox SET recentuid = ? WHERE id = 1'),
    setState: () => db.prepare<[MailboxState]>('UPDATE mailbox SET state = ? WHERE id = 1'),
    setName: () => db.prepare<[string]>('UPDATE mailbox SET name = ? WHERE id = 1'),
    message: () => db.prepare<[number], MessageRow>('SELECT uid, modseq, flags, keywords, internaldate, savedate, size, guid FROM messages WHERE uid = ?'),
    allMessages: () => db.prepare<[], MessageRow>('SELECT uid, modseq, flags, keywords, internaldate, savedate, size, guid FROM messages ORDER BY uid'),
    // One row of comma-separated columns: fetching 100,000 rows one by one costs ~1.5 us per row in
    // better-sqlite3, building five strings in SQLite and scanning them costs a fifth of that.
    snapshotColumns: () =>
      db.prepare<[], [string | null, string | null, string | null, string | null, string | null]>(
        // uid is the rowid: the ordered subquery is a plain scan, no sort (an aggregate ORDER BY would
        // sort five times). The caller checks the order anyway.
        "SELECT group_concat(uid), group_concat(modseq), group_concat(flags), group_concat(internaldate), group_concat(size) FROM (SELECT uid, modseq, flags, internaldate, size FROM messages ORDER BY uid)",
      ).raw(true),
    snapshotKeywords: () => db.prepare<[], [number, string]>("SELECT uid, keywords FROM messages WHERE keywords IS NOT NULL AND keywords != '' ORDER BY uid").raw(true),
    // INDEXED BY: without it SQLite prefers walking the whole table in uid order to sorting the few
    // rows the modseq index finds (a NOOP on 100,000 messages then read every record).
    changedSince: () => db.prepare<[number], MessageRow>('SELECT uid, modseq, flags, keywords, internaldate, savedate, size, guid FROM messages INDEXED BY messages_modseq WHERE modseq > ? ORDER BY uid'),
    countBetween: () => db.prepare<[number, number]>('SELECT count(*) FROM messages WHERE uid BETWEEN ? AND ?').pluck(),
    countFlagClear: () => db.prepare<[number]>('SELECT count(*) FROM messages WHERE (flags & ?) = 0').pluck(),
    // The flag is a literal so that SQLite uses the partial index messages_deleted.
    countDeleted: () => db.prepare<[]>(`SELECT count(*) FROM messages WHERE (flags & ${FLAG_DELETED}) != 0`).pluck(),
    countAbove: () => db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM messages WHERE uid > ?'),
    uidsAbove: () => db.prepare<[number], { uid: number }>('SELECT uid FROM messages WHERE uid > ? ORDER BY uid'),
    deletedUids: () => db.prepare<[number], { uid: number }>('SELECT uid FROM messages WHERE (flags & ?) != 0 ORDER BY uid'),
    insertMessage: () => db.prepare<MessageRow>('INSERT INTO messages (uid, modseq, flags, keywords, internaldate, savedate, size, guid) VALUES (@uid, @modseq, @flags, @keywords, @internaldate, @savedate, @size, @guid)'),
    updateFlags: () => db.prepare<[number, string | null, number, number]>('UPDATE messages SET flags = ?, keywords = ?, modseq = ? WHERE uid = ?'),
    updateModseq: () => db.prepare<[number, number]>('UPDATE messages SET modseq = ? WHERE uid = ?'),
    updateContent: () => db.prepare<[number, string, number]>('UPDATE messages SET size = ?, guid = ? WHERE uid = ?'),
    deleteMessage: () => db.prepare<[number]>('DELETE FROM messages WHERE uid = ?'),
    counts: () => db.prepare<[], { messages: number; size: number | null; maxuid: number | null; maxmodseq: number | null }>('SELECT count(*) AS messages, sum(size) AS size, max(uid) AS maxuid, max(modseq) AS maxmodseq FROM messages'),
    cache: () => db.prepare<[number], { summary: string }>('SELECT summary FROM cache WHERE uid = ?'),
    cacheRange: () => db.prepare<[number, number], [number, string]>('SELECT uid, summary FROM cache WHERE uid BETWEEN ? AND ?').raw(true),
    // Rendered forms of many messages: [uid, envelope, bodystructure], NULLs in rows from before them.
    // The TEXT forms of a UID range as one row: the uids, and the forms joined by NUL, '' for a BLOB
    // (8-bit) form (as with snapshotColumns: one row is far cheaper than a row per message).
    formsColumns: () =>
      db.prepare<[number, number], [string | null, string | null, string | null]>(
        "SELECT group_concat(uid), group_concat(CASE typeof(envelope) WHEN 'text' THEN envelope ELSE '' END, char(0)), group_concat(CASE typeof(bodystructure) WHEN 'text' THEN bodystructure ELSE '' END, char(0)) FROM (SELECT uid, envelope, bodystructure FROM imap_forms WHERE uid BETWEEN ? AND ? ORDER BY uid)",
      ).raw(true),
    envelopeColumns: () =>
      db.prepare<[number, number], [string | null, string | null]>(
        "SELECT group_concat(uid), group_concat(CASE typeof(envelope) WHEN 'text' THEN envelope ELSE '' END, char(0)) FROM (SELECT uid, envelope FROM imap_forms WHERE uid BETWEEN ? AND ? ORDER BY uid)",
      ).raw(true),
    forms: () => db.prepare<[number], [string | Buffer, string | Buffer]>('SELECT envelope, bodystructure FROM imap_forms WHERE uid = ?').raw(true),
    putCache: () => db.prepare<[number, string]>('INSERT OR REPLACE INTO cache (uid, summary) VALUES (?, ?)'),
    putForms: () => db.prepare<[number, string | Buffer, string | Buffer]>('INSERT OR REPLACE INTO imap_forms (uid, envelope, bodystructure) VALUES (?, ?, ?)'),
    putHeader: () => db.prepare<[number, Buffer]>('INSERT OR REPLACE INTO search_headers (uid, header) VALUES (?, ?)'),
    // Header blocks of a UID range: [uid, raw header bytes].
    headersRange: () => db.prepare<[number, number], [number, Buffer]>('SELECT uid, header FROM search_headers WHERE uid BETWEEN ? AND ?').raw(true),
    // The same as one row: the uids, the byte lengths, and the blocks end to end as one BLOB (one
    // Buffer instead of one per message, which costs more than the query itself).
    headersColumns: () =>
      db.prepare<[number, number], [string | null, string | null, Buffer | null]>(
        "SELECT group_concat(uid), group_concat(length(header)), CAST(group_concat(CAST(header AS TEXT), '') AS BLOB) FROM (SELECT uid, header FROM search_headers WHERE uid BETWEEN ? AND ? ORDER BY uid)",
      ).raw(true),
    headerlessCache: () => db.prepare<[], { uid: number; summary: string }>('SELECT uid, summary FROM cache WHERE uid NOT IN (SELECT uid FROM search_headers)'),
    unrenderedCache: () => db.prepare<[], { uid: number; summary: string }>('SELECT uid, summary FROM cache WHERE uid NOT IN (SELECT uid FROM imap_forms)'),
    deleteCache: () => db.prepare<[number]>('DELETE FROM cache WHERE uid = ?'),
    uncachedUids: () => db.prepare<[], { uid: number }>('SELECT uid FROM messages WHERE uid NOT IN (SELECT uid FROM cache)'),
    strayCache: () => db.prepare<[], { uid: number }>('SELECT uid FROM cache WHERE uid NOT IN (SELECT uid FROM messages)'),
    insertExpunged: () => db.prepare<[number, number, number, number]>('INSERT OR REPLACE INTO expunged (uid, modseq, expunged_at, file_removed) VALUES (?, ?, ?, ?)'),
    expunged: () => db.prepare<[number], ExpungedRow>('SELECT uid, modseq, expunged_at, file_removed FROM expunged WHERE uid = ?'),
    allExpunged: () => db.prepare<[], ExpungedRow>('SELECT uid, modseq, expunged_at, file_removed FROM expunged'),
    setIdentity: () => db.prepare<[string, string]>("UPDATE mailbox SET uniqueid = ?, name = ?, state = 'active' WHERE id = 1"),
    expungedSince: () => db.prepare<[number], { uid: number }>('SELECT uid FROM expunged INDEXED BY expunged_modseq WHERE modseq > ? ORDER BY uid'),
    expungedFilesBefore: () => db.prepare<[number], { uid: number }>('SELECT uid FROM expunged WHERE file_removed = 0 AND expunged_at <= ? ORDER BY uid'),
    expungedWithFiles: () => db.prepare<[], { uid: number }>('SELECT uid FROM expunged WHERE file_removed = 0 ORDER BY uid'),
    prunableExpungedBefore: () => db.prepare<[number], { uid: number; modseq: number }>('SELECT uid, modseq FROM expunged WHERE file_removed = 1 AND expunged_at <= ? ORDER BY uid'),
    deleteExpunged: () => db.prepare<[number]>('DELETE FROM expunged WHERE uid = ?'),
    markFileRemoved: () => db.prepare<[number]>('UPDATE expunged SET file_removed = 1 WHERE uid = ?'),
    userFlags: () => db.prepare<[], { name: string }>('SELECT name FROM user_flags ORDER BY id'),
    addUserFlag: () => db.prepare<[string]>('INSERT OR IGNORE INTO user_flags (name) VALUES (?)'),
  });
}

export type IndexStatements = ReturnType<typeof prepare>;

/**
 * Bring an older index up to SCHEMA and mark it: tables and indexes are only ever added, and
 * columns added to an existing table (which CREATE TABLE IF NOT EXISTS cannot do) are added here,
 * under the write lock so that two processes upgrading at once do not both add them.
 */
function upgradeSchema(db: Db): void {
  db.exec(SCHEMA);
  db.transaction(() => {
    const columns = new Set((db.pragma('table_info(mailbox)') as Array<{ name: string }>).map((c) => c.name));
    if (!columns.has('deletedmodseq')) db.exec('ALTER TABLE mailbox ADD COLUMN deletedmodseq INTEGER NOT NULL DEFAULT 0');
  }).immediate();
  try {
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  } catch {
    // Only an optimisation: another process holding the write lock just means the next open upgrades.
  }
}

/** An open cyrus.index. */
export class IndexDb {
  readonly stmts: IndexStatements;
  /** The file and its inode: an index rebuilt in a new file is another index (snapshot-cache.ts). */
  readonly identity: string;

  private constructor(readonly db: Db, readonly file: string) {
    this.stmts = prepare(db);
    let inode = 0;
    try {
      inode = statSync(file).ino;
    } catch {
      // in-memory or already gone: the path alone
    }
    this.identity = `${file}#${inode}`;
  }

  static exists(dir: string): boolean {
    return existsSync(join(dir, INDEX_FILE));
  }

  /** Open an existing index; NotFound-like errors surface from SQLite when it is missing. */
  static open(dir: string, durable: boolean): IndexDb {
    const file = join(dir, INDEX_FILE);
    const db = openDb(file, { durable, cacheKiB: 128 });
    try {
      if ((db.pragma('user_version', { simple: true }) as number) < SCHEMA_VERSION) upgradeSchema(db);
      const index = new IndexDb(db, file);
      if (!index.stmts.mailbox.get()) throw new Error(`${file} has no mailbox row`);
      return index;
    } catch (err) {
      db.close();
      throw sqliteError(err, `open ${file}`);
    }
  }

  /** Create a new index with its counters (the file must not hold a mailbox row yet). */
  static create(dir: string, durable: boolean, init: InitialCounters): IndexDb {
    const file = join(dir, INDEX_FILE);
    const db = openDb(file, { durable, cacheKiB: 128 });
    try {
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      db.prepare('INSERT INTO mailbox (id, uniqueid, name, uidvalidity, uidnext, highestmodseq, sharedseen) VALUES (1, ?, ?, ?, 1, ?, ?)').run(
        init.uniqueId,
        init.name,
        init.uidValidity,
        init.highestModseq,
        init.sharedSeen ? 1 : 0,
      );
      return new IndexDb(db, file);
    } catch (err) {
      db.close();
      throw sqliteError(err, `create ${file}`);
    }
  }

  /** The identity row of the index in `dir`, or null when there is no readable index. */
  static identity(dir: string, durable: boolean): { uniqueid: string; state: MailboxState } | null {
    if (!IndexDb.exists(dir)) return null;
    try {
      const index = IndexDb.open(dir, durable);
      try {
        const row = index.mailbox();
        return { uniqueid: row.uniqueid, state: row.state };
      } finally {
        index.close();
      }
    } catch {
      return null;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  mailbox(): MailboxRow {
    const row = this.stmts.mailbox.get();
    if (!row) throw new Error(`${this.file} lost its mailbox row`);
    return row;
  }
}
