/**
 * The messages a FETCH, STORE, COPY or MOVE names: its sequence set resolved against the session's
 * view (sequence numbers or UIDs), as parallel lists of sequence numbers and UIDs in UID order.
 */
import type { SelectedMailbox } from '../../session/selected.js';
import { rangesContain, resolveSequenceSet, type SequenceSet } from '../../wire/sequence.js';
import { CommandFailure } from '../types.js';
import { savedRanges } from './saved-result.js';

interface Targets {
  /** 1-based sequence numbers, ascending. */
  seqs: number[];
  /** uids[i] is the UID of seqs[i]. */
  uids: number[];
}

/** The ranges of a set written out; `$` (SEARCHRES) must have been replaced before (saved-result.ts). */
export function explicitRanges(set: SequenceSet): Exclude<SequenceSet, { saved: true }>['ranges'] {
  if (set.saved) throw new CommandFailure('BAD', null, '"$" is not allowed here');
  return set.ranges;
}

/** First index in the ascending `values` whose value is >= `n`. */
export function lowerBound(values: ArrayLike<number>, n: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < n) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Resolve `set` against the view. Numbers beyond the last message or UIDs not in the mailbox
 * are left out (as Cyrus does); `noMatch` tells whether a sequence-number form named nothing.
 */
export function resolveTargets(selected: SelectedMailbox, set: SequenceSet, byUid: boolean): Targets {
  const ranges = set.saved ? savedRanges(selected, byUid) : set.ranges;
  const all = selected.allUids();
  const count = all.length;
  // The view positions [from, to) of each merged range first, then both lists made at their final
  // length and filled: pushing 100,000 numbers onto growing arrays cost several times more (issue 16).
  const spans: number[] = [];
  let total = 0;
  if (byUid) {
    const largest = count > 0 ? all[count - 1]! : 0;
    for (const [lo, hi] of resolveSequenceSet(ranges, largest)) {
      const from = lowerBound(all, lo);
      const to = hi >= largest ? count : lowerBound(all, hi + 1);
      if (to > from) {
        spans.push(from, to);
        total += to - from;
      }
    }
  } else {
    for (const [lo, hi] of resolveSequenceSet(ranges, count)) {
      const from = Math.max(1, lo) - 1;
      const to = Math.min(hi, count);
      if (to > from) {
        spans.push(from, to);
        total += to - from;
      }
    }
  }
  const seqs = new Array<number>(total);
  const uids = new Array<number>(total);
  let k = 0;
  for (let s = 0; s < spans.length; s += 2) {
    for (let i = spans[s]!, to = spans[s + 1]!; i < to; i++, k++) {
      seqs[k] = i + 1;
      uids[k] = all[i]!;
    }
  }
  return { seqs, uids };
}

/**
 * resolveTargets narrowed to the UIDs `among` (ascending), without writing out the whole set: for
 * CHANGEDSINCE, whose few changed messages would otherwise be picked out of 100,000 targets.
 * `named`: whether the set names any message of the view at all.
 */
export function targetsAmong(selected: SelectedMailbox, set: SequenceSet, byUid: boolean, among: readonly number[]): Targets & { named: boolean } {
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
  return { seqs, uids, named };
}

/** Cyrus's answer when a sequence-number form names no message at all. */
export function noMatchingMessages(): CommandFailure {
  return new CommandFailure('NO', null, 'No matching messages');
}
