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
import { dirname, join } from 'node:path';
import type { Statement } from 'better-sqlite3';
import { openDb, readWithWaits, sqliteError, type Db } from '../common/sqlite.js';
import { storedFields, type MessageSummary, type SearchText, type StoredFields } from '../message/index.js';
import { INDEX_FILE, holdSyncPath, releaseSyncPath } from './files.js';
import { FLAG_DELETED, FLAG_FLAGGED, FLAG_SEEN } from './flags.js';

/**
 * Kept in the file's user_version: an index at this version already has every table and index
 * of SCHEMA, so opening it skips the schema statements (a tenth of a millisecond per open, which
 * LIST-STATUS pays once per mailbox). Raise it whenever SCHEMA changes.
 */
const SCHEMA_VERSION = 11;

/** The highest index format this code reads (an index copied from a newer server is refused). */
export const INDEX_SCHEMA_VERSION = SCHEMA_VERSION;

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
  deletedmodseq INTEGER NOT NULL DEFAULT 0,
  -- Counters kept by the triggers below in the transaction that changes the records, so STATUS
  -- reads them instead of counting (messages_seen: records with \\Seen, the bit being the
  -- seen_owner's \\Seen, or everyone's in a sharedseen mailbox).
  messages_count INTEGER NOT NULL DEFAULT 0,
  messages_size INTEGER NOT NULL DEFAULT 0,
  messages_deleted INTEGER NOT NULL DEFAULT 0,
  messages_flagged INTEGER NOT NULL DEFAULT 0,
  messages_seen INTEGER NOT NULL DEFAULT 0,
  -- Whose \\Seen the records' \\Seen bit is (not sharedseen): the mailbox owner's once adopted
  -- (seen-owner.ts); every other user's stays in seen.db. NULL: nobody's (the bits are clear), as
  -- in an index from before it, whose owner's \\Seen is still in seen.db until adopted.
  seen_owner TEXT,
  -- The XFER moving the mailbox to another Murder backend (src/store/xfer-*.ts): while set, every
  -- change of the records is refused (MailError InUse), so the copy taken is the mailbox. NULL: none.
  xfer TEXT,
  -- The modseq of the last change of an internal date (mbtool -t), 0: never. SORT orders kept by
  -- other processes (sort-order-cache.ts) hold while it stays the same.
  datesmodseq INTEGER NOT NULL DEFAULT 0
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
-- What SORT, THREAD and SEARCH read of a message, worked out at append (message/storedFields.ts):
-- the sort keys (base subject lower case, sent time, first mailbox and display name of From / To /
-- Cc), the thread links, and the FROM / TO / CC / BCC / SUBJECT values (and parsed addresses)
-- normalised for SEARCH, joined by newlines, NULL when the field is absent. Goes with its cache row.
CREATE TABLE IF NOT EXISTS message_fields (
  uid INTEGER PRIMARY KEY,
  base_subject TEXT NOT NULL,
  reply_or_forward INTEGER NOT NULL,
  sent INTEGER,
  sent_day INTEGER,
  from_mailbox TEXT NOT NULL,
  to_mailbox TEXT NOT NULL,
  cc_mailbox TEXT NOT NULL,
  display_from TEXT NOT NULL,
  display_to TEXT NOT NULL,
  message_id TEXT,
  in_reply_to TEXT,
  refs TEXT,
  search_from TEXT,
  search_to TEXT,
  search_cc TEXT,
  search_bcc TEXT,
  search_subject TEXT,
  -- 1 when the message's text is in search_text (appended under search_engine): BODY / TEXT ask
  -- the FTS5 index for it, the others read their files.
  text_indexed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS message_fields_unindexed ON message_fields(uid) WHERE text_indexed = 0;
CREATE TRIGGER IF NOT EXISTS message_fields_follow_cache AFTER DELETE ON cache BEGIN DELETE FROM message_fields WHERE uid = old.uid; END;
CREATE TABLE IF NOT EXISTS expunged (
  uid INTEGER PRIMARY KEY,
  modseq INTEGER NOT NULL,
  expunged_at INTEGER NOT NULL,
  file_removed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS expunged_modseq ON expunged(modseq);
CREATE TABLE IF NOT EXISTS user_flags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE);
-- Per-message annotations (RFC 5257, ANNOTATE-EXPERIMENT-1): userid '' is the shared value, else
-- that user's private one. Removed with the record in the expunge's transaction (annotations.ts).
CREATE TABLE IF NOT EXISTS message_annotations (
  uid INTEGER NOT NULL,
  entry TEXT NOT NULL,
  userid TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (uid, entry, userid)
) WITHOUT ROWID;
`;

/**
 * search_engine: the decoded header and body text of each message, normalised as SEARCH compares
 * them, in an FTS5 trigram index (rowid = uid; contentless: only the index is kept). A phrase of
 * three characters or more matches exactly the messages whose text holds it. Made by the first
 * append that indexes text, so an index without search_engine carries none of its pages.
 */
export const SEARCH_TEXT_SCHEMA = `
CREATE VIRTUAL TABLE IF NOT EXISTS search_text USING fts5(header, body, tokenize = 'trigram case_sensitive 1', content = '', contentless_delete = 1);
CREATE TRIGGER IF NOT EXISTS search_text_follow_cache AFTER DELETE ON cache BEGIN DELETE FROM search_text WHERE rowid = old.uid; END;
`;

/** 1 when a record's flags hold `bit`, else 0 (SQL). */
const has = (row: 'new' | 'old', bit: number): string => `((${row}.flags & ${bit}) != 0)`;

/**
 * The triggers keeping the mailbox row's counters (after SCHEMA: an index upgraded from before
 * them gets the columns first, see upgradeSchema).
 */
const COUNTER_TRIGGERS = `
CREATE TRIGGER IF NOT EXISTS count_inserted AFTER INSERT ON messages BEGIN
  UPDATE mailbox SET messages_count = messages_count + 1, messages_size = messages_size + new.size,
    messages_deleted = messages_deleted + ${has('new', FLAG_DELETED)}, messages_flagged = messages_flagged + ${has('new', FLAG_FLAGGED)},
    messages_seen = messages_seen + ${has('new', FLAG_SEEN)} WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS count_deleted AFTER DELETE ON messages BEGIN
  UPDATE mailbox SET messages_count = messages_count - 1, messages_size = messages_size - old.size,
    messages_deleted = messages_deleted - ${has('old', FLAG_DELETED)}, messages_flagged = messages_flagged - ${has('old', FLAG_FLAGGED)},
    messages_seen = messages_seen - ${has('old', FLAG_SEEN)} WHERE id = 1;
END;
CREATE TRIGGER IF NOT EXISTS count_updated AFTER UPDATE OF flags, size ON messages BEGIN
  UPDATE mailbox SET messages_size = messages_size + new.size - old.size,
    messages_deleted = messages_deleted + ${has('new', FLAG_DELETED)} - ${has('old', FLAG_DELETED)},
    messages_flagged = messages_flagged + ${has('new', FLAG_FLAGGED)} - ${has('old', FLAG_FLAGGED)},
    messages_seen = messages_seen + ${has('new', FLAG_SEEN)} - ${has('old', FLAG_SEEN)} WHERE id = 1;
END;
`;

/** The counter columns of the mailbox row, added to an index from before them. */
const COUNTER_COLUMNS = ['messages_count', 'messages_size', 'messages_deleted', 'messages_flagged', 'messages_seen'];

/** Set every counter from the records (an upgraded index, reconstruct). */
export const RECOUNT = `UPDATE mailbox SET
  messages_count = (SELECT count(*) FROM messages), messages_size = (SELECT ifnull(sum(size), 0) FROM messages),
  messages_deleted = (SELECT count(*) FROM messages WHERE (flags & ${FLAG_DELETED}) != 0),
  messages_flagged = (SELECT count(*) FROM messages WHERE (flags & ${FLAG_FLAGGED}) != 0),
  messages_seen = (SELECT count(*) FROM messages WHERE (flags & ${FLAG_SEEN}) != 0) WHERE id = 1`;

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
  messages_count: number;
  messages_size: number;
  messages_deleted: number;
  messages_flagged: number;
  messages_seen: number;
  seen_owner: string | null;
  /** The XFER id while the mailbox is being moved to another backend (its records frozen); else null. */
  xfer: string | null;
  /** The modseq of the last internal-date change (Mailbox.setInternalDates), 0: never. */
  datesmodseq: number;
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
  /** Whose \Seen the records' bit is (the owner of a user's mailbox; null for shared ones or sharedseen). */
  seenOwner: string | null;
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

/** A statement read the way its callers read it: `get` and `all` with rows as objects. */
export interface RowStatement<P extends unknown[], R> {
  /** The SQL text. */
  readonly source: string;
  get(...params: P): R | undefined;
  all(...params: P): R[];
}

/**
 * Rows fetched as arrays (better-sqlite3's raw mode) and made into objects here by `make`, an
 * object literal of one shape: better-sqlite3 builds an object row with one property store per
 * column, which costs about twice the array and the literal together (a STORE, FETCH or sync reads
 * the mailbox row and message rows several times per command).
 */
function rows<P extends unknown[], R>(db: Db, sql: string, make: (r: unknown[]) => R): RowStatement<P, R> {
  const stmt = (db.prepare(sql) as Statement<P, unknown[]>).raw(true);
  return {
    source: stmt.source,
    get: (...params: P) => {
      const r = stmt.get(...params);
      return r === undefined ? undefined : make(r);
    },
    all: (...params: P) => {
      const list = stmt.all(...params);
      const out: R[] = new Array<R>(list.length);
      for (let i = 0; i < list.length; i++) out[i] = make(list[i]!);
      return out;
    },
  };
}

const MAILBOX_COLUMNS = 'uniqueid, name, uidvalidity, uidnext, highestmodseq, recentuid, sharedseen, state, deletedmodseq, messages_count, messages_size, messages_deleted, messages_flagged, messages_seen, seen_owner, xfer, datesmodseq';

function mailboxRow(r: unknown[]): MailboxRow {
  return {
    uniqueid: r[0] as string, name: r[1] as string, uidvalidity: r[2] as number, uidnext: r[3] as number, highestmodseq: r[4] as number,
    recentuid: r[5] as number, sharedseen: r[6] as number, state: r[7] as MailboxState, deletedmodseq: r[8] as number,
    messages_count: r[9] as number, messages_size: r[10] as number, messages_deleted: r[11] as number, messages_flagged: r[12] as number,
    messages_seen: r[13] as number, seen_owner: r[14] as string | null, xfer: r[15] as string | null, datesmodseq: r[16] as number,
  };
}

const MESSAGE_COLUMNS = 'uid, modseq, flags, keywords, internaldate, savedate, size, guid';

function messageRow(r: unknown[]): MessageRow {
  return {
    uid: r[0] as number, modseq: r[1] as number, flags: r[2] as number, keywords: r[3] as string | null,
    internaldate: r[4] as number, savedate: r[5] as number, size: r[6] as number, guid: r[7] as string,
  };
}

function prepare(db: Db) {
  return lazy({
    mailbox: () => rows<[], MailboxRow>(db, `SELECT ${MAILBOX_COLUMNS} FROM mailbox WHERE id = 1`, mailboxRow),
    // Only ever raised: a late -E run over older records must not lower it.
    raiseDeletedModseq: () => db.prepare<[number]>('UPDATE mailbox SET deletedmodseq = max(deletedmodseq, ?) WHERE id = 1'),
    setCounters: () => db.prepare<[number, number]>('UPDATE mailbox SET uidnext = ?, highestmodseq = ? WHERE id = 1'),
    setRecent: () => db.prepare<[number]>('UPDATE mailbox SET recentuid = ? WHERE id = 1'),
    setState: () => db.prepare<[MailboxState]>('UPDATE mailbox SET state = ? WHERE id = 1'),
    setName: () => db.prepare<[string]>('UPDATE mailbox SET name = ? WHERE id = 1'),
    setSeenOwner: () => db.prepare<[string | null]>('UPDATE mailbox SET seen_owner = ? WHERE id = 1'),
    // XFER: freeze the records for a move (set) and let them change again (cleared only by the same move).
    setXfer: () => db.prepare<[string]>('UPDATE mailbox SET xfer = ? WHERE id = 1'),
    clearXfer: () => db.prepare<[string]>('UPDATE mailbox SET xfer = NULL WHERE id = 1 AND xfer = ?'),
    // The records whose \Seen bit is set, and the bit set or cleared without touching modseq (seen-owner.ts).
    seenUids: () => db.prepare<[], number>(`SELECT uid FROM messages WHERE (flags & ${FLAG_SEEN}) != 0 ORDER BY uid`).pluck(),
    setSeenBetween: () => db.prepare<[number, number]>(`UPDATE messages SET flags = flags | ${FLAG_SEEN} WHERE uid BETWEEN ? AND ? AND (flags & ${FLAG_SEEN}) = 0`),
    clearSeen: () => db.prepare<[number]>(`UPDATE messages SET flags = flags & ~${FLAG_SEEN} WHERE uid = ?`),
    message: () => rows<[number], MessageRow>(db, `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE uid = ?`, messageRow),
    allMessages: () => db.prepare<[], MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages ORDER BY uid`),
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
    changedSince: () => rows<[number], MessageRow>(db, `SELECT ${MESSAGE_COLUMNS} FROM messages INDEXED BY messages_modseq WHERE modseq > ? ORDER BY uid`, messageRow),
    countBetween: () => db.prepare<[number, number]>('SELECT count(*) FROM messages WHERE uid BETWEEN ? AND ?').pluck(),
    countFlagClear: () => db.prepare<[number]>('SELECT count(*) FROM messages WHERE (flags & ?) = 0').pluck(),
    // The flag is a literal so that SQLite uses the partial index messages_deleted.
    countDeleted: () => db.prepare<[]>(`SELECT count(*) FROM messages WHERE (flags & ${FLAG_DELETED}) != 0`).pluck(),
    countAbove: () => db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM messages WHERE uid > ?'),
    uidsAbove: () => db.prepare<[number], number>('SELECT uid FROM messages WHERE uid > ? ORDER BY uid').pluck(),
    // [uid, size] of the \\Deleted records. The flag is a literal: with a bound flag SQLite may only
    // use the partial index messages_deleted after seeing the value, so it compiled the statement
    // again at every run (the cost of most of an EXPUNGE's own statements).
    deletedSizes: () => db.prepare<[], [number, number]>(`SELECT uid, size FROM messages WHERE (flags & ${FLAG_DELETED}) != 0 ORDER BY uid`).raw(true),
    messageSize: () => db.prepare<[number], number>('SELECT size FROM messages WHERE uid = ?').pluck(),
    // Positional: binding named parameters looks each one up in the object (a MULTIAPPEND runs it per message).
    insertMessage: () => db.prepare<[number, number, number, string | null, number, number, number, string]>('INSERT INTO messages (uid, modseq, flags, keywords, internaldate, savedate, size, guid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    updateFlags: () => db.prepare<[number, string | null, number, number]>('UPDATE messages SET flags = ?, keywords = ?, modseq = ? WHERE uid = ?'),
    // mbtool -t: a record's internal date, with the change's modseq; the mailbox remembers that modseq.
    updateInternalDate: () => db.prepare<[number, number, number]>('UPDATE messages SET internaldate = ?, modseq = ? WHERE uid = ?'),
    setDatesModseq: () => db.prepare<[number]>('UPDATE mailbox SET datesmodseq = ? WHERE id = 1'),
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
    // The wire bytes of the forms of a UID range as one row: the uids, the byte length of each form,
    // and the forms end to end as one BLOB (TEXT is stored as UTF-8, the bytes the serializer sends;
    // a BLOB form is those bytes already): FETCH copies them out without one string per message.
    // No ordered subquery: a rowid range is read in rowid order (formBytes checks it, row by row
    // otherwise), and the subquery's copy of every row cost a third of the query.
    envelopeBytes: () =>
      db.prepare<[number, number], [string | null, string | null, Buffer | null]>(
        "SELECT group_concat(uid), group_concat(octet_length(envelope)), CAST(group_concat(envelope, '') AS BLOB) FROM imap_forms WHERE uid BETWEEN ? AND ?",
      ).raw(true),
    formsBytes: () =>
      db.prepare<[number, number], [string | null, string | null, Buffer | null, string | null, Buffer | null]>(
        "SELECT group_concat(uid), group_concat(octet_length(envelope)), CAST(group_concat(envelope, '') AS BLOB), group_concat(octet_length(bodystructure)), CAST(group_concat(bodystructure, '') AS BLOB) FROM imap_forms WHERE uid BETWEEN ? AND ?",
      ).raw(true),
    formsRange: () => db.prepare<[number, number], [number, string | Buffer, string | Buffer]>('SELECT uid, envelope, bodystructure FROM imap_forms WHERE uid BETWEEN ? AND ? ORDER BY uid').raw(true),
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
    putFields: () =>
      db.prepare<[number, string, number, number | null, number | null, string, string, string, string, string, string | null, string | null, string | null, string | null, string | null, string | null, string | null, string | null, number]>(
        'INSERT OR REPLACE INTO message_fields (uid, base_subject, reply_or_forward, sent, sent_day, from_mailbox, to_mailbox, cc_mailbox, display_from, display_to, message_id, in_reply_to, refs, search_from, search_to, search_cc, search_bcc, search_subject, text_indexed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
    // Made when first needed, in the caller's transaction (CREATE ... IF NOT EXISTS: cheap when it is there).
    makeSearchText: () => ({ run: () => db.exec(SEARCH_TEXT_SCHEMA) }),
    putSearchText: () => db.prepare<[number, string, string]>('INSERT INTO search_text (rowid, header, body) VALUES (?, ?, ?)'),
    fieldlessCache: () => db.prepare<[], { uid: number; summary: string }>('SELECT uid, summary FROM cache WHERE uid NOT IN (SELECT uid FROM message_fields)'),
    recount: () => db.prepare(RECOUNT),
    headerlessCache: () => db.prepare<[], { uid: number; summary: string }>('SELECT uid, summary FROM cache WHERE uid NOT IN (SELECT uid FROM search_headers)'),
    unrenderedCache: () => db.prepare<[], { uid: number; summary: string }>('SELECT uid, summary FROM cache WHERE uid NOT IN (SELECT uid FROM imap_forms)'),
    deleteCache: () => db.prepare<[number]>('DELETE FROM cache WHERE uid = ?'),
    uncachedUids: () => db.prepare<[], { uid: number }>('SELECT uid FROM messages WHERE uid NOT IN (SELECT uid FROM cache)'),
    strayCache: () => db.prepare<[], { uid: number }>('SELECT uid FROM cache WHERE uid NOT IN (SELECT uid FROM messages)'),
    insertExpunged: () => db.prepare<[number, number, number, number]>('INSERT OR REPLACE INTO expunged (uid, modseq, expunged_at, file_removed) VALUES (?, ?, ?, ?)'),
    expunged: () => db.prepare<[number], ExpungedRow>('SELECT uid, modseq, expunged_at, file_removed FROM expunged WHERE uid = ?'),
    allExpunged: () => db.prepare<[], ExpungedRow>('SELECT uid, modseq, expunged_at, file_removed FROM expunged'),
    setIdentity: () => db.prepare<[string, string]>("UPDATE mailbox SET uniqueid = ?, name = ?, state = 'active' WHERE id = 1"),
    expungedSince: () => db.prepare<[number], number>('SELECT uid FROM expunged INDEXED BY expunged_modseq WHERE modseq > ? ORDER BY uid').pluck(),
    expungedFilesBefore: () => db.prepare<[number], { uid: number }>('SELECT uid FROM expunged WHERE file_removed = 0 AND expunged_at <= ? ORDER BY uid'),
    expungedWithFiles: () => db.prepare<[], { uid: number }>('SELECT uid FROM expunged WHERE file_removed = 0 ORDER BY uid'),
    restorableExpunged: () => db.prepare<[], { uid: number; expunged_at: number }>('SELECT uid, expunged_at FROM expunged WHERE file_removed = 0 ORDER BY uid'),
    prunableExpungedBefore: () => db.prepare<[number], { uid: number; modseq: number }>('SELECT uid, modseq FROM expunged WHERE file_removed = 1 AND expunged_at <= ? ORDER BY uid'),
    deleteExpunged: () => db.prepare<[number]>('DELETE FROM expunged WHERE uid = ?'),
    markFileRemoved: () => db.prepare<[number]>('UPDATE expunged SET file_removed = 1 WHERE uid = ?'),
    // Annotations (annotations.ts): the shared ones and `userid`'s private ones of a UID range; all of one message (COPY).
    annotationsRange: () =>
      db.prepare<[number, number, string], [number, string, string, string]>("SELECT uid, entry, userid, value FROM message_annotations WHERE uid BETWEEN ? AND ? AND (userid = '' OR userid = ?) ORDER BY uid").raw(true),
    allAnnotations: () => db.prepare<[number], [string, string, string]>('SELECT entry, userid, value FROM message_annotations WHERE uid = ?').raw(true),
    annotation: () => db.prepare<[number, string, string], string>('SELECT value FROM message_annotations WHERE uid = ? AND entry = ? AND userid = ?').pluck(),
    countAnnotations: () => db.prepare<[number], number>('SELECT count(*) FROM message_annotations WHERE uid = ?').pluck(),
    putAnnotation: () => db.prepare<[number, string, string, string]>('INSERT OR REPLACE INTO message_annotations (uid, entry, userid, value) VALUES (?, ?, ?, ?)'),
    deleteAnnotation: () => db.prepare<[number, string, string]>('DELETE FROM message_annotations WHERE uid = ? AND entry = ? AND userid = ?'),
    deleteAnnotations: () => db.prepare<[number]>('DELETE FROM message_annotations WHERE uid = ?'),
    userFlags: () => db.prepare<[], { name: string }>('SELECT name FROM user_flags ORDER BY id'),
    addUserFlag: () => db.prepare<[string]>('INSERT OR IGNORE INTO user_flags (name) VALUES (?)'),
  });
}

