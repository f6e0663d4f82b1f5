/** Flags in command arguments: `flag` and `flag-list` (RFC 3501). */
import { isAtomChar, type ArgumentCursor } from '../cursor.js';

const SYSTEM_FLAGS = new Map<string, string>(
  ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft', '\\Recent'].map((flag) => [flag.toUpperCase(), flag]),
);

/** A flag: a keyword atom, or "\" atom (system flags get their canonical spelling). */
export function parseFlag(cursor: ArgumentCursor): string {
  if (cursor.maybe('\\')) {
    const name = cursor.takeWhile(isAtomChar);
    if (name === '') cursor.fail('Expected flag name after "\\"');
    const flag = `\\${name}`;
    return SYSTEM_FLAGS.get(flag.toUpperCase()) ?? flag;
  }
  return cursor.atom('flag');
}

/** `( [flag *(SP flag)] )`. */
export function parseFlagList(cursor: ArgumentCursor): string[] {
  return cursor.list(() => parseFlag(cursor));
}

