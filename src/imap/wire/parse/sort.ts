/** `THREAD algorithm SP charset SP criteria` (RFC 5256). */
export function parseThread(cursor: ArgumentCursor, byUid: boolean): Extract<Command, { name: 'THREAD' }> {
  cursor.sp();
  const algorithm = cursor.keyword('thread algorithm');
  // REFS: Cyrus's variant of REFERENCES (src/message/threadRefs.ts).
  if (algorithm !== 'ORDEREDSUBJECT' && algorithm !== 'REFERENCES' && algorithm !== 'REFS') cursor.fail(`Unknown thread algorithm ${algorithm}`);
  cursor.sp();
  const charset = cursor.astring('charset');
  cursor.sp();
  return { name: 'THREAD', byUid, algorithm, charset, criteria: parseSearchCriteria(inCharset(cursor, charset)) };
}

/**
 * SORT (RFC 5256) with ESORT's RETURN options (RFC 5267), DISPLAY keys (RFC 5957) and Cyrus's UID
 * and MODSEQ keys (SORT=UID, SORT=MODSEQ); THREAD (RFC 5256).
 */
import type { ArgumentCursor } from '../cursor.js';
import { parseReturnSpec, returnFields } from './return-options.js';
import { inCharset, parseSearchCriteria } from './search.js';
import type { Command, SearchReturnOption, SortCriterion, SortKeyName } from './types.js';

const KEYS = new Set<SortKeyName>(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO', 'UID', 'MODSEQ']);

/** `( [REVERSE SP] key *(SP [REVERSE SP] key) )`. */
function sortCriteria(cursor: ArgumentCursor): SortCriterion[] {
  let reverse = false;
  const keys: SortCriterion[] = [];
  cursor.list(() => {
    const word = cursor.keyword('sort key');
    if (word === 'REVERSE') {
      if (reverse) cursor.fail('REVERSE twice');
      reverse = true;
      return;
    }
    if (!KEYS.has(word as SortKeyName)) cursor.fail(`Unknown sort key ${word}`);
    keys.push({ key: word as SortKeyName, reverse });
    reverse = false;
  }, false);
  if (reverse) cursor.fail('REVERSE needs a sort key after it');
  return keys;
}

/** `SORT [RETURN (opts) SP] (keys) SP charset SP criteria`; the cursor stands after the command name. */
export function parseSort(cursor: ArgumentCursor, byUid: boolean): Extract<Command, { name: 'SORT' }> {
  cursor.sp();
  let returnOptions: SearchReturnOption[] | null = null;
  let extras: ReturnType<typeof returnFields> = {};
  if (cursor.peek().toUpperCase() === 'R') {
    if (cursor.keyword('RETURN') !== 'RETURN') cursor.fail('Expected RETURN or sort criteria');
    cursor.sp();
    const spec = parseReturnSpec(cursor);
    returnOptions = spec.options;
    extras = returnFields(spec);
    cursor.sp();
  }
  const keys = sortCriteria(cursor);
  cursor.sp();
  const charset = cursor.astring('charset');
  cursor.sp();
  const criteria = parseSearchCriteria(inCharset(cursor, charset));
  return { name: 'SORT', byUid, keys, charset, returnOptions, ...extras, criteria };
}
