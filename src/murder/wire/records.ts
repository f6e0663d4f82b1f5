/**
 * The data lines of mupdate's answers read back into records: `MAILBOX name location acl`,
 * `RESERVE name location`, `DELETE name` (the words after the tag). No I/O.
 */
import type { MupdateEvent } from '../types.js';
import type { Word } from './reader.js';

/** The event a data line carries; null when the words are not a data line. */
export function parseEventWords(words: readonly Word[]): MupdateEvent | null {
  const [kind, ...args] = words;
  if (kind === undefined || kind.kind !== 'atom') return null;
  const text = args.map((w) => w.text);
  switch (kind.text.toUpperCase()) {
    case 'MAILBOX':
      // Cyrus leaves the ACL out for a mailbox that has none.
      if (text.length !== 2 && text.length !== 3) return null;
      return { kind: 'mailbox', name: text[0]!, location: text[1]!, acl: text[2] ?? '' };
    case 'RESERVE':
      if (text.length !== 2) return null;
      return { kind: 'reserve', name: text[0]!, location: text[1]! };
    case 'DELETE':
      if (text.length !== 1) return null;
      return { kind: 'delete', name: text[0]! };
    default:
      return null;
  }
}
