/** Commands on messages of the selected mailbox: STORE COPY MOVE UID EXPUNGE (FETCH and SEARCH have their own files). */
import type { ArgumentCursor } from '../cursor.js';
import { parseSequenceSet } from '../sequence.js';
import { parseAnnotationStore } from './annotate.js';
import { parseStoreModifiers } from './condstore.js';
import { parseFlag, parseFlagList } from './flags.js';
import { mailbox } from './mailbox.js';
import type { Command, StoreOperation } from './types.js';

type Of<N extends Command['name']> = Extract<Command, { name: N }>;

/** The system flags STORE may set (parseFlag has given them their canonical spelling). */
const STORABLE_SYSTEM_FLAGS = new Set(['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft']);

export function parseStore(cursor: ArgumentCursor, byUid: boolean): Of<'STORE'> {
  cursor.sp();
  const set = parseSequenceSet(cursor);
  cursor.sp();
  // RFC 7162 store modifier before the item: (UNCHANGEDSINCE n)
  let unchangedSince: number | undefined;
  if (cursor.peek() === '(') {
    unchangedSince = parseStoreModifiers(cursor);
    cursor.sp();
  }
  const item = cursor.keyword('store item');
  if (item === 'ANNOTATION') {
    // RFC 5257 4.4: no .SILENT form (the item is silent already).
    const annotations = parseAnnotationStore(cursor);
    cursor.end();
    const store: Of<'STORE'> = { name: 'STORE', byUid, set, operation: 'replace', silent: true, flags: [], annotations };
    return unchangedSince === undefined ? store : { ...store, unchangedSince };
  }
  const match = /^([+-]?)FLAGS(\.SILENT)?$/.exec(item);
  if (!match) cursor.fail(`Invalid store item ${item}`);
  const operation: StoreOperation = match[1] === '+' ? 'add' : match[1] === '-' ? 'remove' : 'replace';
  cursor.sp();
  let flags: string[];
  if (cursor.peek() === '(') flags = parseFlagList(cursor);
  else {
    flags = [parseFlag(cursor)];
    while (cursor.maybeSp()) flags.push(parseFlag(cursor));
  }
  cursor.end();
  // \Recent and unknown system flags are refused before anything else, as Cyrus does.
  for (const flag of flags) if (flag.startsWith('\\') && !STORABLE_SYSTEM_FLAGS.has(flag)) cursor.fail('Invalid system flag in Store command');
  const store: Of<'STORE'> = { name: 'STORE', byUid, set, operation, silent: match[2] !== undefined, flags };
  return unchangedSince === undefined ? store : { ...store, unchangedSince };
}

export function parseCopyMove(cursor: ArgumentCursor, name: 'COPY' | 'MOVE', byUid: boolean): Of<'COPY' | 'MOVE'> {
  cursor.sp();
  const set = parseSequenceSet(cursor);
  cursor.sp();
  const box = mailbox(cursor);
  cursor.end();
  return { name, byUid, set, mailbox: box };
}

export function parseUidExpunge(cursor: ArgumentCursor): Of<'UID EXPUNGE'> {
  cursor.sp();
  const uids = parseSequenceSet(cursor);
  cursor.end();
  return { name: 'UID EXPUNGE', uids };
}
