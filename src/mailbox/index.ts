/**
 * The mailbox API: a Mailbox comes from MailStore.openMailbox(name) and is given back with close().
 *
 *   mailbox.status(userid?, { deleted? }) → { uidValidity, uidNext, highestModseq, deletedModseq, messages, recent, unseen, deleted, size }
 *   await mailbox.append([{ content | linkFrom, flags?, internalDate? }, ...], { userid? }) → { uidValidity, uids }
 *   mailbox.snapshot(userid?) → MailboxSnapshot (highestModseq, deletedModseq, uids, modseqs, systemFlags, keywords, internalDates, sizes)
 *   await mailbox.prepareSnapshot()  before a snapshot of a big mailbox: its columns read in slices (other sessions run meanwhile)
 *   mailbox.changesSince(modseq, userid?) → { highestModseq, uidNext, records, expunged }
 *   mailbox.setFlags(uids, 'add' | 'remove' | 'replace', flags, { userid?, unchangedSince? }) → { changed, failed, highestModseq }
 *   mailbox.setFlagsDurably(...), expungeDurably(...)   the same as group commits (fsync on the thread pool; IMAP STORE, EXPUNGE)
 *   mailbox.expunge({ uids?, force? }) → expunged uids     mailbox.expireExpunged(minAgeMs, { dryRun? }) → files removed
 *   mailbox.pruneExpunged(minAgeMs, { dryRun? }) → expunged records forgotten (only those whose files are gone);
 *     raises deletedModseq to the highest modseq forgotten
 *     (force: the given uids go whether \Deleted or not)
 *   await mailbox.copyTo(uids, target, { userid? }) → { uidValidity, sourceUids, targetUids }
 *   await mailbox.moveTo(uids, target, { userid? }) → copyTo's result + expunged (source uids removed in one step, never flagged)
 *   await mailbox.setAnnotations(uids, writes, { userid }) / mailbox.annotations(uids, userid) → RFC 5257 values (annotations.ts)
 *   mailbox.claimRecent() → uids now \Recent for the caller alone
 *   mailbox.records(uids, userid?)   await mailbox.readMessage(uid)   await mailbox.readRange(uid, start, end)
 *   mailbox.readStream(uid, start?, end?)   mailbox.summary(uid)   mailbox.summaries(uids)   mailbox.messagePath(uid)
 *   mailbox.renderedForms(uids, withBodyStructure) → cached ENVELOPE / BODYSTRUCTURE text (null: use summaries)
 *   mailbox.formBytes(firstUid, lastUid, withBodyStructure) → the same as wire bytes end to end, for a UID range (FETCH 1:*)
 *   mailbox.searchHeaders(uids) → cached raw header blocks for SEARCH (null: use summaries)
 *   await mailbox.fillSearchText({ onProgress? }) → { indexed, unreadable }: squatter, the search_engine text of records not yet
 *     indexed, written in short batches; mailbox.searchTextState() / unindexedUids(): what it lacks, when it last ran
 *   mailbox.examine({ uid? | seq? }) / compareWithFiles() / compareUsage(): mbexamine's read-only views of the index
 *   mailbox.fields.sortedUids(criteria) / threadInput() / searchField(field, needle) / sentDays(op, day): SORT, THREAD,
 *     SEARCH over the fields stored at append (no message parsed); a large mailbox's SORT order is kept per process
 *     and patched with the messages appended since (it may hold UIDs expunged since: pick the matches out of it)
 *
 * \Seen: the mailbox owner's is the records' \Seen bit (everyone's in a sharedseen mailbox), every
 * other user's is in seen.db (seen-owner.ts: adoptSeenOwner hands the bits to the owner by name,
 * for an index from before them or a mailbox renamed to another user's); every change bumps the mailbox's
 * highestModseq and the changed records' modseq (one new modseq per operation).
 *
 * The mailbox imports nothing from the store: the store hands each Mailbox a MailboxContext (with
 * the SeenState it keeps in seen.db), and reconstruct reads the mailbox list through a
 * ReconstructSource. The store, above, uses the on-disk pieces exported at the end.
 */
export { Mailbox, type ClaimOptions } from './mailbox.js';
export { MailboxSnapshot } from './snapshot.js';
export type { Examination, ExaminedRecord, ExamineSelection, FileMismatch } from './examine.js';
export type { SearchFillOptions, SearchFillReport, SearchTextState } from './search-fill.js';
export type { FormBytes } from './reader.js';
export { isStoredSearchField, type FieldSortCriterion, type FieldSortKey, type SentDayComparison, type StoredFieldQueries } from './message-fields.js';
export { FLAG_ANSWERED, FLAG_FLAGGED, FLAG_DELETED, FLAG_DRAFT, FLAG_SEEN, flagNames, parseFlags, storableFlags } from './flags.js';
export {
  reconstructMailbox, type ReconstructReport, type ReconstructOptions, type ReconstructSource, type ListedMailbox,
} from './reconstruct.js';
export { parseUidRanges, parseUidRangesInSlices, formatUidRanges, addUids, removeUids, rangesContain, type UidRanges } from './seqset.js';
// The mailbox on disk, for the store that creates, moves, removes and rebuilds mailboxes.
export {
  HEADER_FILE, INDEX_FILE, fsError, fsyncDirectory, holdSyncPath, linkOrCopySync, messageFileName, pidOfTempFile, pruneEmptyDirectories,
  releaseSyncPath, removeMailboxFiles, uidOfFileName,
} from './files.js';
export { liveMailboxIn, readHeader, writeHeader, type MailboxHeader } from './header.js';
export { IndexDb } from './index-db.js';
export { missingMailboxFiles } from './check-files.js';
export { adoptSeenOwner } from './seen-owner.js';
export type * from './types.js';
export { KNOWN_ENTRIES, MAX_ANNOTATION_SIZE, MAX_ANNOTATIONS_PER_MESSAGE, isEntryName, isWritableEntry, type AnnotationValues, type AnnotationWrite, type StoredAnnotation } from './annotations.js';
