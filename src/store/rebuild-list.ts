/**
 * reconstruct -m: rebuild mailboxes.db from the cyrus.header files found on every partition.
 *
 * A copy is removed only when it is provably a leftover: its mailbox (same uniqueid) is alive
 * somewhere else, in mailboxes.db or as a correctly placed header with an active index (an
 * interrupted rename or delete leaves such a copy). A copy found where its name does not put it
 * (hashimapspool or fulldirhash changed since it was created) and alive nowhere else is moved to
 * where it belongs and adopted; when that place is taken, it is left alone and reported. Names read
 * from headers go through the store's name check. Entries already in mailboxes.db win over headers
 * that disagree. Reserved rows left by interrupted creates are cleared first.
 */
import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import {
  HEADER_FILE, IndexDb, fsyncDirectory, pidOfTempFile, pruneEmptyDirectories, readHeader, removeMailboxFiles, uidOfFileName,
  type MailboxHeader,
} from '../mailbox/index.js';
import type { MailStore } from './mail-store.js';
import type { MailboxEntry } from './mailbox-list.js';

export interface RebuildOptions {
  checkOnly?: boolean;
  /** Called as directories are visited (phase, directories so far). Throttle it yourself. */
  onProgress?: (phase: string, done: number) => void;
}

export interface RebuildReport {
  added: string[];
  /** Directories removed (or, checking only, to remove) as leftovers of a mailbox alive elsewhere. */
  leftovers: string[];
  /** Misplaced mailboxes moved (or to move) to the directory their name gives. */
  moved: Array<{ name: string; from: string; to: string }>;
  /** Reserved rows of interrupted creates: cleared, or completed when the mailbox was whole. */
  reservations: Array<{ name: string; action: 'cleared' | 'completed' }>;
  problems: string[];
}

interface FoundCopy {
  header: MailboxHeader;
  partition: string;
  dir: string;
  /** The index's state, or null without a readable index. */
  state: string | null;
  /** Whether `dir` is where the header's name puts it. */
  placed: boolean;
}

