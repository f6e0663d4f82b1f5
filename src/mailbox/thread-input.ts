/**
 * What THREAD reads of every record (message_fields beside the records, stored at append), as a
 * ThreadInput: msg-ids and base subjects interned once (src/message/threadInput.ts). A process
 * keeps a big mailbox's ThreadInput, as Dovecot keeps a thread index: a record's fields never
 * change, so while uniqueid and uidvalidity stay, the records appended since (UIDs from the kept
 * uidnext on) are all that is read. Expunged records stay in it (THREAD picks the rows of the
 * messages it threads) until they are as many as the live ones, then it is read afresh.
 */
import type { Statement } from 'better-sqlite3';
import { readTransaction } from '../common/sqlite.js';
import { ThreadInput } from '../message/index.js';
import type { IndexDb } from './index-db.js';

interface Kept {
  uniqueId: string;
  uidValidity: number;
  /** Every record below it is in `input`. */
  uidNext: number;
  input: ThreadInput;
}

/** Records kept over all mailboxes (a worker): 100,000 take about 30 MB (mostly their msg-ids and subjects). */
const MAX_RECORDS = 200_000;
/** Smaller mailboxes are read again each time. */
const KEEP_FROM = 1000;
/** By IndexDb.identity (file and inode), most recently used last. */
const kept = new Map<string, Kept>();

// One row: the columns of the records from a UID on, each as one string (a string per record
// costs more than the query). NUL separates texts; a text holding a NUL is read row by row.
const COLUMNS = `SELECT m.uid AS uid, m.internaldate AS arrival, coalesce(f.sent, m.internaldate) AS date,
  CASE WHEN f.reply_or_forward THEN '1' ELSE '0' END AS reply, coalesce(f.base_subject, '') AS subject,
  coalesce(f.message_id, '') AS message_id, coalesce(f.refs, '') AS refs, coalesce(f.in_reply_to, '') AS in_reply_to
  FROM messages m LEFT JOIN message_fields f ON f.uid = m.uid WHERE m.uid >= ? ORDER BY m.uid`;
const CONCATENATED = `SELECT count(*), group_concat(uid), group_concat(arrival), group_concat(date), group_concat(reply, ''),
  group_concat(subject, char(0)), group_concat(message_id, char(0)), group_concat(refs, char(0)), group_concat(in_reply_to, char(0))
  FROM (${COLUMNS})`;

type Concatenated = [number, string | null, string | null, string | null, string | null, string | null, string | null, string | null, string | null];
type Row = [number, number, number, string, string, string, string, string];

/** SQLite's comma-separated numbers; integers are read digit by digit, anything else by Number(). */
function numbers(text: string, n: number): Float64Array {
  const out = new Float64Array(n);
  let i = 0;
  let start = 0;
  let value = 0;
  let negative = false;
  let plain = true;
  for (let p = 0; p <= text.length; p++) {
    const c = p < text.length ? text.charCodeAt(p) : 44;
    if (c === 44) {
      out[i++] = plain ? (negative ? -value : value) : Number(text.slice(start, p));
      start = p + 1;
      value = 0;
      negative = false;
      plain = true;
    } else if (c >= 48 && c <= 57) value = value * 10 + (c - 48);
    else if (c === 45 && p === start) negative = true;
    else plain = false;
  }
  return out;
}

function separators(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\0'); i >= 0; i = text.indexOf('\0', i + 1)) n++;
  return n;
}

const statements = new WeakMap<IndexDb, { concatenated: Statement; rows: Statement }>();

/** Add the records from `fromUid` on to `input` (inside a read transaction). */
function addRecords(index: IndexDb, input: ThreadInput, fromUid: number): void {
  let s = statements.get(index);
  if (s === undefined) statements.set(index, (s = { concatenated: index.db.prepare(CONCATENATED).raw(true), rows: index.db.prepare(COLUMNS).raw(true) }));
  const [n, uidText, arrivalText, dateText, replyText, ...texts] = s.concatenated.get(fromUid) as Concatenated;
  if (n === 0) return;
  if (texts.some((t) => t === null || separators(t) !== n - 1) || replyText === null || replyText.length !== n) {
    for (const [uid, arrival, date, reply, subject, messageId, refs, inReplyTo] of s.rows.iterate(fromUid) as IterableIterator<Row>) {
      input.add(uid, date, arrival, subject, reply === '1', messageId, refs, inReplyTo);
    }
    return;
  }
  input.reserve(n, n);
  const uids = numbers(uidText!, n);
  const arrivals = numbers(arrivalText!, n);
  const dates = numbers(dateText!, n);
  const [subjects, messageIds, refs, inReplyTos] = texts as string[];
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const a2 = i === n - 1 ? subjects!.length : subjects!.indexOf('\0', a);
    const b2 = i === n - 1 ? messageIds!.length : messageIds!.indexOf('\0', b);
    const c2 = i === n - 1 ? refs!.length : refs!.indexOf('\0', c);
    const d2 = i === n - 1 ? inReplyTos!.length : inReplyTos!.indexOf('\0', d);
    input.add(
      uids[i]!, dates[i]!, arrivals[i]!, subjects!.slice(a, a2), replyText.charCodeAt(i) === 49,
      b2 > b ? messageIds!.slice(b, b2) : null, c2 > c ? refs!.slice(c, c2) : null, d2 > d ? inReplyTos!.slice(d, d2) : null,
    );
    a = a2 + 1;
    b = b2 + 1;
    c = c2 + 1;
    d = d2 + 1;
  }
}

/** THREAD's view of every record of the mailbox, keys the UIDs (ascending); shared: never change it. */
export function threadInput(index: IndexDb): ThreadInput {
  // Inside a caller's write transaction the records may never be committed: read, not kept.
  if (index.db.inTransaction) {
    const input = new ThreadInput();
    addRecords(index, input, 1);
    return input;
  }
  return readTransaction(index.db, 'thread input', () => {
    const row = index.mailbox();
    let entry = kept.get(index.identity);
    if (entry === undefined || entry.uniqueId !== row.uniqueid || entry.uidValidity !== row.uidvalidity || entry.input.count > 2 * row.messages_count + KEEP_FROM) {
      entry = { uniqueId: row.uniqueid, uidValidity: row.uidvalidity, uidNext: 1, input: new ThreadInput() };
    }
    if (entry.uidNext < row.uidnext) {
      addRecords(index, entry.input, entry.uidNext);
      entry.uidNext = row.uidnext;
    }
    kept.delete(index.identity);
    if (row.messages_count >= KEEP_FROM && entry.input.count <= MAX_RECORDS) {
      kept.set(index.identity, entry);
      let records = 0;
      for (const other of kept.values()) records += other.input.count;
      for (const [file, other] of kept) {
        if (records <= MAX_RECORDS) break;
        kept.delete(file);
        records -= other.input.count;
      }
    }
    return entry.input;
  });
}

/** Forget every mailbox whose index is `file` (reconstruct changed it). */
export function forgetThreadInput(file: string): void {
  for (const key of [...kept.keys()]) if (key.startsWith(`${file}#`)) kept.delete(key);
}
