/**
 * What mbexamine shows of a mailbox: its cyrus.header, the index's mailbox row, and every record
 * with what the index holds beside it (cache summary, rendered ENVELOPE / BODYSTRUCTURE, header
 * block, stored search fields, search_engine text). Our cache is tables of cyrus.index, not a file
 * of offsets: each record reports the sizes of its rows there instead of Cyrus's cache offsets.
 * Also the comparisons of mbexamine -c (records against their files) and -q (the index's byte
 * count against the files' sizes). Read only: nothing here writes.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { readTransaction } from '../common/sqlite.js';
import { messageFileName } from './files.js';
import { FLAG_ANSWERED, decodeKeywords, flagNames } from './flags.js';
import { readHeader, type MailboxHeader } from './header.js';
import type { IndexDb, MailboxRow } from './index-db.js';
import { join } from 'node:path';

export interface ExaminedRecord {
  /** Position in UID order, 1-based (the sequence number a session without pending expunges sees). */
  seq: number;
  uid: number;
  modseq: number;
  /** The flag bits as stored (flags.ts: \Answered 1, \Flagged 2, \Deleted 4, \Draft 8, \Seen 16). */
  systemBits: number;
  systemFlags: string[];
  keywords: string[];
  internalDate: number;
  saveDate: number;
  size: number;
  guid: string;
  /** The Date: header's time (ms) from the stored fields; null without one. */
  sent: number | null;
  /** Bytes of each cache row (null: the row is missing). */
  summaryBytes: number | null;
  headerBytes: number | null;
  envelope: Buffer | null;
  bodyStructure: Buffer | null;
  /** The stored, normalised SEARCH values (null: field absent or no fields row). */
  search: { from: string | null; to: string | null; cc: string | null; bcc: string | null; subject: string | null } | null;
  /** Whether the message's text is in the search_engine index. */
  textIndexed: boolean;
}

export interface Examination {
  /** cyrus.header (null when it cannot be read). */
  header: MailboxHeader | null;
  row: MailboxRow;
  userFlags: string[];
  /** Expunged records the index still remembers, and how many of those still have their file. */
  expunged: number;
  expungedWithFiles: number;
  /** The index file's schema version (PRAGMA user_version). */
  schemaVersion: number;
  /** When the newest record was saved into the mailbox (ms; null: empty). */
  lastAppend: number | null;
  /** Records with \Answered (the row counts the others). */
  answered: number;
  records: ExaminedRecord[];
}

export interface ExamineSelection {
  uid?: number;
  seq?: number;
}

type RecordRow = [number, number, number, string | null, number, number, number, string, number | null, number | null, number | null, Buffer | string | null, Buffer | string | null, string | null, string | null, string | null, string | null, string | null, number | null];

const RECORDS_SQL = `
SELECT m.uid, m.modseq, m.flags, m.keywords, m.internaldate, m.savedate, m.size, m.guid,
  f.sent, length(c.summary), length(h.header), i.envelope, i.bodystructure,
  f.search_from, f.search_to, f.search_cc, f.search_bcc, f.search_subject, f.text_indexed
FROM messages m LEFT JOIN cache c ON c.uid = m.uid LEFT JOIN search_headers h ON h.uid = m.uid
  LEFT JOIN imap_forms i ON i.uid = m.uid LEFT JOIN message_fields f ON f.uid = m.uid`;

const bytes = (form: Buffer | string | null): Buffer | null => (form === null ? null : typeof form === 'string' ? Buffer.from(form) : form);

function record(r: RecordRow, seq: number): ExaminedRecord {
  return {
    seq, uid: r[0], modseq: r[1], systemBits: r[2], systemFlags: flagNames(r[2], null), keywords: decodeKeywords(r[3]),
    internalDate: r[4], saveDate: r[5], size: r[6], guid: r[7], sent: r[8], summaryBytes: r[9], headerBytes: r[10],
    envelope: bytes(r[11]), bodyStructure: bytes(r[12]),
    search: r[18] === null ? null : { from: r[13], to: r[14], cc: r[15], bcc: r[16], subject: r[17] },
    textIndexed: r[18] === 1,
  };
}

