/**
 * The METADATA commands of RFC 5464:
 *   GETMETADATA [SP "(" option *(SP option) ")"] SP mailbox SP (entry / "(" entry *(SP entry) ")")
 *     (Cyrus also takes the options after the mailbox, as the drafts had them)
 *     option = MAXSIZE number / DEPTH ("0" / "1" / "infinity")
 *   SETMETADATA SP mailbox SP "(" entry SP value *(SP entry SP value) ")"
 *     value = nstring / literal8
 * and the entry-name grammar (section 3.2) both use: `entryName`. GETMETADATA also takes Cyrus's
 * trailing wildcards ("/shared/*", "/private/vendor/%"), which cyradm's `info` sends.
 */
import { isAtomChar, type ArgumentCursor } from '../cursor.js';
import { mailbox } from './mailbox.js';
import type { Command, ListMetadataOption, MetadataDepth, MetadataValue } from './types.js';

type Of<N extends Command['name']> = Extract<Command, { name: N }>;

export function parseGetMetadata(cursor: ArgumentCursor): Of<'GETMETADATA'> {
  const options: MetadataOptions = { maxSize: null, depth: 0 };
  cursor.sp();
  if (cursor.peek() === '(') {
    metadataOptions(cursor, options);
    cursor.sp();
  }
  const box = mailbox(cursor);
  cursor.sp();
  // Cyrus also takes the options after the mailbox (the form of the drafts before RFC 5464).
  if (startsOptions(cursor)) {
    metadataOptions(cursor, options);
    cursor.sp();
  }
  const entries = cursor.peek() === '(' ? cursor.list(() => entryArgument(cursor), false) : [entryArgument(cursor)];
  cursor.end();
  return { name: 'GETMETADATA', mailbox: box, entries, ...options };
}

interface MetadataOptions {
  maxSize: number | null;
  depth: MetadataDepth;
}

/** Whether the cursor stands on "(MAXSIZE" or "(DEPTH" (options, not a list of entries). */
function startsOptions(cursor: ArgumentCursor): boolean {
  if (cursor.peek() !== '(') return false;
  const probe = cursor.clone();
  probe.expect('(');
  const word = probe.takeWhile(isAtomChar).toUpperCase();
  return word === 'MAXSIZE' || word === 'DEPTH';
}

function metadataOptions(cursor: ArgumentCursor, options: MetadataOptions): void {
  cursor.list(() => {
    const option = cursor.keyword('GETMETADATA option');
    cursor.sp();
    if (option === 'MAXSIZE') options.maxSize = cursor.number('MAXSIZE');
    else if (option === 'DEPTH') options.depth = depthValue(cursor);
    else cursor.fail(`Unknown GETMETADATA option ${option}`);
  }, false);
}

/**
 * LIST's `RETURN (METADATA ...)` (RFC 9590): the entries as GETMETADATA names them, one or a list,
 * and inside the list first GETMETADATA's options as Cyrus takes them (`(MAXSIZE 100 /shared/comment)`).
 * A second METADATA option adds its entries to the first's (as Cyrus).
 */
export function listMetadataOption(cursor: ArgumentCursor, earlier: ListMetadataOption | undefined): ListMetadataOption {
  const out: ListMetadataOption = earlier ?? { entries: [], maxSize: null, depth: 0 };
  const entry = () => {
    const raw = entryArgument(cursor);
    const name = entryName(raw, true);
    if ('error' in name) cursor.fail(name.message);
    out.entries.push(raw);
  };
  if (cursor.peek() !== '(') {
    entry();
    return out;
  }
  cursor.expect('(');
  for (;;) {
    const word = cursor.peek() === '/' || cursor.peek() === '"' || cursor.atLiteral() ? '' : cursor.clone().takeWhile(isAtomChar).toUpperCase();
    if (word === 'MAXSIZE' || word === 'DEPTH') {
      cursor.keyword('METADATA option');
      cursor.sp();
      if (word === 'MAXSIZE') out.maxSize = cursor.number('MAXSIZE');
      else out.depth = depthValue(cursor);
    } else entry();
    if (cursor.peek() === ')') break;
    cursor.sp();
  }
  cursor.expect(')');
  if (out.entries.length === 0) cursor.fail('Missing metadata entry');
  return out;
}

