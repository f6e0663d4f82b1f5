/**
 * mailboxes.db: the list of mailboxes (SQLite, WAL) in configdirectory. The name is the primary
 * key of a WITHOUT ROWID table, so hierarchy queries are range scans on it. Beside it,
 * mailbox_lookup indexes the ACLs: one row per (identifier, domain, mailbox) for each positive ACL
 * entry holding the 'l' right, so "what may fred see" is a range on that key, not a walk over
 * every mailbox (schema version 1, built from the mailboxes on first open of an older file).
 */
import { MailError } from '../common/errors.js';
import { compileListPattern, patternSteps, prefixSuccessor, HIERARCHY_SEPARATOR, type ListPattern } from '../names/index.js';
import { changeMarks, openDb, readTransaction, sameMarks, sqliteError, writeTransaction, type ChangeMarks, type Db } from '../common/sqlite.js';
import { MurderOutbox, OUTBOX_SCHEMA } from './murder-outbox.js';
import { XferLedger, XFER_SCHEMA } from './xfer-ledger.js';

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

/** A row of the mailboxes table as SQLite returns it (db-file.ts reads it for cyr_dbtool too). */
export interface Row {
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
CREATE TABLE IF NOT EXISTS mailbox_lookup (
  identifier TEXT NOT NULL,
  domain TEXT NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (identifier, domain, name)
) WITHOUT ROWID;
`;
/** PRAGMA user_version once mailbox_lookup is complete. */
const SCHEMA_VERSION = 1;

/** The identifiers a Cyrus ACL text gives the 'l' right to by a positive entry. */
function lookupIdentifiers(acl: string): string[] {
  const fields = acl.split('\t');
  const out = new Set<string>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const id = fields[i]!;
    if (id !== '' && !id.startsWith('-') && fields[i + 1]!.includes('l')) out.add(id);
  }
  return [...out];
}

/** The domain column of mailbox_lookup: "" for the default domain. */
function domainKey(name: string): string {
  const bang = name.indexOf('!');
  return bang >= 0 ? name.slice(0, bang) : '';
}

const COLUMNS = 'name, uniqueid, partition, acl, type, server, created_modseq, modified_modseq, uidvalidity, special_use, quota_root';
const BATCH = 512;

export interface ListOptions {
  /** Also list entries still being created or deleted (type reserved/deleted). Default false. */
  includeReserved?: boolean;
  /**
   * Only mailboxes of `domain` (null: the default one) whose ACL gives the 'l' right to one of
   * `identifiers` ("fred", "anyone", "group:staff") by a positive entry, found through
   * mailbox_lookup. A pre-filter: negative entries, owners and admins are for the caller.
   */
  lookup?: { identifiers: readonly string[]; domain: string | null };
  /**
   * Also return entries below the names that match, so a caller can tell that a name has
   * children or show it as a parent of something deeper: for a pattern without "*" the first and
   * the last entry below each matching name, else every entry with a matching ancestor.
   */
  childHints?: boolean;
}

/** Names and LIST results kept (beyond these the kept ones are dropped and kept again from scratch). */
const KEEP_NAMES = 4096;
const KEEP_LISTS = 256;

/**
 * get() and list() answers kept while mailboxes.db is unchanged: every LIST, SELECT, STATUS and
 * STORE asks for entries, and mailboxes.db changes only when a mailbox is created, renamed or
 * deleted or its ACL changes. The database's change marks (changeMarks: another connection's
 * commit, a row this connection wrote) tell when they no longer hold. Nothing is kept or
 * answered from the kept ones inside a transaction (a write that rolls back must leave nothing kept).
 * The entries kept are frozen: every caller shares them.
 */
class KeptEntries {
  private marks: ChangeMarks = { own: -1, dv: -1 };
  readonly names = new Map<string, MailboxEntry | null>();
  readonly lists = new Map<string, readonly MailboxEntry[]>();

  /** Whether what is kept is still mailboxes.db's content (what is kept is dropped when not). */
  check(marks: ChangeMarks): void {
    if (sameMarks(marks, this.marks)) return;
    this.names.clear();
    this.lists.clear();
    this.marks = marks;
  }

  keepName(name: string, entry: MailboxEntry | null): void {
    if (this.names.size >= KEEP_NAMES) this.names.clear();
    this.names.set(name, entry === null ? null : frozen(entry));
  }

  keepList(key: string, entries: MailboxEntry[]): void {
    if (this.lists.size >= KEEP_LISTS) this.lists.clear();
    this.lists.set(key, entries.map(frozen));
  }
}

/**
 * Writes through any MailboxList of this process (every one of its mailboxes.db connections): the
 * marks read earlier in the same run of code no longer hold after one.
 */
let processWrites = 0;

function frozen(entry: MailboxEntry): MailboxEntry {
  if (Object.isFrozen(entry)) return entry;
  Object.freeze(entry.type);
  return Object.freeze(entry);
}

export class MailboxList {
  private readonly db: Db;
  private readonly stmts;
  private readonly kept = new KeptEntries();
  /**
   * `processWrites` when the change marks were read in the current run of code (until the
   * microtasks after it), -1 when not: a LIST asks for three lists, a SELECT for an entry several
   * times, and the marks (two statements, a few µs each in a quiet process, more under load) are
   * read once. A commit by another process after the marks were read in this run is seen by the
   * next command's: a command handled in this run arrived before it started.
   */
  private marksReadAt = -1;
  private readonly marksOutdated = (): void => {
    this.marksReadAt = -1;
  };
  /** The Murder outbox (murder-outbox.ts), in this same database. */
  readonly outbox: MurderOutbox;
  /** XFER's moves away from here and its log of moves received (xfer-ledger.ts), in this same database. */
  readonly xfers: XferLedger;
  /** This server's name when it is a Murder backend (changes of local mailboxes go to the outbox), else null. */
  private backendName: string | null = null;

  constructor(file: string, durable: boolean) {
    this.db = openDb(file, { durable, cacheKiB: 2048 });
    try {
      this.db.exec(SCHEMA);
      this.db.exec(OUTBOX_SCHEMA);
      this.db.exec(XFER_SCHEMA);
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
      // The hierarchy walk of list(): one-row seeks on the name key.
      seekFrom: db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM mailboxes WHERE name >= ? ORDER BY name LIMIT 1`),
      seekFromBelow: db.prepare<[string, string], Row>(`SELECT ${COLUMNS} FROM mailboxes WHERE name >= ? AND name < ? ORDER BY name LIMIT 1`),
      seekAfter: db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM mailboxes WHERE name > ? ORDER BY name LIMIT 1`),
      seekAfterBelow: db.prepare<[string, string], Row>(`SELECT ${COLUMNS} FROM mailboxes WHERE name > ? AND name < ? ORDER BY name LIMIT 1`),
      firstIn: db.prepare<[string, string], Row>(`SELECT ${COLUMNS} FROM mailboxes WHERE name >= ? AND name < ? ORDER BY name`),
      lastIn: db.prepare<[string, string], Row>(`SELECT ${COLUMNS} FROM mailboxes WHERE name >= ? AND name < ? ORDER BY name DESC`),
      lookupAdd: db.prepare<[string, string, string]>('INSERT OR IGNORE INTO mailbox_lookup (identifier, domain, name) VALUES (?, ?, ?)'),
      lookupRemove: db.prepare<[string, string, string]>('DELETE FROM mailbox_lookup WHERE identifier = ? AND domain = ? AND name = ?'),
      lookupFrom: db.prepare<[string, string, string], { name: string }>('SELECT name FROM mailbox_lookup WHERE identifier = ? AND domain = ? AND name >= ? ORDER BY name'),
      aclMentions: db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM mailboxes WHERE instr(char(9) || acl, char(9) || ? || char(9)) > 0 ORDER BY name`),
      lookupBetween: db.prepare<[string, string, string, string], { name: string }>('SELECT name FROM mailbox_lookup WHERE identifier = ? AND domain = ? AND name >= ? AND name < ? ORDER BY name'),
    };
    this.outbox = new MurderOutbox(db, () => {
      processWrites++;
    });
    this.xfers = new XferLedger(db, (what, fn) => this.write(what, fn));
    try {
      this.migrate();
    } catch (err) {
      this.db.close();
      throw sqliteError(err, 'mailboxes.db');
    }
  }

  /** Build mailbox_lookup for a file written before it existed (once; other processes wait on the lock). */
  private migrate(): void {
    const version = () => this.db.pragma('user_version', { simple: true }) as number;
    if (version() >= SCHEMA_VERSION) return;
    processWrites++;
    writeTransaction(this.db, 'index mailboxes.db ACLs', () => {
      if (version() >= SCHEMA_VERSION) return;
      this.db.exec('DELETE FROM mailbox_lookup');
      // In batches: a statement cannot be iterated while another one writes.
      const batch = this.db.prepare<[string], { name: string; acl: string }>('SELECT name, acl FROM mailboxes WHERE name > ? ORDER BY name LIMIT 4096');
      for (let rows = batch.all(''); rows.length > 0; rows = batch.all(rows[rows.length - 1]!.name)) {
        for (const row of rows) this.indexAcl(row.name, row.acl, true);
      }
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    });
  }

  private indexAcl(name: string, acl: string, add: boolean): void {
    const domain = domainKey(name);
    for (const id of lookupIdentifiers(acl)) (add ? this.stmts.lookupAdd : this.stmts.lookupRemove).run(id, domain, name);
  }

  /** Run `fn` in a transaction unless already in one (the entry and its lookup rows change together). */
  private atomically(fn: () => void): void {
    try {
      if (this.db.inTransaction) fn();
      else this.db.transaction(fn).immediate();
    } finally {
      processWrites++;
    }
  }

  /**
   * Make this list a Murder backend's, named `servername` in locations ("servername!partition"):
   * from now on every change of a local mailbox's entry that the mupdate master must hear of
   * leaves an outbox row in the change's own transaction. null stops it.
   */
  publishAs(servername: string | null): void {
    this.backendName = servername;
  }

  /** Whether a row is a finished local mailbox (what the mupdate master lists for this server). */
  private published(row: Pick<Row, 'type' | 'server'> | undefined | null): row is Pick<Row, 'type' | 'server' | 'partition' | 'acl'> {
    return row !== undefined && row !== null && row.type === 0 && (row.server === null || row.server === '' || row.server === this.backendName);
  }

  /**
   * The outbox row for `name` going from `old` to `next` (inside the change's transaction):
   * ACTIVATE when it becomes a finished local mailbox or its partition or ACL changes, DELETE when
   * it stops being one. Reserved, deleted and remote entries are not this server's to announce.
   */
  private toOutbox(before: Row | undefined, next: MailboxEntry | null): void {
    if (this.backendName === null) return;
    const after = next === null ? null : toRow(next);
    const was = this.published(before);
    if (this.published(after)) {
      if (was && before!.partition === after!.partition && before!.acl === after!.acl) return;
      this.outbox.append({ action: 'activate', name: after!.name, location: `${this.backendName}!${after!.partition}`, acl: after!.acl });
    } else if (was) {
      this.outbox.append({ action: 'delete', name: before!.name });
    }
  }

  /**
   * What is kept, when it may be used now (outside transactions), checked against mailboxes.db's
   * version (once per run of code while this process writes nothing: see marksReadAt).
   */
  private keptNow(): KeptEntries | null {
    if (this.db.inTransaction) return null;
    if (this.marksReadAt !== processWrites) {
      this.kept.check(changeMarks(this.db));
      if (this.marksReadAt === -1) queueMicrotask(this.marksOutdated);
      this.marksReadAt = processWrites;
    }
    return this.kept;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The entry of `name` (shared and frozen when kept: never change it). */
  get(name: string): MailboxEntry | null {
    const kept = this.keptNow();
    const hit = kept?.names.get(name);
    if (hit !== undefined) return hit;
    const row = this.stmts.get.get(name);
    const entry = row ? fromRow(row) : null;
    kept?.keepName(name, entry);
    return entry;
  }

  getByUniqueId(uniqueId: string): MailboxEntry | null {
    const row = this.stmts.byUniqueId.get(uniqueId);
    return row ? fromRow(row) : null;
  }

  /** Run `fn` holding the mailboxes.db write lock. */
  write<T>(what: string, fn: () => T): T {
    try {
      return writeTransaction(this.db, what, fn);
    } finally {
      processWrites++;
    }
  }

  insert(entry: MailboxEntry): void {
    try {
      this.atomically(() => {
        this.stmts.insert.run(toRow(entry));
        this.indexAcl(entry.name, entry.acl, true);
        this.toOutbox(undefined, entry);
      });
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new MailError('Exists', `mailbox ${entry.name} already exists`);
      throw sqliteError(err, 'mailboxes.db insert');
    }
  }

  put(entry: MailboxEntry): void {
    this.atomically(() => {
      const old = this.stmts.get.get(entry.name);
      if (old && old.acl !== entry.acl) this.indexAcl(old.name, old.acl, false);
      this.stmts.upsert.run(toRow(entry));
      if (!old || old.acl !== entry.acl) this.indexAcl(entry.name, entry.acl, true);
      this.toOutbox(old, entry);
    });
  }

  /**
   * Remove the entry of `name`. With `quietly` no outbox row is written: an XFER's source removing
   * its copy of a mailbox the mupdate master now lists on another server.
   */
  remove(name: string, opts: { quietly?: boolean } = {}): void {
    this.atomically(() => {
      const old = this.stmts.get.get(name);
      if (!old) return;
      this.indexAcl(old.name, old.acl, false);
      this.stmts.remove.run(name);
      if (opts.quietly !== true) this.toOutbox(old, null);
    });
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
    for (const row of this.scan(prefix, prefixSuccessor(prefix))) yield fromRow(row);
  }

  private *scan(from: string, below: string | null): Generator<Row> {
    let cursor = from;
    let inclusive = true;
    for (;;) {
      const rows = below === null ? this.stmts.rangeFrom.all(cursor, BATCH + 1) : this.stmts.rangeBetween.all(cursor, below, BATCH + 1);
      let emitted = 0;
      for (const row of rows) {
        if (!inclusive && row.name === cursor) continue;
        emitted++;
        yield row;
      }
      if (rows.length <= BATCH || emitted === 0) return;
      cursor = rows[rows.length - 1]!.name;
      inclusive = false;
    }
  }

  /**
   * Entries matching an IMAP LIST pattern ("*" anything, "%" anything but "."), sorted by name.
   * The pattern is walked down the hierarchy one level at a time: a literal level is a point
   * lookup, a "%" level visits each child once by seeking past the child's subtree (so "user.%"
   * and "user.%.Sent" read a few rows per user, never their folders), and from the first level
   * with "*" on it is a range scan on the name key. With `lookup`, the candidates come from the
   * ACL index instead and only they are read.
   */
  list(pattern: string, opts: ListOptions = {}): MailboxEntry[] {
    const kept = this.keptNow();
    if (kept === null) return this.listNow(pattern, opts);
    const lookup = opts.lookup;
    const key = `${opts.includeReserved === true ? 1 : 0}${opts.childHints === true ? 1 : 0}${lookup ? `${lookup.domain ?? ''}\t${lookup.identifiers.join('\t')}` : ''}\n${pattern}`;
    const hit = kept.lists.get(key);
    if (hit !== undefined) return hit.slice();
    const entries = this.listNow(pattern, opts);
    kept.keepList(key, entries);
    return entries;
  }

  private listNow(pattern: string, opts: ListOptions): MailboxEntry[] {
    const compiled = compileListPattern(pattern, HIERARCHY_SEPARATOR);
    const out = new Map<string, MailboxEntry>();
    const keep = (row: Row) => opts.includeReserved || (row.type & (TYPE_BITS.reserved | TYPE_BITS.deleted)) === 0;
    let last = '';
    let inOrder = true;
    const emit = (row: Row | undefined) => {
      if (!row || !keep(row) || out.has(row.name)) return;
      if (row.name < last) inOrder = false;
      last = row.name;
      out.set(row.name, fromRow(row));
    };
    readTransaction(this.db, 'list mailboxes', () => {
      if (opts.lookup) this.listByLookup(compiled, opts.lookup, opts.childHints ?? false, emit);
      else this.walk(compiled, opts.childHints ?? false, keep, emit);
    });
    const entries = [...out.values()];
    // The walk emits in name order except for child hints and several lookup identifiers.
    return inOrder ? entries : entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private walk(compiled: ListPattern, hints: boolean, keep: (row: Row) => boolean, emit: (row: Row | undefined) => void): void {
    const { base, components } = patternSteps(compiled.text, HIERARCHY_SEPARATOR);
    const matchesOrBelow = (name: string) => {
      if (compiled.matches(name)) return true;
      if (!hints) return false;
      for (let i = name.lastIndexOf(HIERARCHY_SEPARATOR); i > 0; i = name.lastIndexOf(HIERARCHY_SEPARATOR, i - 1)) if (compiled.matches(name.slice(0, i))) return true;
      return false;
    };
    /** The first and the last kept entry below `name` (its children exist when they do). */
    const hintsBelow = (name: string) => {
      const from = name + HIERARCHY_SEPARATOR;
      const below = prefixSuccessor(from)!;
      for (const stmt of [this.stmts.firstIn, this.stmts.lastIn]) {
        for (const row of stmt.iterate(from, below)) {
          if (!keep(row)) continue;
          emit(row);
          break;
        }
      }
    };
    const level = (prefix: string, index: number): void => {
      const step: ListPattern = components[index]!;
      const last = index === components.length - 1;
      if (step.hasStar) {
        const from = prefix + step.literalPrefix;
        for (const row of this.scan(from, from === '' ? null : prefixSuccessor(from))) if (matchesOrBelow(row.name)) emit(row);
        return;
      }
      const visit = (name: string, row: Row | undefined) => {
        if (!last) return level(name + HIERARCHY_SEPARATOR, index + 1);
        emit(row);
        if (hints) hintsBelow(name);
      };
      if (step.isLiteral) {
        const name = prefix + step.text;
        visit(name, last ? this.stmts.get.get(name) : undefined);
        return;
      }
      // A "%" level: each child of `prefix` (whose name starts with the literal part) once.
      const from = prefix + step.literalPrefix;
      const below = from === '' ? null : prefixSuccessor(from);
      const seek = (key: string, inclusive: boolean): Row | undefined => {
        if (below === null) return (inclusive ? this.stmts.seekFrom : this.stmts.seekAfter).get(key);
        return (inclusive ? this.stmts.seekFromBelow : this.stmts.seekAfterBelow).get(key, below);
      };
      // Siblings can sort inside a child's range ("a" < "a-b" < "a.x"), so the subtree of a child
      // already visited may come up again later: it is then jumped over.
      const visited = new Set<string>();
      const past = (name: string) => seek(prefixSuccessor(name + HIERARCHY_SEPARATOR)!, true);
      let row = seek(from, true);
      while (row !== undefined) {
        const rest = row.name.slice(prefix.length);
        const dot = rest.indexOf(HIERARCHY_SEPARATOR);
        const child = dot < 0 ? rest : rest.slice(0, dot);
        const name = prefix + child;
        if (visited.has(child)) {
          row = past(name);
          continue;
        }
        visited.add(child);
        // The child's own entry sorts before everything below it, so `row` is it when it exists.
        if (step.matches(child)) visit(name, row.name === name ? row : undefined);
        const next = seek(name, false);
        row = next !== undefined && next.name.startsWith(name + HIERARCHY_SEPARATOR) ? past(name) : next;
      }
    };
    level(base, 0);
  }

  private listByLookup(compiled: ListPattern, lookup: NonNullable<ListOptions['lookup']>, hints: boolean, emit: (row: Row | undefined) => void): void {
    const domain = lookup.domain ?? '';
    let from = compiled.literalPrefix;
    // Names of the domain start with "domain!"; a pattern outside it finds nothing.
    if (domain !== '') {
      const root = `${domain}!`;
      if (from.length < root.length ? !root.startsWith(from) : !from.startsWith(root)) return;
      if (from.length < root.length) from = root;
    }
    const below = from === '' ? null : prefixSuccessor(from);
    const names = new Set<string>();
    for (const id of new Set(lookup.identifiers)) {
      const rows = below === null ? this.stmts.lookupFrom.all(id, domain, from) : this.stmts.lookupBetween.all(id, domain, from, below);
      for (const { name } of rows) names.add(name);
    }
    const matches = (name: string) => {
      if (compiled.matches(name)) return true;
      if (!hints) return false;
      for (let i = name.lastIndexOf(HIERARCHY_SEPARATOR); i > 0; i = name.lastIndexOf(HIERARCHY_SEPARATOR, i - 1)) if (compiled.matches(name.slice(0, i))) return true;
      return false;
    };
    for (const name of names) if (matches(name)) emit(this.stmts.get.get(name));
  }

  /**
   * Entries whose ACL text holds `identifier` as a tab-separated field, in name order: every entry
   * naming it, and possibly a few more (a rights field spelled like it); the caller parses the ACL.
   */
  aclMentioning(identifier: string): MailboxEntry[] {
    return this.stmts.aclMentions.all(identifier).map(fromRow);
  }

  /** Every entry in name order (dump, reconstruct). */
  all(): MailboxEntry[] {
    return this.stmts.all.all().map(fromRow);
  }
}
