/**
 * The messages of the selected mailbox that meet SEARCH criteria, for SEARCH and SORT. Flags,
 * dates and sizes come from one snapshot of the index; header fields from the cached header blocks
 * alone, the cached summaries only when a key needs the MIME structure (BODY, TEXT) or a message
 * has no header block row (one call per batch); the message file is read only for BODY / TEXT,
 * and only for messages the other keys leave in the running.
 */
import type { MessageSummary } from '../../../../message/index.js';
import type { SearchKey } from '../../../wire/parse/types.js';
import { OFFERED_CHARSETS, searchCharset } from '../../../wire/parse/charset.js';
import { CommandFailure, type CommandContext } from '../../types.js';
import { admitSearch } from './budget.js';
import { UNKNOWN, YES, NO, evaluateColumns, viewPositions } from './columns.js';
import { Candidate, compileSearch } from './match.js';
import { withSavedResult } from '../saved-result.js';
import { withAnnotationMatches } from './annotation-key.js';

const BATCH = 500;

/** A charset the search strings were not read in (wire/parse/charset.ts) gets `NO [BADCHARSET (...)]`, naming the usual ones. */
export function requireCharset(charset: string): void {
  if (searchCharset(charset) === undefined) throw new CommandFailure('NO', `BADCHARSET (${OFFERED_CHARSETS.join(' ')})`, 'Unsupported character set');
}

export interface SearchMatches {
  /** Sequence numbers and UIDs of the matches, ascending, in parallel. */
  seqs: number[];
  uids: number[];
  /** The highest modseq among the matches (0 when none). */
  highestModseq: number;
  /** A MODSEQ key was used (the response then names highestModseq, RFC 7162 3.1.5). */
  usesModseq: boolean;
}

export async function findMatches(ctx: CommandContext, criteria: SearchKey): Promise<SearchMatches> {
  const seqs: number[] = [];
  const found: number[] = [];
  const selected = ctx.selected();
  // `$` (SEARCHRES, RFC 5182): the UIDs of the saved result, resolved now.
  criteria = withSavedResult(criteria, selected);
  const view = selected.allUids();
  // ANNOTATION keys (RFC 5257): the UIDs they match, read once.
  criteria = withAnnotationMatches(criteria, selected.mailbox, view, ctx.identity().userid);
  const pacer = admitSearch(criteria, view.length, ctx.deps.limits.search, () => ctx.clientGone());
  const compiled = compileSearch(criteria, { count: view.length, largestUid: view.length > 0 ? view[view.length - 1]! : 0 });
  const mailbox = selected.mailbox;
  // Columns this process no longer keeps current are read in slices first (issue 16, snapshot-load.ts).
  if (view.length >= 1000) await mailbox.prepareSnapshot(ctx.identity().userid);
  const snapshot = mailbox.snapshot(ctx.identity().userid);
  let highestFound = 0;
  // A MODSEQ key turns CONDSTORE on for the session (RFC 7162 3.1).
  if (compiled.usesModseq) ctx.enable(['CONDSTORE']);
  // Flags, sizes, dates, UIDs and the stored header fields over whole columns; what they leave
  // UNKNOWN (BODY, TEXT, other header fields...) goes through the per-message matcher below.
  const positions = viewPositions(view, snapshot);
  const states = await evaluateColumns(criteria, {
    view, positions, snapshot, isRecent: (uid) => selected.isRecent(uid), fields: mailbox.fields, worked: (n) => pacer.worked(n),
  });
  const pending: number[] = [];
  for (let i = 0; i < view.length; i++) if (states[i] === UNKNOWN && positions[i]! >= 0) pending.push(i);
  if (pending.length > 0) await pacer.pause(true);
  for (let from = 0; from < pending.length; from += BATCH) {
    const to = Math.min(pending.length, from + BATCH);
    const batch = pending.slice(from, to).map((i) => view[i]!);
    const uids = compiled.needsSummary || compiled.needsHeader ? batch : null;
    const headers = uids !== null && !compiled.needsSummary ? mailbox.searchHeaders(uids) : null;
    let summaries: Map<number, MessageSummary> | null = null;
    if (uids !== null && headers === null) summaries = mailbox.summaries(uids);
    else if (uids !== null && headers !== null) {
      // Rows cached before header blocks were kept apart: their summaries, as before.
      const older = uids.filter((_, k) => headers[k] === null);
      if (older.length > 0) summaries = mailbox.summaries(older);
    }
    // Save dates and guids (SAVED*, EMAILID) are in the records alone: one call per batch.
    const records = compiled.needsRecord ? new Map(mailbox.records(batch).map((r) => [r.uid, r] as const)) : null;
    for (let k = 0; k < batch.length; k++) {
      const i = pending[from + k]!;
      const uid = batch[k]!;
      const p = positions[i]!;
      const candidate = new Candidate(
        i + 1, uid, snapshot.systemFlags[p]!, snapshot.keywords[p], snapshot.internalDates[p]!, snapshot.sizes[p]!,
        selected.isRecent(uid), summaries?.get(uid) ?? null, headers?.[k] ?? null, snapshot.modseqs[p]!,
      );
      const record = records?.get(uid);
      if (record !== undefined) {
        candidate.saveDate = record.saveDate.getTime();
        candidate.guid = record.guid;
      }
      let result = compiled.match(candidate);
      if (result === null) {
        try {
          candidate.message = await mailbox.readMessage(uid);
          result = compiled.match(candidate) === true;
        } catch {
          result = false; // the file went away with a concurrent expunge
        }
      }
      states[i] = result ? YES : NO;
      // Matched or not, the work was done: other sessions get their turn (issue 17).
      await pacer.pause();
    }
    // Let other connections of this process run between batches of a long search.
    if (to < pending.length) await pacer.pause(true);
  }
  for (let i = 0; i < view.length; i++) {
    const p = positions[i]!;
    // Not in the index any more (p < 0): expunged by another session, not yet announced here.
    if (states[i] !== YES || p < 0) continue;
    found.push(view[i]!);
    seqs.push(i + 1);
    if (snapshot.modseqs[p]! > highestFound) highestFound = snapshot.modseqs[p]!;
  }
  return { seqs, uids: found, highestModseq: highestFound, usesModseq: compiled.usesModseq };
}
