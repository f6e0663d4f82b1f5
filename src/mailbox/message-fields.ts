/**
 * SORT, THREAD and SEARCH over what the index stored of each message at append (the
 * message_fields table beside the records): the sorting and the substring tests run in SQLite
 * and come back as one row of UIDs, so no message, summary or header block is read. A record
 * without a fields row (no cache row) sorts as a message without those headers, as before.
 */
import type { Statement } from 'better-sqlite3';
import { STORED_SEARCH_FIELDS, type StoredSearchField, type ThreadInput } from '../message/index.js';
import { readTransaction } from '../common/sqlite.js';
import { sortedHas } from '../common/sorted.js';
import type { IndexDb, MailboxRow } from './index-db.js';
import { cachedColumns, type SnapshotColumns } from './snapshot-cache.js';
import { cachedOrder, keepOrder, type SortOrder } from './sort-order-cache.js';
import { threadInput } from './thread-input.js';

/**
 * SORT keys (RFC 5256, DISPLAY ones from RFC 5957, and Cyrus's UID and MODSEQ), in the mailbox
 * layer's words.
 */
export type FieldSortKey = 'arrival' | 'cc' | 'date' | 'from' | 'size' | 'subject' | 'to' | 'displayfrom' | 'displayto' | 'uid' | 'modseq';

export interface FieldSortCriterion {
  key: FieldSortKey;
  reverse: boolean;
}

/** The SQL value each key sorts by: records m, fields f (LEFT JOIN: f.* may be NULL). */
const SORT_EXPRESSIONS: Record<FieldSortKey, string> = {
  arrival: 'm.internaldate',
  size: 'm.size',
  uid: 'm.uid',
  modseq: 'm.modseq',
  date: 'coalesce(f.sent, m.internaldate)',
  subject: "coalesce(f.base_subject, '')",
  from: "coalesce(f.from_mailbox, '')",
  to: "coalesce(f.to_mailbox, '')",
  cc: "coalesce(f.cc_mailbox, '')",
  displayfrom: "coalesce(f.display_from, '')",
  displayto: "coalesce(f.display_to, '')",
};

export type SentDayComparison = 'before' | 'on' | 'since';

const COMPARE_SQL: Record<SentDayComparison, string> = { before: '<', on: '=', since: '>=' };

const storedSearchFields = new Set<string>(STORED_SEARCH_FIELDS);

/** Whether SEARCH on header field `name` can use the stored text. */
export function isStoredSearchField(name: string): name is StoredSearchField {
  return storedSearchFields.has(name.toLowerCase());
}

/** Parse SQLite's comma-separated group_concat of integers. */
function parseUids(text: string | null): Uint32Array {
  if (!text) return new Uint32Array(0);
  let n = 1;
  for (let i = text.indexOf(','); i >= 0; i = text.indexOf(',', i + 1)) n++;
  const out = new Uint32Array(n);
  let value = 0;
  let k = 0;
  for (let p = 0; p < text.length; p++) {
    const c = text.charCodeAt(p);
    if (c === 44) {
      out[k++] = value;
      value = 0;
    } else value = value * 10 + (c - 48);
  }
  out[k] = value;
  return out;
}

/** At most this many appended messages are merged into a kept order (each costs a binary search of key lookups); more: sorted afresh. */
const MERGE_AT_MOST = 256;

/** A record's UID and its SORT_EXPRESSIONS values, in the criteria's order. */
type SortKeyRow = Array<number | string>;

/** The keys read from the records themselves (their index columns), not from message_fields. */
const RECORD_KEYS = new Set<FieldSortKey>(['arrival', 'size', 'uid', 'modseq']);

/** The join the criteria need: message_fields for any key but those of the records. */
function sortJoin(criteria: readonly FieldSortCriterion[]): string {
  return criteria.some((c) => !RECORD_KEYS.has(c.key)) ? ' LEFT JOIN message_fields f ON f.uid = m.uid' : '';
}

