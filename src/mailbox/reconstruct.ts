/**
 * reconstruct: make a mailbox's index, cache and header agree with its message files (the
 * truth). Keeps flags, internal dates and modseqs of records whose file is there; adopts files
 * without a record (an append interrupted between rename and commit); drops records whose file
 * is gone (remembered as expunged, so sessions learn); rebuilds missing cache rows. Runs under
 * the index write lock, so it is safe next to live sessions. With checkOnly it changes nothing.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readTransaction, writeTransaction } from '../common/sqlite.js';
import { sha1Hex } from './append.js';
import { INDEX_FILE, isLeftoverTemp, messageFileError, messageFileName, uidOfFileName } from './files.js';
import { readHeader, writeHeader, type MailboxHeader } from './header.js';
import { IndexDb, fillMessageFields, putMessageFields, type IndexStatements } from './index-db.js';
import { forgetColumns } from './snapshot-cache.js';
import { forgetThreadInput } from './thread-input.js';
import { forgetOrders } from './sort-order-cache.js';
import { encodeHeaderText, renderImapForms, storedFields, type MessageSummary } from '../message/index.js';
import { MailError } from '../common/errors.js';

export interface ReconstructOptions {
  /** Report only (reconstruct -n). */
  checkOnly?: boolean;
  /** Also re-read every message file and check its size and GUID (reconstruct -f). */
  full?: boolean;
  /** Called as work is done: what is being done, how far, out of how much. Throttle it yourself. */
  onProgress?: (phase: string, done: number, total: number) => void;
}

/** A mailbox as mailboxes.db lists it: the identity its cyrus.header must repeat, and its partition. */
export type ListedMailbox = Pick<MailboxHeader, 'name' | 'uniqueId' | 'uidValidity' | 'acl' | 'quotaRoot' | 'specialUse' | 'createdModseq'> & {
  partition: string;
};

/** What reconstruct needs from the store (MailStore is one): the mailbox list, paths, the parser. */
export interface ReconstructSource {
  readonly durable: boolean;
  lookup(name: string): ListedMailbox | null;
  directoryOf(name: string, partition: string): string;
  summarizeMessage(content: Buffer): MessageSummary;
  notifyChanged(name: string): void;
}

export interface ReconstructReport {
  name: string;
  /** What was wrong (or, with checkOnly, is wrong), one line each. */
  problems: string[];
  adopted: number[];
  dropped: number[];
  recached: number[];
}


/** Write a message's cache row: the summary and its ENVELOPE and BODYSTRUCTURE text. */
function putCacheRow(s: IndexStatements, uid: number, summary: MessageSummary): void {
  const forms = renderImapForms(summary);
  s.putCache.run(uid, JSON.stringify(summary));
  s.putForms.run(uid, forms.envelope, forms.bodyStructure);
  s.putHeader.run(uid, encodeHeaderText(summary.header));
  putMessageFields(s, uid, storedFields(summary));
}

