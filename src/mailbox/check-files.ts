/**
 * chk_cyrus's question of one mailbox directory: which files a mailbox must have are not there
 * (the directory itself, cyrus.header, cyrus.index, and the file of every message record). Read
 * only: one read transaction on the index, one directory listing, no file opened.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readTransaction } from '../common/sqlite.js';
import { HEADER_FILE, INDEX_FILE, messageFileName } from './files.js';
import { IndexDb } from './index-db.js';

/** The paths of `dir`'s expected files that are missing (the directory alone when it is). */
export function missingMailboxFiles(dir: string, durable: boolean): string[] {
  if (!existsSync(dir)) return [dir];
  const present = new Set(readdirSync(dir));
  const missing: string[] = [];
  if (!present.has(HEADER_FILE)) missing.push(join(dir, HEADER_FILE));
  if (!present.has(INDEX_FILE)) {
    missing.push(join(dir, INDEX_FILE));
    return missing;
  }
  const index = IndexDb.open(dir, durable);
  try {
    const uids = readTransaction(index.db, 'chk_cyrus', () => index.db.prepare<[], number>('SELECT uid FROM messages ORDER BY uid').pluck().all());
    for (const uid of uids) {
      const name = messageFileName(uid);
      if (!present.has(name)) missing.push(join(dir, name));
    }
  } finally {
    index.close();
  }
  return missing;
}