/** The header, the mailbox row and the records (all, or the one of `select`). */
export function examineIndex(index: IndexDb, directory: string, select: ExamineSelection = {}): Examination {
  let header: MailboxHeader | null = null;
  try {
    header = readHeader(directory);
  } catch {
    // reported as unreadable
  }
  return readTransaction(index.db, 'examine', () => {
    const db = index.db;
    const row = index.stmts.mailbox.get()!;
    let records: ExaminedRecord[];
    if (select.uid !== undefined) {
      const seq = db.prepare<[number], number>('SELECT count(*) FROM messages WHERE uid <= ?').pluck().get(select.uid)!;
      const found = db.prepare<[number], RecordRow>(`${RECORDS_SQL} WHERE m.uid = ?`).raw(true).get(select.uid);
      records = found === undefined ? [] : [record(found, seq)];
    } else if (select.seq !== undefined) {
      const found = select.seq >= 1 ? db.prepare<[number], RecordRow>(`${RECORDS_SQL} ORDER BY m.uid LIMIT 1 OFFSET ?`).raw(true).get(select.seq - 1) : undefined;
      records = found === undefined ? [] : [record(found, select.seq)];
    } else {
      records = db.prepare<[], RecordRow>(`${RECORDS_SQL} ORDER BY m.uid`).raw(true).all().map((r, i) => record(r, i + 1));
    }
    const lastAppend = db.prepare('SELECT max(savedate) FROM messages').pluck().get() as number | null;
    const answered = db.prepare(`SELECT count(*) FROM messages WHERE (flags & ${FLAG_ANSWERED}) != 0`).pluck().get() as number;
    const expunged = db.prepare<[], [number, number | null]>('SELECT count(*), sum(file_removed = 0) FROM expunged').raw(true).get()!;
    return {
      header, row, userFlags: index.stmts.userFlags.all().map((f) => f.name),
      expunged: expunged[0], expungedWithFiles: expunged[1] ?? 0,
      schemaVersion: db.pragma('user_version', { simple: true }) as number,
      lastAppend, answered, records,
    };
  });
}

/** One record whose file disagrees with it (mbexamine -c). */
export interface FileMismatch {
  uid: number;
  /** What the record says. */
  record: { size: number; guid: string };
  /** What the file holds: null when there is no file. */
  file: { size: number; guid: string } | null;
}

/** Every record checked against its file: the ones that differ in size or GUID, or have none. */
export function compareWithFiles(index: IndexDb, directory: string): { checked: number; mismatches: FileMismatch[] } {
  const records = readTransaction(index.db, 'examine', () => index.db.prepare<[], [number, number, string]>('SELECT uid, size, guid FROM messages ORDER BY uid').raw(true).all());
  const mismatches: FileMismatch[] = [];
  for (const [uid, size, guid] of records) {
    let content: Buffer;
    try {
      content = readFileSync(join(directory, messageFileName(uid)));
    } catch {
      mismatches.push({ uid, record: { size, guid }, file: null });
      continue;
    }
    const fileGuid = createHash('sha1').update(content).digest('hex');
    if (content.length !== size || fileGuid !== guid) mismatches.push({ uid, record: { size, guid }, file: { size: content.length, guid: fileGuid } });
  }
  return { checked: records.length, mismatches };
}

/** mbexamine -q: the byte count the index keeps (what quota is charged from) against the files' sizes. */
export function compareUsage(index: IndexDb, directory: string): { indexBytes: number; recordBytes: number; fileBytes: number; missingFiles: number } {
  const [indexBytes, uids, recordBytes] = readTransaction(index.db, 'examine', () => {
    const row = index.stmts.mailbox.get()!;
    const all = index.db.prepare<[], [number, number]>('SELECT uid, size FROM messages').raw(true).all();
    return [row.messages_size, all.map((r) => r[0]), all.reduce((t, r) => t + r[1], 0)] as const;
  });
  let fileBytes = 0;
  let missingFiles = 0;
  for (const uid of uids) {
    try {
      fileBytes += statSync(join(directory, messageFileName(uid))).size;
    } catch {
      missingFiles++;
    }
  }
  return { indexBytes, recordBytes, fileBytes, missingFiles };
}
