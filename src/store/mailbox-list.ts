/**
 * mailboxes.db: the list of mailboxes (SQLite, WAL) in configdirectory. The name is the primary
 * key of a WITHOUT ROWID table, so hierarchy queries are range scans on it.
 */
import { MailError } from '../common/errors.js';
import { compilePattern } from './pattern.js';
import { prefixSuccessor, HIERARCHY_SEPARATOR } from './names.js';
import { openDb, readTransaction, sqliteError, writeTransaction, type Db } from './sqlite.js';

export type MailboxTypeFlag = 'reserved' | 'deleted' | 'remote';
const TYPE_BITS: Record<MailboxTypeFlag, number> = { reserved: 1, deleted: 2, remote: 4 };

export interface MailboxEntry {
  /** Internal name, e.g. "user.fred.Sent" or "example.com!user.fred". */
  name: string;
  uniqueId: string;
  partition: string;
  /** Cyrus ACL text: "fred\tlrswipkxtecdan\t..." */
  acl: string;
  type: MailboxTypeFlag[];
  /** Murder backend holding the mailbox (null: this server). */
  server: string | null;
  createdModseq: number;
  /** Modseq of the last change to the entry itself (create, rename, ACL). */
  modifiedModseq: number;
  uidValidity: number;
  /** Special-use attributes, space separated ("\\Sent"), or null. */
  specialUse: string | null;
  quotaRoot: string | null;
}

interface Row {
  name: string;
  uniqueid: string;
  partition: string;
  acl: string;
  type: number;
  server: string | null;
  created_modseq: number;
  modified_modseq: number;
  uidvalidity: number;
  special_use: string | null;
  quota_root: string | null;
}

function typeBits(flags: readonly MailboxTypeFlag[]): number {
  return flags.reduce((bits, f) => bits | TYPE_BITS[f], 0);
}

function fromRow(row: Row): MailboxEntry {
  return {
    name: row.name,
    uniqueId: row.uniqueid,
    partition: row.partition,
    acl: row.acl,
    type: (Object.keys(TYPE_BITS) as MailboxTypeFlag[]).filter((f) => (row.type & TYPE_BITS[f]) !== 0),
    server: row.server,
    createdModseq: row.created_modseq,
    modifiedModseq: row.modified_modseq,
    uidValidity: row.uidvalidity,
    specialUse: row.special_use,
    quotaRoot: row.quota_root,
  };
}