export type IndexStatements = ReturnType<typeof prepare>;

/**
 * Store what SORT, THREAD and SEARCH read of a message (its message_fields row), and with `text`
 * (search_engine) its normalised header and body text in the FTS5 index.
 */
export function putMessageFields(s: IndexStatements, uid: number, f: StoredFields, text?: SearchText | null): void {
  s.putFields.run(
    uid, f.baseSubject, f.replyOrForward ? 1 : 0, f.sent, f.sentDay, f.fromMailbox, f.toMailbox, f.ccMailbox, f.displayFrom, f.displayTo,
    f.messageId, f.inReplyTo, f.references, f.search.from, f.search.to, f.search.cc, f.search.bcc, f.search.subject, text ? 1 : 0,
  );
  if (text) {
    s.makeSearchText.run();
    s.putSearchText.run(uid, text.header, text.body);
  }
}

/** Give every cache row without one its message_fields row (from the cached summary: no file is read). */
export function fillMessageFields(s: IndexStatements): number {
  let n = 0;
  for (const { uid, summary } of s.fieldlessCache.all()) {
    putMessageFields(s, uid, storedFields(JSON.parse(summary) as MessageSummary));
    n++;
  }
  return n;
}

/**
 * Bring an older index up to SCHEMA and mark it: tables and indexes are only ever added, and
 * columns added to an existing table (which CREATE TABLE IF NOT EXISTS cannot do) are added here,
 * under the write lock so that two processes upgrading at once do not both add them.
 */
