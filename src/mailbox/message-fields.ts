/**
 * SORT, THREAD and SEARCH over what the index stored of each message at append (the
 * message_fields table beside the records): the sorting and the substring tests run in SQLite
 * and come back as one row of UIDs, so no message, summary or header block is read. A record
 * without a fields row (no cache row) sorts as a message without those headers, as before.
 */
import type { Statement } from 'better-sqlite3';
import { STORED_SEARCH_FIELDS, type StoredSearchField, type ThreadInput } from '../message/index.js';
import type { IndexDb } from './index-db.js';
import { threadInput } from './thread-input.js';

/** SORT keys (RFC 5256, DISPLAY ones from RFC 5957), in the mailbox layer's words. */
export type FieldSortKey = 'arrival' | 'cc' | 'date' | 'from' | 'size' | 'subject' | 'to' | 'displayfrom' | 'displayto';

export interface FieldSortCriterion {
  key: FieldSortKey;
  reverse: boolean;
}

/** The SQL value each key sorts by: records m, fields f (LEFT JOIN: f.* may be NULL). */
const SORT_EXPRESSIONS: Record<FieldSortKey, string> = {
  arrival: 'm.internaldate',
  size: 'm.size',
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

  /** Every record's UID in the order of `criteria`, ties by UID (that is, by sequence number). */
  sortedUids(criteria: readonly FieldSortCriterion[]): Uint32Array {
    const order = [...criteria.map((c) => `${SORT_EXPRESSIONS[c.key]}${c.reverse ? ' DESC' : ''}`), 'm.uid'].join(', ');
    const join = criteria.some((c) => c.key !== 'arrival' && c.key !== 'size') ? ' LEFT JOIN message_fields f ON f.uid = m.uid' : '';
    return this.uids(`SELECT group_concat(m.uid, ',' ORDER BY ${order}) FROM messages m${join}`);
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
  sentDays(op: SentDayComparison, day: number): { matching: Uint32Array; other: Uint32Array } {
    const sql = (not: string) => `SELECT group_concat(uid) FROM (SELECT uid FROM message_fields WHERE sent_day IS NOT NULL AND ${not}(sent_day ${COMPARE_SQL[op]} ?) ORDER BY uid)`;
    return { matching: this.uids(sql(''), day), other: this.uids(sql('NOT '), day) };
  }
}