function toRow(e: MailboxEntry): Row {
  return {
    name: e.name,
    uniqueid: e.uniqueId,
    partition: e.partition,
    acl: e.acl,
    type: typeBits(e.type),
    server: e.server,
    created_modseq: e.createdModseq,
    modified_modseq: e.modifiedModseq,
    uidvalidity: e.uidValidity,
    special_use: e.specialUse,
    quota_root: e.quotaRoot,
  };
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS mailboxes (
  name TEXT PRIMARY KEY NOT NULL,
  uniqueid TEXT NOT NULL,
  partition TEXT NOT NULL,
  acl TEXT NOT NULL DEFAULT '',
  type INTEGER NOT NULL DEFAULT 0,
  server TEXT,
  created_modseq INTEGER NOT NULL,
  modified_modseq INTEGER NOT NULL,
  uidvalidity INTEGER NOT NULL,
  special_use TEXT,
  quota_root TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mailboxes_uniqueid ON mailboxes(uniqueid);
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
`;

const COLUMNS = 'name, uniqueid, partition, acl, type, server, created_modseq, modified_modseq, uidvalidity, special_use, quota_root';
const BATCH = 512;

export interface ListOptions {
  /** Also list entries still being created or deleted (type reserved/deleted). Default false. */
  includeReserved?: boolean;
}

export class MailboxList {
  private readonly db: Db;
  private readonly stmts;

  constructor(file: string, durable: boolean) {
    this.db = openDb(file, { durable, cacheKiB: 2048 });
    try {
      this.db.exec(SCHEMA);
    } catch (err) {
      this.db.close();
      throw sqliteError(err, 'mailboxes.db');
    }
    const db = this.db;
    this.stmts = {
      get: db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM mailboxes WHERE name = ?`),
      byUniqueId: db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM mailboxes WHERE uniqueid = ?`),
      insert: db.prepare<Row>(`INSERT INTO mailboxes (${COLUMNS}) VALUES (@name, @uniqueid, @partition, @acl, @type, @server, @created_modseq, @modified_modseq, @uidvalidity, @special_use, @quota_root)`),
      upsert: db.prepare<Row>(`INSERT OR REPLACE INTO mailboxes (${COLUMNS}) VALUES (@name, @uniqueid, @partition, @acl, @type, @server, @created_modseq, @modified_modseq, @uidvalidity, @special_use, @quota_root)`),
      remove: db.prepare<[string]>('DELETE FROM mailboxes WHERE name = ?'),
      rangeFrom: db.prepare<[string, number], Row>(`SELECT ${COLUMNS} FROM mailboxes WHERE name >= ? ORDER BY name LIMIT ?`),
      rangeBetween: db.prepare<[string, string, number], Row>(`SELECT ${COLUMNS} FROM mailboxes WHERE name >= ? AND name < ? ORDER BY name LIMIT ?`),
      firstBetween: db.prepare<[string, string], { name: string }>('SELECT name FROM mailboxes WHERE name >= ? AND name < ? LIMIT 1'),
      all: db.prepare<[], Row>(`SELECT ${COLUMNS} FROM mailboxes ORDER BY name`),
      counter: db.prepare<[string], { value: number }>('SELECT value FROM counters WHERE key = ?'),
      setCounter: db.prepare<[string, number]>('INSERT OR REPLACE INTO counters (key, value) VALUES (?, ?)'),
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  get(name: string): MailboxEntry | null {
    const row = this.stmts.get.get(name);
    return row ? fromRow(row) : null;
  }

  getByUniqueId(uniqueId: string): MailboxEntry | null {
    const row = this.stmts.byUniqueId.get(uniqueId);
    return row ? fromRow(row) : null;
  }

  /** Run `fn` holding the mailboxes.db write lock. */
  write<T>(what: string, fn: () => T): T {
    return writeTransaction(this.db, what, fn);
  }

  insert(entry: MailboxEntry): void {
    try {
      this.stmts.insert.run(toRow(entry));
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new MailError('Exists', `mailbox ${entry.name} already exists`);
      throw sqliteError(err, 'mailboxes.db insert');
    }
  }

  put(entry: MailboxEntry): void {
    this.stmts.upsert.run(toRow(entry));
  }

  remove(name: string): void {
    this.stmts.remove.run(name);
  }

  /** Next value of a strictly increasing counter (modseq, uidvalidity); call inside write(). */
  nextCounter(key: 'modseq' | 'uidvalidity', floor = 0): number {
    const current = this.stmts.counter.get(key)?.value ?? 0;
    const next = Math.max(current + 1, floor);
    this.stmts.setCounter.run(key, next);
    return next;
  }

  /** Raise a counter to at least `value` (after loading a dump or rebuilding). */
  raiseCounter(key: 'modseq' | 'uidvalidity', value: number): void {
    const current = this.stmts.counter.get(key)?.value ?? 0;
    if (value > current) this.stmts.setCounter.run(key, value);
  }

  /** Whether any entry lies below `name` (range probe on the key). */
  hasChildren(name: string): boolean {
    const prefix = name + HIERARCHY_SEPARATOR;
    return this.stmts.firstBetween.get(prefix, prefixSuccessor(prefix)!) !== undefined;
  }

  /** Entries whose names start with `prefix`, in name order. */
  *scanPrefix(prefix: string): Generator<MailboxEntry> {
    yield* this.scan(prefix, prefixSuccessor(prefix));
  }

  private *scan(from: string, below: string | null): Generator<MailboxEntry> {
    let cursor = from;
    let inclusive = true;
    for (;;) {
      const rows = below === null ? this.stmts.rangeFrom.all(cursor, BATCH + 1) : this.stmts.rangeBetween.all(cursor, below, BATCH + 1);
      let emitted = 0;
      for (const row of rows) {
        if (!inclusive && row.name === cursor) continue;
        emitted++;
        yield fromRow(row);
      }
      if (rows.length <= BATCH || emitted === 0) return;
      cursor = rows[rows.length - 1]!.name;
      inclusive = false;
    }
  }

  /**
   * Entries matching an IMAP LIST pattern ("*" anything, "%" anything but "."), sorted by name.
   * Scans only the key range of the pattern's literal prefix; without "*", it also jumps over
   * subtrees deeper than the pattern can match, so "user.%" does not walk every user's folders.
   */
  list(pattern: string, opts: ListOptions = {}): MailboxEntry[] {
    const compiled = compilePattern(pattern);
    const prefix = compiled.literalPrefix;
    const upper = prefix === '' ? null : prefixSuccessor(prefix);
    const out: MailboxEntry[] = [];
    const keep = (e: MailboxEntry) => opts.includeReserved || (!e.type.includes('reserved') && !e.type.includes('deleted'));
    readTransaction(this.db, 'list mailboxes', () => {
      if (compiled.hasStar) {
        for (const e of this.scan(prefix, upper)) if (compiled.matches(e.name) && keep(e)) out.push(e);
        return;
      }
      const depth = compiled.separatorsAfterPrefix;
      let cursor: string | null = prefix;
      while (cursor !== null) {
        const from: string = cursor;
        cursor = null;
        const rows = upper === null ? this.stmts.rangeFrom.iterate(from, -1) : this.stmts.rangeBetween.iterate(from, upper, -1);
        for (const row of rows) {
          const rest = row.name.slice(prefix.length);
          let seen = 0;
          let cut = -1;
          for (let i = 0; i < rest.length; i++) {
            if (rest[i] === HIERARCHY_SEPARATOR && ++seen > depth) {
              cut = i;
              break;
            }
          }
          if (cut >= 0) {
            // Too deep: everything below this ancestor is too deep too; jump past it.
            cursor = prefixSuccessor(prefix + rest.slice(0, cut + 1));
            break; // ends the iteration (the statement is reset)
          }
          const e = fromRow(row);
          if (compiled.matches(e.name) && keep(e)) out.push(e);
        }
      }
    });
    return out;
  }

  /** Every entry in name order (dump, reconstruct). */
  all(): MailboxEntry[] {
    return this.stmts.all.all().map(fromRow);
  }
}
