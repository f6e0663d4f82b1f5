/**
 * QRESYNC (RFC 7162 3.2): what a client that remembers a mailbox at some modseq must be told to be
 * current again: the UIDs expunged since (VANISHED (EARLIER)) and the messages changed since
 * (FETCH with FLAGS and MODSEQ). Used by `SELECT (QRESYNC (...))` and `UID FETCH ... (CHANGEDSINCE
 * n VANISHED)`. When the modseq is older than the mailbox's expunged-record horizon
 * (deletedModseq: records forgotten by cyr_expire -E), the expunged UIDs can no longer be listed
 * exactly: every UID the client may know that is not in the mailbox is reported instead.
 */
import type { MailboxUpdate } from '../session/updates.js';
import type { SelectedMailbox } from '../session/selected.js';
import { rangesContain, resolveSequenceSet, type SequenceSet } from '../wire/sequence.js';
import type { QresyncParameters } from '../wire/parse/types.js';
import { CommandFailure, type CommandContext, type CommandResult } from './types.js';
import { explicitRanges } from './message/targets.js';
import { lowerBound } from '../../common/index.js';

/** More pairs of sequence-match data than this are ignored (the client gets the longer answer). */
const MAX_SEQ_MATCH = 100_000;

export function requireQresync(ctx: CommandContext, what: string): void {
  if (!ctx.enabled.has('QRESYNC')) throw new CommandFailure('BAD', null, `${what} needs ENABLE QRESYNC first`);
}

/** EXPUNGE's tagged OK under CONDSTORE: `OK [HIGHESTMODSEQ n]` (RFC 7162 3.1.10 example); plain otherwise. */
export function expungedResult(ctx: CommandContext): CommandResult | undefined {
  if (!ctx.enabled.has('CONDSTORE')) return undefined;
  return { status: 'OK', code: `HIGHESTMODSEQ ${ctx.selected().mailbox.status().highestModseq}`, text: 'Completed' };
}

type Ranges = Array<[number, number]>;

/** UIDs inside `ranges` (each capped at `top`) that the view does not hold, ascending. */
function missingFromView(selected: SelectedMailbox, ranges: Ranges, top: number): number[] {
  const view = selected.allUids();
  const out: number[] = [];
  for (const [lo, high] of ranges) {
    const hi = Math.min(high, top);
    let i = lowerBound(view, lo);
    for (let uid = lo; uid <= hi; uid++) {
      while (i < view.length && view[i]! < uid) i++;
      if (i < view.length && view[i] === uid) continue;
      out.push(uid);
    }
  }
  return out;
}

/**
 * The UIDs expunged after `modseq` within `ranges` (null: any), as the view does not hold them.
 * `above`: UIDs at or below it are known not to be expunged (sequence-match data).
 */
function expungedSince(selected: SelectedMailbox, modseq: number, ranges: Ranges | null, above: number, expunged: readonly number[]): number[] {
  const status = selected.mailbox.status();
  if (modseq >= status.deletedModseq) {
    return expunged.filter((uid) => uid > above && (ranges === null || rangesContain(ranges, uid)) && selected.seqOf(uid) === 0);
  }
  // Below the horizon: everything the client may know and the mailbox does not have.
  const wanted: Ranges = (ranges ?? [[1, status.uidNext - 1]]).map(([lo, hi]): [number, number] => [Math.max(lo, above + 1), hi]).filter(([lo, hi]) => lo <= hi);
  return missingFromView(selected, wanted, status.uidNext - 1);
}

function expand(set: SequenceSet, limit: number): number[] | null {
  const out: number[] = [];
  for (const { first, last } of explicitRanges(set)) {
    const a = first as number;
    const b = last as number;
    const step = a <= b ? 1 : -1;
    for (let n = a; ; n += step) {
      if (out.length >= limit) return null;
      out.push(n);
      if (n === b) break;
    }
  }
  return out;
}

/**
 * The highest UID of the sequence-match data whose sequence number still holds it (and every pair
 * before it does): no message at or below that UID was expunged since the client's view (RFC 7162
 * 3.2.5.2). 0 when nothing is known.
 */
function matchedUpTo(selected: SelectedMailbox, seqMatch: QresyncParameters['seqMatch']): number {
  if (seqMatch === null) return 0;
  const seqs = expand(seqMatch.seqs, MAX_SEQ_MATCH);
  const uids = expand(seqMatch.uids, MAX_SEQ_MATCH);
  if (seqs === null || uids === null) return 0;
  if (seqs.length !== uids.length) return 0;
  let matched = 0;
  for (let i = 0; i < seqs.length; i++) {
    const seq = seqs[i]!;
    const uid = uids[i]!;
    if (uid <= matched || seq > selected.count || selected.uidAt(seq) !== uid) break;
    matched = uid;
  }
  return matched;
}

/** The updates a `SELECT (QRESYNC (...))` adds after the usual responses (none when UIDVALIDITY changed). */
export function selectResync(selected: SelectedMailbox, params: QresyncParameters, userid: string): MailboxUpdate[] {
  if (params.uidValidity !== selected.uidValidity) return [];
  const known = params.knownUids === null ? null : resolveSequenceSet(explicitRanges(params.knownUids), 0);
  const changes = selected.mailbox.changesSince(params.modseq, userid);
  const vanished = expungedSince(selected, params.modseq, known, matchedUpTo(selected, params.seqMatch), changes.expunged);
  const out: MailboxUpdate[] = [{ kind: 'vanished', uids: vanished, earlier: true }];
  for (const record of changes.records) {
    if (known !== null && !rangesContain(known, record.uid)) continue;
    const update = selected.flagChange(record);
    if (update.seq > 0) out.push(update);
  }
  return out;
}

/** `UID FETCH set ... (CHANGEDSINCE n VANISHED)`: the UIDs of `set` expunged after `modseq`. */
export function vanishedInSet(selected: SelectedMailbox, set: SequenceSet, modseq: number): MailboxUpdate {
  const status = selected.mailbox.status();
  const ranges = resolveSequenceSet(explicitRanges(set), Math.max(status.uidNext - 1, 1));
  const { expunged } = selected.mailbox.changesSince(modseq);
  return { kind: 'vanished', uids: expungedSince(selected, modseq, ranges, 0, expunged), earlier: true };
}