function depthValue(cursor: ArgumentCursor): MetadataDepth {
  const value = cursor.atom('DEPTH').toLowerCase();
  if (value === '0') return 0;
  if (value === '1') return 1;
  if (value === 'infinity') return 'infinity';
  return cursor.fail('DEPTH must be 0, 1 or infinity');
}

/** An entry of GETMETADATA: an astring, or an atom with Cyrus's wildcards in it (`/shared/*` unquoted). */
function entryArgument(cursor: ArgumentCursor): string {
  if (cursor.peek() === '"' || cursor.atLiteral()) return cursor.string('entry name');
  const value = cursor.takeWhile((code) => isAtomChar(code) || code === 0x5d || code === 0x2a || code === 0x25);
  if (value === '') cursor.fail('Expected entry name');
  return value;
}

export function parseSetMetadata(cursor: ArgumentCursor): Of<'SETMETADATA'> {
  cursor.sp();
  const box = mailbox(cursor);
  cursor.sp();
  const values = cursor.list((): MetadataValue => {
    const entry = cursor.astring('entry name');
    cursor.sp();
    return { entry, value: metadataValue(cursor) };
  }, false);
  cursor.end();
  return { name: 'SETMETADATA', mailbox: box, values };
}

/** nstring or literal8 (RFC 5464 section 5), as bytes; null for NIL. */
function metadataValue(cursor: ArgumentCursor): Buffer | null {
  if (cursor.atLiteral()) return cursor.literalBytes();
  const text = cursor.nstring('entry value');
  return text === null ? null : Buffer.from(text, 'utf8');
}

/** An entry name read: its scope, its path below the scope ("" for the scope itself), and a trailing wildcard. */
export interface EntryName {
  scope: 'shared' | 'private';
  /**
   * Lower-cased (entry names are case-insensitive), starting with "/" unless empty: "/comment".
   * With a wildcard, the prefix before it as sent ("/vendor/" for "/shared/vendor/*", "" for "/shared*").
   */
  path: string;
  /** Cyrus's trailing wildcard: "*" any entries below the prefix, "%" those of one more level. */
  wildcard: '*' | '%' | null;
}

/** Why an entry name is refused: `prefix` not under /shared or /private (BAD, as Cyrus); `invalid` otherwise. */
export type EntryNameError = { error: 'prefix' | 'invalid'; message: string };

/**
 * An entry name by RFC 5464 section 3.2: "/shared" or "/private", then "/"-separated components of
 * printable ASCII, no "*" nor "%", no empty component, no trailing "/". With `wildcards`, a last
 * "*" or "%" is allowed (GETMETADATA).
 */
export function entryName(raw: string, wildcards: boolean): EntryName | EntryNameError {
  const lower = raw.toLowerCase();
  const scope = lower.startsWith('/shared') ? 'shared' : lower.startsWith('/private') ? 'private' : null;
  const rest = scope === null ? '' : lower.slice(scope.length + 1);
  if (scope === null || (rest !== '' && rest[0] !== '/' && !(wildcards && (rest === '*' || rest === '%')))) {
    return { error: 'prefix', message: 'Entry must begin with /shared or /private' };
  }
  let path = rest;
  let wildcard: EntryName['wildcard'] = null;
  const last = path.at(-1);
  if (wildcards && (last === '*' || last === '%')) {
    wildcard = last;
    path = path.slice(0, -1);
  }
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x2a || c === 0x25) return { error: 'invalid', message: 'Invalid character in entry name' };
  }
  if (path.includes('//')) return { error: 'invalid', message: 'Empty component in entry name' };
  // A wildcard's prefix may end with "/" ("/shared/vendor/*"); a name may not.
  if (wildcard === null && path.endsWith('/')) return { error: 'invalid', message: 'Entry name ends with /' };
  return { scope, path, wildcard };
}
