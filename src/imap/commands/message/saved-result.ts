/**
 * SEARCHRES (RFC 5182): the result SEARCH RETURN (SAVE) keeps for the session's selected mailbox,
 * and `$`, which names it in any sequence set. The result is kept as UIDs beside the selection, so
 * SELECT, EXAMINE, CLOSE and UNSELECT start again from an empty one, and an expunged message
 * leaves it by itself (only UIDs still in the view are resolved).
 */
import type { SelectedMailbox } from '../../session/selected.js';
import type { SearchKey, SearchReturnOption } from '../../wire/parse/types.js';
import type { SequenceSet } from '../../wire/sequence.js';
import { rewriteLeaves } from './search/rewrite.js';

const SAVED = new WeakMap<SelectedMailbox, readonly number[]>();

type Ranges = Exclude<SequenceSet, { saved: true }>['ranges'];

/** Keep `uids` (ascending or not) as the selection's saved result. */
export function saveResult(selected: SelectedMailbox, uids: readonly number[]): void {
  SAVED.set(selected, [...uids].sort((a, b) => a - b));
}

/** The selection's saved result as kept (null: none saved), for a session moved to another process. */
export function savedResultOf(selected: SelectedMailbox): readonly number[] | null {
  return SAVED.get(selected) ?? null;
}

/**
 * What SAVE keeps of a result (RFC 5182 2.1): with MIN and/or MAX but neither ALL nor COUNT, only
 * those messages; otherwise all of them. `ordered` are the matching UIDs in the order answered
 * (sequence order for SEARCH, the sort order for SORT, whose MIN / MAX are its first and last).
 */
export function resultToSave(options: readonly SearchReturnOption[], ordered: readonly number[]): number[] {
  const only = options.filter((o) => o === 'MIN' || o === 'MAX');
  if (only.length === 0 || options.includes('ALL') || options.includes('COUNT') || ordered.length === 0) return [...ordered];
  const out: number[] = [];
  if (options.includes('MIN')) out.push(ordered[0]!);
  if (options.includes('MAX')) out.push(ordered[ordered.length - 1]!);
  return out;
}

/** The saved UIDs still in the session's view, ascending. */
export function savedUids(selected: SelectedMailbox): number[] {
  return (SAVED.get(selected) ?? []).filter((uid) => selected.seqOf(uid) > 0);
}

/** Ascending numbers as ranges. */
function toRanges(numbers: readonly number[]): Ranges {
  const ranges: Ranges = [];
  for (const n of numbers) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last.last === n - 1) last.last = n;
    else ranges.push({ first: n, last: n });
  }
  return ranges;
}

/** `$` as explicit ranges: of UIDs, or of the sequence numbers the saved messages have now. */
export function savedRanges(selected: SelectedMailbox, byUid: boolean): Ranges {
  const uids = savedUids(selected);
  return toRanges(byUid ? uids : uids.map((uid) => selected.seqOf(uid)));
}

/** The criteria with every `$` replaced by the UIDs it stands for now (a tree without `$` comes back as is). */
export function withSavedResult(criteria: SearchKey, selected: SelectedMailbox): SearchKey {
  let ranges: Ranges | null = null;
  return rewriteLeaves(criteria, (key) => {
    if ((key.kind !== 'sequence' && key.kind !== 'uid') || !key.set.saved) return null;
    ranges ??= savedRanges(selected, true);
    return { kind: 'uid', set: { saved: false, ranges } };
  });
}

/** Run `work`; when it fails and the command was to SAVE, the saved result becomes empty (RFC 5182 2.1). */
export async function emptiedOnFailure<T>(selected: SelectedMailbox, saving: boolean, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (saving) saveResult(selected, []);
    throw err;
  }
}
