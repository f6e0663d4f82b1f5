/**
 * The messages a FETCH, STORE, COPY or MOVE names: its sequence set resolved against the session's
 * view (sequence numbers or UIDs), as parallel lists of sequence numbers and UIDs in UID order.
 */
import type { SelectedMailbox } from '../../session/selected.js';
import { rangesContain, resolveSequenceSet, type SequenceSet } from '../../wire/sequence.js';
import { CommandFailure } from '../types.js';
import { savedRanges } from './saved-result.js';
import { sequenceNumbers } from '../../session/sequence-numbers.js';
import { lowerBound } from '../../../common/index.js';

interface Targets {
  /** 1-based sequence numbers, ascending. */
  seqs: number[];
  /** uids[i] is the UID of seqs[i]. */
  uids: number[];
}

/**
 * Targets as typed arrays (FETCH, issue 16 fairness): on 100,000 messages `1:*` written out as two
 * growing number arrays took tens of ms of one turn of the event loop; here the UIDs of one range
 * are a view of the selection's own UID array (no copy: the selection changes only when its session
 * syncs, between its commands, so the view holds still while the command runs) and the sequence
 * numbers are written into a typed array in one pass.
 */
export interface TargetArrays {
  /** 1-based sequence numbers, ascending. */
  seqs: Uint32Array;
  /** uids[i] is the UID of seqs[i]. */
  uids: Uint32Array;
}

/** The ranges of a set written out; `$` (SEARCHRES) must have been replaced before (saved-result.ts). */
export function explicitRanges(set: SequenceSet): Exclude<SequenceSet, { saved: true }>['ranges'] {
  if (set.saved) throw new CommandFailure('BAD', null, '"$" is not allowed here');
  return set.ranges;
}

/**
 * Resolve `set` against the view. Numbers beyond the last message or UIDs not in the mailbox
 * are left out (as Cyrus does); `noMatch` tells whether a sequence-number form named nothing.
 */
export function resolveTargets(selected: SelectedMailbox, set: SequenceSet, byUid: boolean): Targets {
  const { seqs, uids } = resolveTargetArrays(selected, set, byUid);
  return { seqs: Array.from(seqs), uids: Array.from(uids) };
}


/** resolveTargets as typed arrays, without per-message work beyond filling the sequence numbers. */
export function resolveTargetArrays(selected: SelectedMailbox, set: SequenceSet, byUid: boolean): TargetArrays {
  const ranges = set.saved ? savedRanges(selected, byUid) : set.ranges;
  const all = selected.allUids();
  const count = all.length;
  // Each resolved range is a run of view positions [start, end): by UID the positions of the UIDs
  // it holds, by number the numbers themselves.
  const runs: Array<[number, number]> = [];
  let total = 0;
  const largest = byUid ? (count > 0 ? all[count - 1]! : 0) : count;
  for (const [lo, hi] of resolveSequenceSet(ranges, largest)) {
    const start = byUid ? lowerBound(all, lo) : Math.max(1, lo) - 1;
    const end = byUid ? lowerBound(all, hi + 1) : Math.min(hi, count);
    if (end <= start) continue;
    runs.push([start, end]);
    total += end - start;
  }
  if (runs.length === 1) {
    const [start, end] = runs[0]!;
    return { seqs: sequenceNumbers(start + 1, end), uids: all.subarray(start, end) };
  }
  const seqs = new Uint32Array(total);
  const uids = new Uint32Array(total);
  let at = 0;
  for (const [start, end] of runs) {
    uids.set(all.subarray(start, end), at);
    for (let seq = start + 1; seq <= end; seq++) seqs[at++] = seq;
  }
  return { seqs, uids };
}

/**
 * resolveTargets narrowed to the UIDs `among` (ascending), without writing out the whole set: for
 * CHANGEDSINCE, whose few changed messages would otherwise be picked out of 100,000 targets.
 * `named`: whether the set names any message of the view at all.
 */
export function targetsAmong(selected: SelectedMailbox, set: SequenceSet, byUid: boolean, among: readonly number[]): TargetArrays & { named: boolean } {
  const all = selected.allUids();
  const count = all.length;
  const largest = byUid ? (count > 0 ? all[count - 1]! : 0) : count;
  const resolved = resolveSequenceSet(set.saved ? savedRanges(selected, byUid) : set.ranges, largest);
  // A UID range names a message when the first UID of the view at or above its low end is within it.
  const named = resolved.some(([lo, hi]) => (byUid ? lowerBound(all, lo) < count && all[lowerBound(all, lo)]! <= hi : lo <= count && hi >= 1));
  const seqs: number[] = [];
  const uids: number[] = [];
  for (const uid of among) {
    const i = lowerBound(all, uid);
    if (i >= count || all[i] !== uid) continue;
    if (!rangesContain(resolved, byUid ? uid : i + 1)) continue;
    seqs.push(i + 1);
    uids.push(uid);
  }
  return { seqs: Uint32Array.from(seqs), uids: Uint32Array.from(uids), named };
}

/** Cyrus's answer when a sequence-number form names no message at all. */
export function noMatchingMessages(): CommandFailure {
  return new CommandFailure('NO', null, 'No matching messages');
}
