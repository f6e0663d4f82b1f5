/**
 * squatter's work on one mailbox: give the search_engine index (search_text, index-db.ts) the text
 * of the messages it does not hold yet, those appended before search_engine was switched on (or
 * restored from an index without it). SEARCH BODY / TEXT then answer them from the index too
 * (StoredFieldQueries.textSearch reads the files only of records whose text_indexed is 0).
 *
 * The files are read and their text worked out outside any transaction; each batch is then written
 * in one short write transaction, so sessions appending to or changing the mailbox meanwhile wait
 * for the write lock a few milliseconds at most. A record expunged between the read and the write
 * has lost its message_fields row: its text is not added (no orphan rows in search_text).
 */
import { isMailError } from '../common/errors.js';
import { readTransaction, writeTransaction } from '../common/sqlite.js';
import { searchTextOf, type SearchText } from '../message/index.js';
import type { IndexDb } from './index-db.js';
import type { MessageReader } from './reader.js';

/**
 * The last squatter pass over the mailbox: when it finished (ms) and the highest UID there was when
 * it started, for `squatter -s`; made by the first pass, so an index never filled has no such table.
 */
const SEARCH_RUNS_SCHEMA = 'CREATE TABLE IF NOT EXISTS search_runs (id INTEGER PRIMARY KEY CHECK (id = 1), finished_at INTEGER NOT NULL, covered_uid INTEGER NOT NULL)';

/**
 * A batch's limits: this many messages, or this much text (the FTS5 insert's cost grows with it).
 * Measured with 5,000 messages of 4 KB (squatter over its own spool copy, 3 alternating runs, load
 * 17-20 on 2 cores) while another process changed flags in the same mailbox every 2 ms: with these
 * limits that writer waited 20 ms at the 99th percentile (103 ms at most) and squatter took 10.0 s;
 * with 100 messages / 4 MB, 52 ms (195 ms) and 11.9 s (medians). Alone the writer's p99 was 7 ms.
 */
export const FILL_BATCH_MESSAGES = 32;
export const FILL_BATCH_BYTES = 128 * 1024;

export interface SearchFillOptions {
  batchMessages?: number;
  batchBytes?: number;
  /** After each batch is written: messages done so far and how many were unindexed at the start. */
  onProgress?: (done: number, total: number) => void;
}

export interface SearchFillReport {
  /** Messages whose text went into the index. */
  indexed: number;
  /** Records whose file could not be read (missing: reconstruct's business); left unindexed. */
  unreadable: number[];
}

export interface SearchTextState {
  /** Records whose text is not in the index. */
  unindexed: number;
  /** When the last squatter pass finished and the highest UID there was when it started (null: never). */
  lastFill: { finished: Date; coveredUid: number } | null;
  /** The highest UID of the records (0: empty). */
  lastUid: number;
}

function tableExists(index: IndexDb, name: string): boolean {
  return index.db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(name) !== 0;
}

/** UIDs (ascending) of the records whose text is not in the index, above `after`, at most `limit`. */
export function unindexedUids(index: IndexDb, after = 0, limit = -1): number[] {
  return index.db.prepare<[number, number], number>('SELECT uid FROM message_fields WHERE text_indexed = 0 AND uid > ? ORDER BY uid LIMIT ?').pluck().all(after, limit);
}

export function searchTextState(index: IndexDb): SearchTextState {
  return readTransaction(index.db, 'search text state', () => {
    const unindexed = index.db.prepare('SELECT count(*) FROM message_fields WHERE text_indexed = 0').pluck().get() as number;
    const run = tableExists(index, 'search_runs')
      ? index.db.prepare<[], { finished_at: number; covered_uid: number }>('SELECT finished_at, covered_uid FROM search_runs WHERE id = 1').get()
      : undefined;
    const lastUid = index.db.prepare('SELECT coalesce(max(uid), 0) FROM messages').pluck().get() as number;
    return { unindexed, lastFill: run === undefined ? null : { finished: new Date(run.finished_at), coveredUid: run.covered_uid }, lastUid };
  });
}

/** Index the text of every record not indexed yet, batch by batch (see the top of the file). */
export async function fillSearchText(index: IndexDb, reader: MessageReader, opts: SearchFillOptions = {}): Promise<SearchFillReport> {
  const batchMessages = opts.batchMessages ?? FILL_BATCH_MESSAGES;
  const batchBytes = opts.batchBytes ?? FILL_BATCH_BYTES;
  const { unindexed: total, lastUid: coveredUid } = searchTextState(index);
  const report: SearchFillReport = { indexed: 0, unreadable: [] };
  const mark = index.db.prepare<[number]>('UPDATE message_fields SET text_indexed = 1 WHERE uid = ? AND text_indexed = 0');
  let after = 0;
  let done = 0;
  for (;;) {
    const uids = unindexedUids(index, after, batchMessages);
    if (uids.length === 0) break;
    const summaries = reader.summaries(uids);
    const texts: Array<[number, SearchText]> = [];
    let bytes = 0;
    for (const uid of uids) {
      after = uid;
      done++;
      const summary = summaries.get(uid);
      // Expunged since the batch was listed: nothing to index.
      if (summary === undefined) continue;
      let content: Buffer;
      try {
        content = await reader.readMessage(uid);
      } catch (err) {
        if (!isMailError(err)) throw err;
        report.unreadable.push(uid);
        continue;
      }
      const text = searchTextOf(summary, content);
      texts.push([uid, text]);
      bytes += text.header.length + text.body.length;
      if (bytes >= batchBytes) break;
    }
    if (texts.length > 0) {
      writeTransaction(index.db, 'index search text', () => {
        index.stmts.makeSearchText.run();
        for (const [uid, text] of texts) {
          if (mark.run(uid).changes === 1) {
            index.stmts.putSearchText.run(uid, text.header, text.body);
            report.indexed++;
          }
        }
      });
    }
    opts.onProgress?.(done, Math.max(total, done));
    // Other work of this process (a tool's progress line, a server's sessions) gets its turn.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  writeTransaction(index.db, 'search text run', () => {
    index.db.exec(SEARCH_RUNS_SCHEMA);
    index.db.prepare('INSERT OR REPLACE INTO search_runs (id, finished_at, covered_uid) VALUES (1, ?, ?)').run(Date.now(), coveredUid);
  });
  return report;
}