function* headerDirectories(root: string, visited: () => void): Generator<string> {
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    visited();
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

function hasHeader(dir: string): boolean {
  try {
    readHeader(dir);
    return true;
  } catch {
    return false;
  }
}

/**
 * Move a mailbox's own files (not child directories) from `from` to `to` on the same partition.
 * The index's WAL is checkpointed first so the index is one file; cyrus.header goes last, so an
 * interrupted move leaves the header at the old place and a second run carries on.
 */
function moveMailboxFiles(from: string, to: string, durable: boolean): void {
  const index = IndexDb.open(from, durable);
  try {
    index.db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    index.close();
  }
  mkdirSync(to, { recursive: true, mode: 0o700 });
  const names = readdirSync(from).filter((n) => n !== HEADER_FILE && (n.startsWith('cyrus.') || uidOfFileName(n) !== null) && pidOfTempFile(n) === null);
  for (const name of names) renameSync(join(from, name), join(to, name));
  renameSync(join(from, HEADER_FILE), join(to, HEADER_FILE));
  fsyncDirectory(to, durable);
  fsyncDirectory(from, durable);
}

export function rebuildMailboxList(store: MailStore, partitions: ReadonlyMap<string, string>, opts: RebuildOptions = {}): RebuildReport {
  const report: RebuildReport = { added: [], leftovers: [], moved: [], reservations: store.clearStaleReservations({ checkOnly: opts.checkOnly }), problems: [] };
  const copies: FoundCopy[] = [];
  let visited = 0;
  for (const [partition, root] of partitions) {
    for (const dir of headerDirectories(root, () => opts.onProgress?.('scanning partitions', ++visited))) {
      let header: MailboxHeader;
      try {
        header = readHeader(dir);
        store.checkName(header.name);
      } catch (err) {
        report.problems.push(`${dir}: unusable header (${(err as Error).message}); left alone`);
        continue;
      }
      const index = IndexDb.identity(dir, store.durable);
      const state = index && index.uniqueid === header.uniqueId ? index.state : null;
      copies.push({ header, partition, dir, state, placed: store.directoryOf(header.name, partition) === dir });
    }
  }
  /** Whether the mailbox of `copy` is alive in another directory (so `copy` may go). */
  const aliveElsewhere = (copy: FoundCopy): boolean => {
    const entry = store.mailboxes.getByUniqueId(copy.header.uniqueId);
    if (entry && !entry.type.includes('reserved')) {
      try {
        const dir = store.directoryOf(entry.name, entry.partition);
        const there = IndexDb.identity(dir, store.durable);
        if (dir !== copy.dir && there?.uniqueid === entry.uniqueId && there.state === 'active') return true;
      } catch {
        // unknown partition: not provably alive
      }
    }
    return copies.some((c) => c !== copy && c.dir !== copy.dir && c.header.uniqueId === copy.header.uniqueId && c.placed && c.state === 'active');
  };
  const removeLeftover = (copy: FoundCopy, why: string): void => {
    report.problems.push(`${copy.dir}: ${why}`);
    report.leftovers.push(copy.dir);
    if (!opts.checkOnly) removeMailboxFiles(copy.dir);
  };

  const found: FoundCopy[] = [];
  for (const copy of copies) {
    const retired = copy.state === 'moved' || copy.state === 'deleted';
    if (!retired && copy.placed) {
      found.push(copy);
      continue;
    }
    if (aliveElsewhere(copy)) {
      removeLeftover(copy, `copy of ${copy.header.name} that lives elsewhere; leftover`);
      continue;
    }
    if (retired) {
      report.problems.push(`${copy.dir}: ${copy.header.name} is marked ${copy.state} but no live copy was found; left in place`);
      continue;
    }
    const target = store.directoryOf(copy.header.name, copy.partition);
    if (copy.state === null || hasHeader(target)) {
      report.problems.push(`${copy.dir}: ${copy.header.name} is not where its name puts it (${target}${copy.state === null ? '' : ', which holds another mailbox'}); left in place`);
      continue;
    }
    report.moved.push({ name: copy.header.name, from: copy.dir, to: target });
    if (!opts.checkOnly) {
      try {
        moveMailboxFiles(copy.dir, target, store.durable);
        pruneEmptyDirectories(copy.dir, partitions.get(copy.partition)!);
      } catch (err) {
        report.problems.push(`${copy.dir}: could not move to ${target} (${(err as Error).message}); left in place`);
        continue;
      }
    }
    found.push({ ...copy, dir: target, placed: true });
  }

  let maxModseq = 0;
  let maxUidValidity = 0;
  const toAdd: MailboxEntry[] = [];
  for (const copy of found) {
    const { header, partition, dir } = copy;
    const existing = store.mailboxes.get(header.name);
    if (existing) {
      if (existing.uniqueId !== header.uniqueId || existing.partition !== partition) {
        if (existing.uniqueId === header.uniqueId && aliveElsewhere(copy)) removeLeftover(copy, `mailboxes.db has ${header.name} on another partition; this copy is a leftover`);
        else report.problems.push(`${dir}: mailboxes.db has ${header.name} as ${existing.uniqueId === header.uniqueId ? 'the same mailbox on another partition' : 'another mailbox'}; this copy is left alone`);
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
    if (!foundNames.has(entry.name) && !entry.type.includes('remote') && !entry.type.includes('reserved')) {
      report.problems.push(`${entry.name}: in mailboxes.db but no header on partition ${entry.partition}`);
    }
  }
  if (!opts.checkOnly && toAdd.length > 0) {
    store.mailboxes.write('reconstruct -m', () => {
      for (const e of toAdd) store.mailboxes.put(e);
      store.mailboxes.raiseCounter('modseq', maxModseq);
      store.mailboxes.raiseCounter('uidvalidity', maxUidValidity);
    });
    for (const e of toAdd) store.notifyChanged(e.name);
  }
  report.added.sort();
  return report;
}