export function reconstructMailbox(store: ReconstructSource, name: string, opts: ReconstructOptions = {}): ReconstructReport {
  const entry = store.lookup(name);
  if (!entry) throw new MailError('NotFound', `no mailbox ${name}`);
  const report: ReconstructReport = { name, problems: [], adopted: [], dropped: [], recached: [] };
  const fix = !opts.checkOnly;
  const dir = store.directoryOf(entry.name, entry.partition);
  if (!existsSync(dir)) {
    report.problems.push(`directory ${dir} is missing`);
    if (!fix) return report;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  let header: MailboxHeader | null = null;
  try {
    header = readHeader(dir);
  } catch {
    header = null;
  }
  let index: IndexDb | null = null;
  if (IndexDb.exists(dir)) {
    try {
      index = IndexDb.open(dir, store.durable);
    } catch (err) {
      report.problems.push(`index unreadable (${(err as Error).message})`);
      if (fix) renameSync(join(dir, INDEX_FILE), join(dir, `${INDEX_FILE}.damaged-${Date.now()}`));
      for (const suffix of ['-wal', '-shm']) if (fix) rmSync(join(dir, INDEX_FILE + suffix), { force: true });
    }
  } else {
    report.problems.push('index is missing');
  }
  // A new index starts with no expunged records: what the lost one remembered is forgotten.
  const recreated = !index;
  if (!index) {
    if (!fix) return report;
    const own = header && header.uniqueId === entry.uniqueId ? header : null;
    const uidValidity = own ? own.uidValidity : entry.uidValidity;
    // The \Seen bits are nobody's (seenOwner null): the owner's \Seen went with the index, unless
    // seen.db still holds it (an index from before the bits), which the next open adopts (seen-owner.ts).
    // A surviving index keeps its records' bits and whose they are.
    index = IndexDb.create(dir, store.durable, { uniqueId: entry.uniqueId, name, uidValidity, highestModseq: entry.createdModseq, sharedSeen: own?.sharedSeen ?? false, seenOwner: null });
  }
  try {
    const body = () => repairIndex(store, index!, dir, name, entry.uniqueId, report, opts);
    if (fix) {
      writeTransaction(index.db, 'reconstruct', () => {
        body();
        // Which UIDs the lost index had expunged is unknown: no modseq up to the new highest one can
        // be answered with a full VANISHED list. A surviving index keeps its own deletedModseq.
        if (recreated) index!.stmts.raiseDeletedModseq.run(index!.mailbox().highestmodseq);
      });
    }
    else readTransaction(index.db, 'reconstruct -n', body);
    const userFlags = index.stmts.userFlags.all().map((r) => r.name);
    const row = index.mailbox();
    const wanted: MailboxHeader = { name, uniqueId: entry.uniqueId, uidValidity: row.uidvalidity, acl: entry.acl, quotaRoot: entry.quotaRoot, specialUse: entry.specialUse, createdModseq: entry.createdModseq, userFlags, sharedSeen: row.sharedseen === 1 };
    if (!header) report.problems.push('cyrus.header is missing or unreadable');
    else if (JSON.stringify(header) !== JSON.stringify(wanted)) report.problems.push('cyrus.header differs from mailboxes.db and the index');
    if (fix && (!header || JSON.stringify(header) !== JSON.stringify(wanted))) writeHeader(dir, wanted, store.durable);
  } finally {
    index.close();
  }
  // Sessions that have the mailbox open (or IDLE on it) pick up what changed; snapshots are read anew.
  if (fix) {
    forgetColumns(join(dir, INDEX_FILE));
    forgetThreadInput(join(dir, INDEX_FILE));
    forgetOrders(join(dir, INDEX_FILE));
  }
  if (fix && report.problems.length > 0) store.notifyChanged(name);
  return report;
}

function repairIndex(store: ReconstructSource, index: IndexDb, dir: string, name: string, uniqueId: string, report: ReconstructReport, opts: ReconstructOptions): void {
  const fix = !opts.checkOnly;
  const s = index.stmts;
  const row = index.mailbox();
  if (row.uniqueid !== uniqueId || row.name !== name || row.state !== 'active') {
    report.problems.push(`index identity (${row.name}, ${row.uniqueid}, ${row.state}) does not match mailboxes.db`);
    if (fix) s.setIdentity.run(uniqueId, name);
  }
  const files = new Set<number>();
  for (const file of readdirSync(dir)) {
    const uid = uidOfFileName(file);
    if (uid !== null) files.add(uid);
    // A temp file of a live writer is an append in flight, not a problem.
    if (isLeftoverTemp(dir, file)) {
      report.problems.push(`leftover temp file ${file}`);
      if (fix) rmSync(join(dir, file), { force: true });
    }
  }
  const records = s.allMessages.all();
  const recorded = new Set(records.map((r) => r.uid));
  const expunged = new Map(s.allExpunged.all().map((r) => [r.uid, r]));
  let maxUid = 0;
  let maxModseq = row.highestmodseq;
  for (const r of records) maxModseq = Math.max(maxModseq, r.modseq);
  for (const r of expunged.values()) {
    maxUid = Math.max(maxUid, r.uid);
    maxModseq = Math.max(maxModseq, r.modseq);
  }
  const modseq = maxModseq + 1;
  const now = Date.now();
  let rewritten = 0;
  const readMessage = (uid: number): Buffer => {
    try {
      return readFileSync(join(dir, messageFileName(uid)));
    } catch (err) {
      throw messageFileError(err, uid, `message ${uid}`);
    }
  };
  const phase = opts.full ? 're-reading message files' : 'checking records';
  let checked = 0;
  for (const r of records) {
    opts.onProgress?.(phase, ++checked, records.length);
    maxUid = Math.max(maxUid, r.uid);
    if (!files.has(r.uid)) {
      report.problems.push(`message ${r.uid}: file is missing; record dropped`);
      report.dropped.push(r.uid);
      if (fix) {
        s.deleteMessage.run(r.uid);
        s.deleteCache.run(r.uid);
        s.deleteAnnotations.run(r.uid);
        s.insertExpunged.run(r.uid, modseq, now, 1);
      }
    } else if (opts.full) {
      const bytes = readMessage(r.uid);
      const guid = sha1Hex(bytes);
      if (guid !== r.guid || bytes.length !== r.size) {
        report.problems.push(`message ${r.uid}: size or GUID differs from the file`);
        report.recached.push(r.uid);
        rewritten++;
        if (fix) {
          // A changed record gets the new modseq, so CONDSTORE clients fetch it again.
          s.updateContent.run(bytes.length, guid, r.uid);
          s.updateModseq.run(modseq, r.uid);
          putCacheRow(s, r.uid, store.summarizeMessage(bytes));
        }
      }
    }
  }
  const orphans = [...files].filter((uid) => !recorded.has(uid)).sort((a, b) => a - b);
  let done = 0;
  for (const uid of orphans) {
    opts.onProgress?.('adopting files', ++done, orphans.length);
    const gone = expunged.get(uid);
    if (gone) {
      if (gone.file_removed === 1) {
        report.problems.push(`message ${uid}: file of an expunged message is still there`);
        if (fix) rmSync(join(dir, messageFileName(uid)), { force: true });
      }
      continue;
    }
    maxUid = Math.max(maxUid, uid);
    report.problems.push(`message ${uid}: file without a record; adopted`);
    report.adopted.push(uid);
    if (!fix) continue;
    const bytes = readMessage(uid);
    const mtime = statSync(join(dir, messageFileName(uid))).mtimeMs;
    s.insertMessage.run(uid, modseq, 0, null, Math.floor(mtime), now, bytes.length, sha1Hex(bytes));
    putCacheRow(s, uid, store.summarizeMessage(bytes));
  }
  if (fix || report.dropped.length === 0) {
    for (const { uid } of s.uncachedUids.all()) {
      if (report.dropped.includes(uid) || !files.has(uid)) continue;
      report.problems.push(`message ${uid}: cache entry missing; rebuilt`);
      report.recached.push(uid);
      if (fix) putCacheRow(s, uid, store.summarizeMessage(readMessage(uid)));
    }
    if (fix) {
      // Rows cached before ENVELOPE and BODYSTRUCTURE were rendered at append time: render them
      // from the summary (FETCH works without them; this only makes it faster, so no problem line).
      for (const { uid, summary } of s.unrenderedCache.all()) {
        const forms = renderImapForms(JSON.parse(summary) as MessageSummary);
        s.putForms.run(uid, forms.envelope, forms.bodyStructure);
      }
      // Likewise rows cached before their header block was kept apart for SEARCH.
      for (const { uid, summary } of s.headerlessCache.all()) {
        s.putHeader.run(uid, encodeHeaderText((JSON.parse(summary) as MessageSummary).header));
      }
      // And rows cached before the SORT / THREAD / SEARCH fields were stored.
      fillMessageFields(s);
    }
    for (const { uid } of s.strayCache.all()) {
      report.problems.push(`cache entry ${uid} without a record`);
      if (fix) s.deleteCache.run(uid);
    }
  }
  const changed = report.dropped.length > 0 || report.adopted.length > 0 || rewritten > 0;
  const uidNext = Math.max(row.uidnext, maxUid + 1);
  if (uidNext !== row.uidnext) report.problems.push(`uidnext ${row.uidnext} is not above the highest uid ${maxUid}`);
  const highest = changed ? modseq : maxModseq;
  if (highest !== row.highestmodseq && !changed) report.problems.push(`highestmodseq ${row.highestmodseq} is below a record's modseq`);
  if (fix && (uidNext !== row.uidnext || highest !== row.highestmodseq)) s.setCounters.run(uidNext, highest);
  // The STATUS counters of the mailbox row, counted again from the records.
  if (fix) s.recount.run();
}
