/**
 * SORT and UID SORT (RFC 5256, every key; DISPLAYFROM / DISPLAYTO from RFC 5957) and ESORT's RETURN
 * options (RFC 5267, answered as ESEARCH with ALL in the sorted order). The messages come from the
 * SEARCH matcher; the order from SQLite over the records (ARRIVAL, SIZE) and the keys stored at
 * append (message_fields: DATE, SUBJECT, FROM, TO, CC, DISPLAY*): no message, summary or header is
 * read. Ties keep sequence-number order.
 */
import type { FieldSortKey } from '../../../mailbox/index.js';
import { SELECTED } from '../../session/state.js';
import type { SortCriterion } from '../../wire/parse/types.js';
import { esearchResponse, sortResponse, type EsearchResult } from '../../wire/serialize/lists.js';
import { defineCommand, onlyByUid, type CommandContext } from '../types.js';
import { findMatches, requireCharset, type SearchMatches } from './search/run.js';
import { lowerBound } from '../../../common/index.js';
import { emptiedOnFailure, resultToSave, saveResult } from './saved-result.js';
import { checkContextTag, startContext } from './context.js';
import { partialItem, partialToSave, requestedItems } from './partial.js';

/** The matches in SORT order: indexes into `matches`, ties kept in mailbox order. */
export function sortOrder(ctx: CommandContext, matches: SearchMatches, keys: readonly SortCriterion[]): number[] {
  const criteria = keys.map((c) => ({ key: c.key.toLowerCase() as FieldSortKey, reverse: c.reverse }));
  const fields = ctx.selected().mailbox.fields;
  // The whole mailbox sorted over the keys stored at append (the order may be one kept from an
  // earlier SORT); the matches picked out of it. A match missing from a kept order: sorted afresh.
  return pickMatches(matches, criteria, fields.sortedUids(criteria)) ?? pickMatches(matches, criteria, fields.sortedUids(criteria, true), true)!;
}

/** The matches in the order of `sorted`; null when one is missing from it and `final` is not set. */
export function pickMatches(matches: SearchMatches, keys: readonly { reverse: boolean }[], sorted: Uint32Array, final = false): number[] | null {
  const uids = matches.uids;
  const n = uids.length;
  const picked = new Int32Array(n);
  let m = 0;
  const low = n > 0 ? uids[0]! : 0;
  const span = n > 0 ? uids[n - 1]! - low + 1 : 0;
  if (span <= 4 * sorted.length + 65_536) {
    // UIDs dense enough for a table from UID (less the lowest) to match index plus one (0: none).
    const at = new Int32Array(span);
    for (let i = 0; i < n; i++) at[uids[i]! - low] = i + 1;
    for (let k = 0; k < sorted.length && m < n; k++) {
      const u = sorted[k]! - low;
      if (u >= 0 && u < span && at[u]! > 0) picked[m++] = at[u]! - 1;
    }
  } else {
    for (let k = 0; k < sorted.length && m < n; k++) {
      const i = lowerBound(uids, sorted[k]!);
      if (i < n && uids[i] === sorted[k]) picked[m++] = i;
    }
  }
  const order = new Array<number>(m);
  for (let k = 0; k < m; k++) order[k] = picked[k]!;
  if (m === n) return order;
  if (!final) return null;
  // Matches gone from the index meanwhile sort as messages without any key: first, or last under REVERSE.
  const placed = new Uint8Array(n);
  for (const i of order) placed[i] = 1;
  const gone: number[] = [];
  for (let i = 0; i < n; i++) if (placed[i] === 0) gone.push(i);
  return keys[0]?.reverse ? [...order, ...gone] : [...gone, ...order];
}

export const sortCommand = defineCommand({
  name: 'SORT',
  states: SELECTED,
  allowsExpunge: onlyByUid,
  async handle(ctx, command) {
    const saving = command.returnOptions?.includes('SAVE') ?? false;
    const updating = command.returnOptions?.includes('UPDATE') ?? false;
    if (updating) checkContextTag(ctx);
    const modseqBefore = ctx.selected().highestModseq;
    const matches = await emptiedOnFailure(ctx.selected(), saving, async () => {
      requireCharset(command.charset);
      return findMatches(ctx, command.criteria);
    });
    const order = sortOrder(ctx, matches, command.keys);
    // SEARCHRES (RFC 5182): MIN / MAX of ESORT are the first and last in the sort order.
    if (saving) {
      const sorted = order.map((i) => matches.uids[i]!);
      const options = command.returnOptions!;
      saveResult(ctx.selected(), command.partial ? partialToSave(options, command.partial, sorted) : resultToSave(options, sorted));
    }
    if (saving && command.returnOptions!.length === 1 && command.partial === undefined) return;
    const n = order.length;
    const numbers = order.map((i) => (command.byUid ? matches.uids[i]! : matches.seqs[i]!));
    const modseq = matches.usesModseq && n > 0 ? matches.highestModseq : undefined;
    if (command.returnOptions === null) {
      ctx.out.send(sortResponse(numbers, modseq));
      return;
    }
    const options = requestedItems(command.returnOptions, command.partial);
    const result: EsearchResult = { tag: ctx.tag, uid: command.byUid, ordered: true };
    if (n > 0 && options.has('MIN')) result.min = numbers[0]!;
    if (n > 0 && options.has('MAX')) result.max = numbers[n - 1]!;
    if (options.has('COUNT')) result.count = n;
    if (options.has('ALL')) result.all = numbers;
    if (command.partial) result.partial = partialItem(numbers, command.partial);
    if (modseq !== undefined) result.modseq = modseq;
    ctx.out.send(esearchResponse(result));
    if (updating) {
      const sorted = order.map((i) => matches.uids[i]!);
      startContext(ctx, { byUid: command.byUid, criteria: command.criteria, sort: command.keys, fetch: command.updateFetch }, sorted, modseqBefore);
    }
  },
});
