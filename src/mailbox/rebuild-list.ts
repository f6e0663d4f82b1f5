/**
 * reconstruct -m: rebuild mailboxes.db from the cyrus.header files found on every partition.
 * A header whose directory is not where its name belongs, or whose index says the mailbox was
 * moved or deleted, is a leftover of an interrupted rename or delete and is removed (unless
 * checking only). Entries already in mailboxes.db win over headers that disagree.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { MailStore } from '../store/mail-store.js';
import type { MailboxEntry } from '../store/mailbox-list.js';
import { HEADER_FILE, removeMailboxFiles } from './files.js';
import { readHeader, type MailboxHeader } from './header.js';
import { IndexDb } from './index-db.js';

export interface RebuildReport {
  added: string[];
  leftovers: string[];
  problems: string[];
}

function* headerDirectories(root: string): Generator<string> {
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    let hasHeader = false;
    for (const e of entries) {
      if (e.isDirectory()) stack.push(join(dir, e.name));
      else if (e.name === HEADER_FILE) hasHeader = true;
    }
    if (hasHeader) yield dir;
  }
}

function indexState(dir: string, durable: boolean): string | null {
  try {
    const index = IndexDb.open(dir, durable);
    try {
      return index.mailbox().state;
    } finally {
      index.close();
    }
  } catch {
    return null;
  }
}

export function rebuildMailboxList(store: MailStore, partitions: ReadonlyMap<string, string>, opts: { checkOnly?: boolean } = {}): RebuildReport {
  const report: RebuildReport = { added: [], leftovers: [], problems: [] };
  const found: Array<{ header: MailboxHeader; partition: string; dir: string }> = [];
  for (const [partition, root] of partitions) {
    for (const dir of headerDirectories(root)) {
      let header: MailboxHeader;
      try {
        header = readHeader(dir);
      } catch (err) {
        report.problems.push(`${dir}: unreadable header (${(err as Error).message})`);
        continue;
      }
      const state = indexState(dir, store.durable);
      const misplaced = store.directoryOf(header.name, partition) !== dir;
      if (state === 'moved' || state === 'deleted' || misplaced) {
        report.leftovers.push(dir);
        if (!opts.checkOnly) removeMailboxFiles(dir);
        continue;
      }
      found.push({ header, partition, dir });
    }
  }
  let maxModseq = 0;
  let maxUidValidity = 0;
  const toAdd: MailboxEntry[] = [];
  for (const { header, partition, dir } of found) {
    const existing = store.mailboxes.get(header.name);
    if (existing) {
      if (existing.uniqueId !== header.uniqueId || existing.partition !== partition) {
        const other = existing.uniqueId === header.uniqueId ? 'another partition' : 'another mailbox';
        report.problems.push(`${dir}: mailboxes.db has ${header.name} on ${other}; this copy is a leftover`);
        report.leftovers.push(dir);
        if (!opts.checkOnly && existing.uniqueId === header.uniqueId) removeMailboxFiles(dir);
      }
      continue;
    }
    maxModseq = Math.max(maxModseq, header.createdModseq);
    maxUidValidity = Math.max(maxUidValidity, header.uidValidity);
    report.added.push(header.name);
    toAdd.push({
      name: header.name, uniqueId: header.uniqueId, partition, acl: header.acl, type: [], server: null,
      createdModseq: header.createdModseq, modifiedModseq: header.createdModseq, uidValidity: header.uidValidity,
      specialUse: header.specialUse, quotaRoot: header.quotaRoot,
    });
  }
  const foundNames = new Set(found.map((f) => f.header.name));
  for (const entry of store.mailboxes.all()) {
    if (!foundNames.has(entry.name) && !entry.type.includes('remote')) {
      report.problems.push(`${entry.name}: in mailboxes.db but no header on partition ${entry.partition}`);
    }
  }
  if (!opts.checkOnly && toAdd.length > 0) {
    store.mailboxes.write('reconstruct -m', () => {
      for (const e of toAdd) store.mailboxes.put(e);
      store.mailboxes.raiseCounter('modseq', maxModseq);
      store.mailboxes.raiseCounter('uidvalidity', maxUidValidity);
    });
  }
  report.added.sort();
  return report;
}