/** SQLite's BINARY order of two strings: their UTF-8 bytes, which UTF-16 order differs from only past U+D7FF. */
export function compareBinary(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (code points past U+FFFF: four UTF-8 bytes) come after U+E000..U+FFFF in UTF-8.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** The order of sortedUids over rows of [uid, key values...]: the keys in turn, then the UID. */
function compareKeys(criteria: readonly FieldSortCriterion[]): (a: SortKeyRow, b: SortKeyRow) => number {
  return (a, b) => {
    for (let k = 0; k < criteria.length; k++) {
      const x = a[k + 1]!;
      const y = b[k + 1]!;
      const c = typeof x === 'string' && typeof y === 'string' ? compareBinary(x, y) : typeof x === 'number' && typeof y === 'number' ? x - y : compareMixed(x, y);
      if (c !== 0) return criteria[k]!.reverse ? -c : c;
    }
    return (a[0] as number) - (b[0] as number);
  };
}

/** SQLite orders numbers before text. */
function compareMixed(x: number | string, y: number | string): number {
  return typeof x === 'number' ? -1 : typeof y === 'number' ? 1 : 0;
}

/** The snapshot column holding each record key. */
function recordColumn(columns: SnapshotColumns, key: FieldSortKey): ArrayLike<number> {
  switch (key) {
    case 'arrival': return columns.dates;
    case 'size': return columns.sizes;
    case 'uid': return columns.uids;
    case 'modseq': return columns.modseqs;
    default: throw new Error(`sort: ${key} is not a record column`);
  }
}

/**
 * ARRIVAL, SIZE, UID and MODSEQ orders from the index columns this process keeps for snapshots,
 * when they are those of the mailbox as it is now (the same highestmodseq and uidnext): sorted here
 * in a few milliseconds where SQLite needs a temporary b-tree of every record. Null otherwise.
 */
function sortColumns(index: IndexDb, mailbox: MailboxRow, criteria: readonly FieldSortCriterion[]): Uint32Array | null {
  if (!criteria.every((c) => RECORD_KEYS.has(c.key))) return null;
  const columns = cachedColumns(index.identity, mailbox.uniqueid, mailbox.uidvalidity, mailbox.uidnext, mailbox.highestmodseq);
  if (columns === null) return null;
  const keys = criteria.map((c) => ({ values: recordColumn(columns, c.key), reverse: c.reverse }));
  const n = columns.uids.length;
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Positions are in UID order: the last tie-break is the position.
  order.sort((a, b) => {
    for (const { values, reverse } of keys) {
      const d = values[a]! - values[b]!;
      if (d !== 0) return reverse ? -d : d;
    }
    return a - b;
  });
  const out = new Uint32Array(n);
  for (let k = 0; k < n; k++) out[k] = columns.uids[order[k]!]!;
  return out;
}

export class StoredFieldQueries {
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly index: IndexDb,
    /** search_engine is on: BODY / TEXT may ask the FTS5 index. */
    private readonly textIndex = false,
  ) {}

  private statement(sql: string): Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.index.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private uids(sql: string, ...params: unknown[]): Uint32Array {
    return parseUids(this.statement(sql).pluck().get(...params) as string | null);
  }

  /**
   * Every record's UID in the order of `criteria`, ties by UID (that is, by sequence number). A large
   * mailbox's order is kept in the process (sort-order-cache.ts) and brought up to date with the
   * messages appended since; it may then still hold UIDs expunged since, which the caller skips.
   * `fresh`: sort in SQLite, nothing kept used (the caller found a record missing from a kept order:
   * reconstruct adopted a file).
   */
  sortedUids(criteria: readonly FieldSortCriterion[], fresh = false): Uint32Array {
    const text = criteria.map((c) => `${c.reverse ? '-' : ''}${c.key}`).join(' ');
    return readTransaction(this.index.db, 'sort', () => {
      const mailbox = this.index.stmts.mailbox.get()!;
      const top = this.statement('SELECT coalesce(max(uid), 0) FROM messages').pluck().get() as number;
      // A message's modseq moves with every change of its flags: an order by MODSEQ holds only while
      // the mailbox's highestmodseq stays the same (then nothing was appended either).
      const stamp = criteria.some((c) => c.key === 'modseq') ? mailbox.highestmodseq : mailbox.datesmodseq;
      const kept = fresh ? null : cachedOrder(this.index.identity, text, mailbox.uniqueid, mailbox.uidvalidity, stamp);
      if (kept !== null && top <= kept.coveredUid) return kept.uids;
      const merged = kept !== null ? this.mergeAppended(kept, criteria, mailbox.messages_count) : null;
      const uids = fresh ? this.sortAll(criteria) : (merged ?? sortColumns(this.index, mailbox, criteria) ?? this.sortAll(criteria));
      keepOrder(this.index.identity, text, { uniqueId: mailbox.uniqueid, uidValidity: mailbox.uidvalidity, stamp, coveredUid: top, uids });
      return uids;
    });
  }

  /** The whole mailbox sorted in SQLite. */
  private sortAll(criteria: readonly FieldSortCriterion[]): Uint32Array {
    const order = [...criteria.map((c) => `${SORT_EXPRESSIONS[c.key]}${c.reverse ? ' DESC' : ''}`), 'm.uid'].join(', ');
    return this.uids(`SELECT group_concat(m.uid, ',' ORDER BY ${order}) FROM messages m${sortJoin(criteria)}`);
  }

  /**
   * `kept` with the messages appended after it merged in, each placed by comparing its keys with
   * those of the kept messages a binary search visits; null when so many came that sorting them all
   * again is cheaper. `count`: the records in the mailbox now.
   */
  private mergeAppended(kept: SortOrder, criteria: readonly FieldSortCriterion[], count: number): Uint32Array | null {
    const exprs = criteria.map((c) => SORT_EXPRESSIONS[c.key]).join(', ');
    const join = sortJoin(criteria);
    const added = this.statement(`SELECT m.uid, ${exprs} FROM messages m${join} WHERE m.uid > ? ORDER BY m.uid`).raw(true).all(kept.coveredUid) as SortKeyRow[];
    if (added.length > MERGE_AT_MOST) return null;
    let base = kept.uids;
    // Expunged since: dropped first, so every UID the search below visits still has its keys.
    if (count - added.length !== base.length) {
      const present = this.uids('SELECT group_concat(uid) FROM messages WHERE uid <= ?', kept.coveredUid);
      const live = new Uint32Array(present.length);
      let n = 0;
      for (const uid of base) if (sortedHas(present, uid)) live[n++] = uid;
      base = live.subarray(0, n);
    }
    const keysOf = this.statement(`SELECT m.uid, ${exprs} FROM messages m${join} WHERE m.uid = ?`).raw(true);
    const compare = compareKeys(criteria);
    added.sort(compare);
    const seen = new Map<number, SortKeyRow>();
    const row = (uid: number): SortKeyRow => {
      let r = seen.get(uid);
      if (r === undefined) {
        r = keysOf.get(uid) as SortKeyRow | undefined;
        if (r === undefined) throw new Error(`sort: record ${uid} vanished inside a read transaction`);
        seen.set(uid, r);
      }
      return r;
    };
    // Where each added message goes: before the first kept one that sorts after it. The added are
    // in order themselves, so each search starts where the previous one ended.
    const out = new Uint32Array(base.length + added.length);
    let from = 0;
    let n = 0;
    for (const a of added) {
      let lo = from;
      let hi = base.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compare(row(base[mid]!), a) <= 0) lo = mid + 1;
        else hi = mid;
      }
      out.set(base.subarray(from, lo), n);
      n += lo - from;
      out[n++] = a[0] as number;
      from = lo;
    }
    out.set(base.subarray(from), n);
    return out;
  }

  /**
   * Whether one of the last `lastN` messages (by UID) carries Message-ID `messageId`. Duplicate
   * suppression asks it for the window in which a delivery's record is committed but its
   * deliver.db entry not yet written (a process killed there): the MTA's retry finds it here.
   */
  recentlyHolds(messageId: string, lastN = 1000): boolean {
    const row = this.statement(
      'SELECT 1 FROM message_fields WHERE uid > (SELECT coalesce(max(uid), 0) FROM messages) - ? AND message_id = ? LIMIT 1',
    ).get(lastN, messageId);
    return row !== undefined;
  }

  /** THREAD's view of every record, keys the UIDs (thread-input.ts; kept per process for big mailbox, shared: never change it). */
  threadInput(): ThreadInput {
    return threadInput(this.index);
  }

  /**
   * UIDs (ascending) whose stored text of `field` holds `needle` (already normalised for search);
   * an empty needle finds every message that has the field.
   */
  searchField(field: StoredSearchField, needle: string): Uint32Array {
    return this.uids(`SELECT group_concat(uid) FROM (SELECT uid FROM message_fields WHERE instr(search_${field}, ?) > 0 ORDER BY uid)`, needle);
  }

  /**
   * SEARCH BODY (or with `whole` TEXT) through the FTS5 index: the UIDs (ascending) whose stored
   * text holds `needle` (normalised), and those whose text is not in the index (their files must
   * be read). Null when the index cannot answer: search_engine off, or a needle under three
   * characters (the trigram index finds nothing shorter).
   */
  textSearch(needle: string, whole: boolean): { matching: Uint32Array; unindexed: Uint32Array } | null {
    if (!this.textIndex || [...needle].length < 3) return null;
    if (this.statement("SELECT count(*) FROM sqlite_master WHERE name = 'search_text'").pluck().get() === 0) return null;
    const query = `${whole ? '{header body}' : 'body'} : "${needle.replaceAll('"', '""')}"`;
    return {
      matching: this.uids('SELECT group_concat(rowid) FROM (SELECT rowid FROM search_text WHERE search_text MATCH ? ORDER BY rowid)', query),
      unindexed: this.uids('SELECT group_concat(uid) FROM (SELECT uid FROM message_fields WHERE text_indexed = 0 ORDER BY uid)'),
    };
  }

  /** UIDs (ascending) whose Date: names a day, split by whether that day compares true with `day`. */
  /**
   * The messages sent before `cutoff` (ms since the epoch), by their Date header, or by their
   * internal date where they have none (as SORT DATE orders them): what cyr_expire removes for a
   * mailbox's /vendor/cmu/cyrus-imapd/expire annotation.
   */
  sentBefore(cutoff: number): Uint32Array {
    return this.uids('SELECT group_concat(uid) FROM (SELECT m.uid AS uid FROM messages m LEFT JOIN message_fields f ON f.uid = m.uid WHERE coalesce(f.sent, m.internaldate) < ? ORDER BY m.uid)', cutoff);
  }

  /**
   * Every message's sent time (ms since the epoch) by UID: its Date header, its internal date where
   * it has none (as sentBefore). What ipurge's age is measured from unless -X.
   */
  sentTimes(): Map<number, number> {
    const rows = this.statement('SELECT m.uid, coalesce(f.sent, m.internaldate) FROM messages m LEFT JOIN message_fields f ON f.uid = m.uid').raw().all() as Array<[number, number]>;
    return new Map(rows);
  }

  /**
   * The time its Date: header names (ms since the epoch) of every message that has one it could
   * read, by UID: what mbtool -t sets the internal date to.
   */
  headerDates(): Map<number, number> {
    const rows = this.statement('SELECT uid, sent FROM message_fields WHERE sent IS NOT NULL').raw().all() as Array<[number, number]>;
    return new Map(rows);
  }

  sentDays(op: SentDayComparison, day: number): { matching: Uint32Array; other: Uint32Array } {
    const sql = (not: string) => `SELECT group_concat(uid) FROM (SELECT uid FROM message_fields WHERE sent_day IS NOT NULL AND ${not}(sent_day ${COMPARE_SQL[op]} ?) ORDER BY uid)`;
    return { matching: this.uids(sql(''), day), other: this.uids(sql('NOT '), day) };
  }
}
