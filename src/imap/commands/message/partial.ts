/**
 * The PARTIAL return option (RFC 9394, first in RFC 5267): a window over the results of SEARCH or
 * SORT in their requested order (mailbox order for SEARCH), by position from the first result or,
 * with minus signs, from the last. A window beyond the results holds what is left of it (maybe nothing).
 */
import { formatPartialRange } from '../../wire/parse/return-options.js';
import type { PartialRange } from '../../wire/parse/types.js';
import type { EsearchResult } from '../../wire/serialize/lists.js';

/** The results at positions `range` of `results` (kept in their order). */
export function partialWindow<T>(results: readonly T[], range: PartialRange): T[] {
  const n = results.length;
  if (!range.fromEnd) return results.slice(Math.min(n, range.low - 1), Math.min(n, range.high));
  return results.slice(Math.max(0, n - range.high), Math.max(0, n - range.low + 1));
}

/** The PARTIAL item of an ESEARCH response. */
export function partialItem(results: readonly number[], range: PartialRange): NonNullable<EsearchResult['partial']> {
  return { range: formatPartialRange(range), numbers: partialWindow(results, range) };
}

/**
 * The ESEARCH items a command asked for: RETURN () means ALL (RFC 4731); a RETURN list that holds
 * only CONTEXT, UPDATE or PARTIAL asks for nothing more.
 */
export function requestedItems(options: readonly string[], partial: PartialRange | undefined): Set<string> {
  return new Set(options.length === 0 && partial === undefined ? ['ALL'] : options);
}

/** UID FETCH's PARTIAL modifier: only the messages at `range` among those the set names (none: all); views, no copy. */
export function windowTargets<T extends { seqs: Uint32Array; uids: Uint32Array }>(targets: T, range: PartialRange | undefined): T {
  if (range === undefined) return targets;
  const n = targets.uids.length;
  const [start, end] = range.fromEnd ? [Math.max(0, n - range.high), Math.max(0, n - range.low + 1)] : [Math.min(n, range.low - 1), Math.min(n, range.high)];
  return { ...targets, seqs: targets.seqs.subarray(start, Math.max(start, end)), uids: targets.uids.subarray(start, Math.max(start, end)) };
}

/**
 * What SAVE keeps beside PARTIAL (RFC 9394 3.2): with COUNT, every match; otherwise the messages in
 * the window plus the MIN / MAX ones asked for. `ordered`: the matching UIDs in the requested order.
 */
export function partialToSave(options: readonly string[], range: PartialRange, ordered: readonly number[]): number[] {
  if (options.includes('COUNT') || ordered.length === 0) return [...ordered];
  const kept = new Set(partialWindow(ordered, range));
  if (options.includes('MIN')) kept.add(ordered[0]!);
  if (options.includes('MAX')) kept.add(ordered[ordered.length - 1]!);
  return [...kept];
}