function upgradeSchema(db: Db): void {
  // message_fields of version 6 had no text_indexed, which SCHEMA's partial index needs.
  db.transaction(() => {
    const fieldColumns = new Set((db.pragma('table_info(message_fields)') as Array<{ name: string }>).map((c) => c.name));
    if (fieldColumns.size > 0 && !fieldColumns.has('text_indexed')) db.exec('ALTER TABLE message_fields ADD COLUMN text_indexed INTEGER NOT NULL DEFAULT 0');
  }).immediate();
  db.exec(SCHEMA);
  db.transaction(() => {
    const columns = new Set((db.pragma('table_info(mailbox)') as Array<{ name: string }>).map((c) => c.name));
    if (!columns.has('deletedmodseq')) db.exec('ALTER TABLE mailbox ADD COLUMN deletedmodseq INTEGER NOT NULL DEFAULT 0');
    // NULL: the owner's \Seen is still in seen.db, adopted into the bits at the next open (seen-owner.ts).
    if (!columns.has('seen_owner')) db.exec('ALTER TABLE mailbox ADD COLUMN seen_owner TEXT');
    if (!columns.has('xfer')) db.exec('ALTER TABLE mailbox ADD COLUMN xfer TEXT');
    if (!columns.has('datesmodseq')) db.exec('ALTER TABLE mailbox ADD COLUMN datesmodseq INTEGER NOT NULL DEFAULT 0');
    const counted = COUNTER_COLUMNS.every((c) => columns.has(c));
    for (const column of COUNTER_COLUMNS) if (!columns.has(column)) db.exec(`ALTER TABLE mailbox ADD COLUMN ${column} INTEGER NOT NULL DEFAULT 0`);
    db.exec(COUNTER_TRIGGERS);
    // Counted once here; from now on the triggers keep them, in the same transactions as the records.
    if (!counted) db.exec(RECOUNT);
    fillMessageFields(prepare(db));
  }).immediate();
  try {
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  } catch {
    // Only an optimisation: another process holding the write lock just means the next open upgrades.
  }
}

