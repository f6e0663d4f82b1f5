/**
 * SEARCH and SORT return options: ESEARCH's MIN MAX ALL COUNT SAVE (RFC 4731), CONTEXT's CONTEXT
 * and UPDATE (RFC 5267; with NOTIFY's fetch attributes, RFC 5465 section 7) and PARTIAL with its
 * range, counted from the first result or, with minus signs, from the last (RFC 9394). The rules
 * that bind options together are checked here: one PARTIAL at most, never with ALL.
 */
import type { ArgumentCursor } from '../cursor.js';
import { parseFetchItems } from './fetch.js';
import type { FetchItem, PartialRange, SearchReturnOption } from './types.js';

const SIMPLE = new Set<SearchReturnOption>(['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE', 'CONTEXT', 'UPDATE']);
/** Results are counted in 32 bits, as message numbers are. */
const MAX_POSITION = 0xffffffff;

export interface ReturnSpec {
  options: SearchReturnOption[];
  partial: PartialRange | null;
  /** `UPDATE (fetch-att ...)` (RFC 5465 section 7): what to FETCH of a new message joining the results. */
  updateFetch: FetchItem[] | null;
}

/** One end of a partial range: `nz-number` or `-nz-number`. */
function position(cursor: ArgumentCursor): { negative: boolean; value: number } {
  const negative = cursor.maybe('-');
  return { negative, value: cursor.nzNumber('partial range', MAX_POSITION) };
}

/** `low:high` or `-low:-high` (either order; both ends of one sign). */
export function parsePartialRange(cursor: ArgumentCursor): PartialRange {
  const a = position(cursor);
  cursor.expect(':');
  const b = position(cursor);
  if (a.negative !== b.negative) cursor.fail('Both ends of a partial range have the same sign');
  return { fromEnd: a.negative, low: Math.min(a.value, b.value), high: Math.max(a.value, b.value) };
}

/** `(option *(SP option))` after RETURN SP; `()` is allowed and means ALL (RFC 4731). */
export function parseReturnSpec(cursor: ArgumentCursor): ReturnSpec {
  let partial: PartialRange | null = null;
  let updateFetch: FetchItem[] | null = null;
  const options = cursor.list(() => {
    const option = cursor.keyword('return option');
    if (option === 'UPDATE' && cursor.peek() === ' ') {
      const probe = cursor.clone();
      probe.sp();
      if (probe.peek() === '(') {
        cursor.sp();
        updateFetch = parseFetchItems(cursor);
      }
    }
    if (option === 'PARTIAL') {
      if (partial !== null) cursor.fail('PARTIAL may be given once');
      cursor.sp();
      partial = parsePartialRange(cursor);
      return null;
    }
    if (!SIMPLE.has(option as SearchReturnOption)) cursor.fail(`Unknown search return option ${option}`);
    return option as SearchReturnOption;
  }).filter((o): o is SearchReturnOption => o !== null);
  if (partial !== null && options.includes('ALL')) cursor.fail('PARTIAL and ALL may not be combined');
  return { options, partial, updateFetch };
}

/** The optional command fields of a return spec (absent when not given). */
export function returnFields(spec: ReturnSpec): { partial?: PartialRange; updateFetch?: FetchItem[] } {
  return { ...(spec.partial ? { partial: spec.partial } : {}), ...(spec.updateFetch ? { updateFetch: spec.updateFetch } : {}) };
}

/** The range as it is written back in a PARTIAL return item. */
export function formatPartialRange(range: PartialRange): string {
  return range.fromEnd ? `-${range.low}:-${range.high}` : `${range.low}:${range.high}`;
}
