/**
 * SORT and UID SORT (RFC 5256, every key; DISPLAYFROM / DISPLAYTO from RFC 5957) and ESORT's RETURN
 * options (RFC 5267, answered as ESEARCH with ALL in the sorted order). The messages come from the
 * SEARCH matcher; the keys from the index snapshot (ARRIVAL, SIZE) and the cached parse (envelope:
 * DATE, SUBJECT, FROM, TO, CC): no message file is read. Ties keep sequence-number order.
 */
import { baseSubject, sentTime, sortDisplay, sortMailbox, type Envelope } from '../../../message/index.js';
import { SELECTED } from '../../session/state.js';
import type { SortCriterion, SortKeyName } from '../../wire/parse/types.js';
import { esearchResponse, sortResponse, type EsearchResult } from '../../wire/serialize/lists.js';
import { CommandFailure, defineCommand, onlyByUid } from '../types.js';
import { findMatches, requireCharset } from './search/run.js';
import { lowerBound } from './targets.js';

const BATCH = 500;
const ENVELOPE_KEYS = new Set<SortKeyName>(['CC', 'DATE', 'FROM', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO']);

type SortValue = number | string;

function envelopeValue(key: SortKeyName, envelope: Envelope | null, internalDate: number): SortValue {
  switch (key) {
    case 'DATE': return sentTime(envelope?.date ?? null) ?? internalDate;
    case 'SUBJECT': return baseSubject(envelope?.subject ?? null).toLowerCase();
    case 'FROM': return sortMailbox(envelope?.from ?? null);
    case 'TO': return sortMailbox(envelope?.to ?? null);
    case 'CC': return sortMailbox(envelope?.cc ?? null);
    case 'DISPLAYFROM': return sortDisplay(envelope?.from ?? null);
    case 'DISPLAYTO': return sortDisplay(envelope?.to ?? null);
    default: return '';
  }
}

function compareValues(a: SortValue, b: SortValue): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const sortCommand = defineCommand({
  name: 'SORT',
  states: SELECTED,
  allowsExpunge: onlyByUid,
  async handle(ctx, command) {
    requireCharset(command.charset);
    if (command.returnOptions?.includes('SAVE')) throw new CommandFailure('BAD', null, 'SORT RETURN (SAVE) is not supported');
    const matches = await findMatches(ctx, command.criteria);
    const n = matches.uids.length;
    const keys: readonly SortCriterion[] = command.keys;
    const mailbox = ctx.selected().mailbox;
    const snapshot = mailbox.snapshot(ctx.identity().userid);
    // values[k][i]: key k of match i
    const values: SortValue[][] = keys.map(() => new Array<SortValue>(n));
    const dates = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const p = lowerBound(snapshot.uids, matches.uids[i]!);
      const present = p < snapshot.count && snapshot.uids[p] === matches.uids[i];
      dates[i] = present ? snapshot.internalDates[p]! : 0;
      keys.forEach((criterion, k) => {
        if (criterion.key === 'ARRIVAL') values[k]![i] = dates[i]!;
        else if (criterion.key === 'SIZE') values[k]![i] = present ? snapshot.sizes[p]! : 0;
      });
    }
    if (keys.some((criterion) => ENVELOPE_KEYS.has(criterion.key))) {
      for (let from = 0; from < n; from += BATCH) {
        const to = Math.min(n, from + BATCH);
        const summaries = mailbox.summaries(matches.uids.slice(from, to));
        for (let i = from; i < to; i++) {
          const envelope = summaries.get(matches.uids[i]!)?.envelope ?? null;
          keys.forEach((criterion, k) => {
            if (ENVELOPE_KEYS.has(criterion.key)) values[k]![i] = envelopeValue(criterion.key, envelope, dates[i]!);
          });
        }
      }
    }
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => {
      for (let k = 0; k < keys.length; k++) {
        const c = compareValues(values[k]![a]!, values[k]![b]!);
        if (c !== 0) return keys[k]!.reverse ? -c : c;
      }
      return a - b;
    });
    const numbers = order.map((i) => (command.byUid ? matches.uids[i]! : matches.seqs[i]!));
    const modseq = matches.usesModseq && n > 0 ? matches.highestModseq : undefined;
    if (command.returnOptions === null) {
      ctx.out.send(sortResponse(numbers, modseq));
      return;
    }
    const options = command.returnOptions.length === 0 ? ['ALL'] : command.returnOptions;
    const result: EsearchResult = { tag: ctx.tag, uid: command.byUid, ordered: true };
    if (n > 0 && options.includes('MIN')) result.min = numbers[0]!;
    if (n > 0 && options.includes('MAX')) result.max = numbers[n - 1]!;
    if (options.includes('COUNT')) result.count = n;
    if (options.includes('ALL')) result.all = numbers;
    if (modseq !== undefined) result.modseq = modseq;
    ctx.out.send(esearchResponse(result));
  },
});