/** An index file as IndexDb.identity names it: its path and inode (the path alone when it is gone). */
function indexIdentity(file: string): string {
  let inode = 0;
  try {
    inode = statSync(file).ino;
  } catch {
    // in-memory or already gone: the path alone
  }
  return `${file}#${inode}`;
}

/** An open cyrus.index. */
export class IndexDb {
  readonly stmts: IndexStatements;
  /** The file and its inode: an index rebuilt in a new file is another index (snapshot-cache.ts). */
  readonly identity: string;
  /** mailbox()'s read, made once (readWithWaits takes a function). */
  private readonly readMailboxRow = (): MailboxRow | undefined => this.stmts.mailbox.get();

  private constructor(readonly db: Db, readonly file: string) {
    this.stmts = prepare(db);
    this.identity = indexIdentity(file);
    // The group commits of this connection fsync its WAL and the mailbox directory with
    // descriptors kept open while it is (files.ts).
    holdSyncPath(`${file}-wal`);
    holdSyncPath(dirname(file));
  }

  static exists(dir: string): boolean {
    return existsSync(join(dir, INDEX_FILE));
  }

  /** Open an existing index; NotFound-like errors surface from SQLite when it is missing. */
  static open(dir: string, durable: boolean): IndexDb {
    const file = join(dir, INDEX_FILE);
    const db = openDb(file, { durable, cacheKiB: 128, ownBusyWaits: true, checkpointAfterCommit: true });
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
    const db = openDb(file, { durable, cacheKiB: 128, ownBusyWaits: true, checkpointAfterCommit: true });
    try {
      db.exec(SCHEMA);
      db.exec(COUNTER_TRIGGERS);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      db.prepare('INSERT INTO mailbox (id, uniqueid, name, uidvalidity, uidnext, highestmodseq, sharedseen, seen_owner) VALUES (1, ?, ?, ?, 1, ?, ?, ?)').run(
        init.uniqueId,
        init.name,
        init.uidValidity,
        init.highestModseq,
        init.sharedSeen ? 1 : 0,
        init.sharedSeen ? null : init.seenOwner,
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
    if (!this.db.open) return;
    this.db.close();
    releaseSyncPath(`${this.file}-wal`);
    releaseSyncPath(dirname(this.file));
  }

  /**
   * Whether the index file at this path is still the one opened (same inode: while this connection
   * holds it open, no other file can have that inode); a rebuilt index is a new file.
   */
  sameFile(): boolean {
    return this.identity === indexIdentity(this.file);
  }

  /**
   * The mailbox row. Outside a transaction the read is a read transaction of its own, which (the
   * busy timeout being 0 once the index wrote: ownBusyWaits) may meet the lock of another
   * connection rebuilding the WAL index: it waits for it in readWithWaits's pauses.
   */
  mailbox(): MailboxRow {
    const row = readWithWaits(this.db, this.readMailboxRow);
    if (!row) throw new Error(`${this.file} lost its mailbox row`);
    return row;
  }
}
