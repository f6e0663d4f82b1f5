/** The unsolicited ESEARCH of an updating search (RFC 5267 4.3): `* ESEARCH (TAG "t") UID ADDTO (0 5:7)`. */
import { formatSequenceSet, formatSortedSet } from '../sequence.js';
import { imapString } from './strings.js';

export function contextUpdateResponse(
  tag: string,
  uid: boolean,
  change: 'ADDTO' | 'REMOVEFROM',
  pairs: ReadonlyArray<{ position: number; numbers: readonly number[] }>,
): string {
  if (pairs.length === 0) return '';
  // Position 0: the numbers may be taken in any order, so the shortest (sorted) form; else as ordered.
  const body = pairs.map((p) => `${p.position} ${p.position === 0 ? formatSortedSet(p.numbers) : formatSequenceSet(p.numbers)}`);
  return `* ESEARCH (TAG ${imapString(tag)})${uid ? ' UID' : ''} ${change} (${body.join(' ')})\r\n`;
}
