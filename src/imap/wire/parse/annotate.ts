/**
 * RFC 5257 (ANNOTATE-EXPERIMENT-1) syntax: the FETCH item `ANNOTATION (entries attributes)`, the
 * STORE item `ANNOTATION (entry (attribute value ...) ...)` and the SEARCH key
 * `ANNOTATION entry attribute value`. Entry names in FETCH and SEARCH may hold the wildcards `*`
 * (anything) and `%` (anything but "/"); in STORE they must be plain names.
 */
import { isEntryName } from '../../../mailbox/index.js';
import { compileListPattern, type ListPattern } from '../../../names/index.js';
import type { ArgumentCursor } from '../cursor.js';

/** An attribute as answered: the private or shared value, or its size in bytes. */
export type AnnotationAttribute = 'value.priv' | 'value.shared' | 'size.priv' | 'size.shared';

/** FETCH ANNOTATION: entry patterns and the attributes asked for (value and size spelled out). */
export interface AnnotationFetch {
  entries: string[];
  attributes: AnnotationAttribute[];
}

/** One value STORE ANNOTATION sets (null: removes). */
export interface AnnotationStore {
  entry: string;
  shared: boolean;
  value: string | null;
}

/** SEARCH ANNOTATION: values of entries matching `entry` whose attribute holds `value` (substring). */
export interface AnnotationSearch {
  entry: string;
  attributes: Array<'value.priv' | 'value.shared'>;
  value: string;
}

/** Entry pattern characters: printable US-ASCII but the list and quoting ones. */
const isPatternChar = (code: number): boolean => code > 0x20 && code < 0x7f && code !== 0x28 && code !== 0x29 && code !== 0x22 && code !== 0x5c;

/** An entry name or pattern: a string, or the bare characters of one (which may hold `*` and `%`). */
function entryToken(cursor: ArgumentCursor): string {
  if (cursor.peek() === '"' || cursor.atLiteral()) return cursor.string('annotation entry');
  const text = cursor.takeWhile(isPatternChar);
  if (text === '') cursor.fail('Expected annotation entry');
  return text;
}

/** A pattern: a name where `*` and `%` may stand for components or parts of them. */
function entryPattern(cursor: ArgumentCursor): string {
  const pattern = entryToken(cursor);
  // A pattern may start with a wildcard (`*` alone names every entry); else it is a name's shape.
  const shape = (/^[*%]/.test(pattern) ? `/${pattern}` : pattern).replace(/[*%]/g, 'x');
  if (!isEntryName(shape)) cursor.fail(`Invalid annotation entry ${pattern}`);
  return pattern;
}

function entryName(cursor: ArgumentCursor): string {
  const name = entryToken(cursor);
  if (!isEntryName(name)) cursor.fail(`Invalid annotation entry ${name}`);
  // Kept in lower case: names compare case-insensitively, so /Comment and /comment are one entry.
  return name.toLowerCase();
}

function attributeName(cursor: ArgumentCursor): string {
  return entryToken(cursor).toLowerCase();
}

/** `value` and `size` stand for both their .priv and .shared forms. */
function fetchAttributes(cursor: ArgumentCursor, name: string): AnnotationAttribute[] {
  switch (name) {
    case 'value': return ['value.priv', 'value.shared'];
    case 'size': return ['size.priv', 'size.shared'];
    case 'value.priv': case 'value.shared': case 'size.priv': case 'size.shared': return [name];
    default: return cursor.fail(`Invalid annotation attribute ${name}`);
  }
}

function oneOrList<T>(cursor: ArgumentCursor, item: () => T): T[] {
  return cursor.peek() === '(' ? cursor.list(item, false) : [item()];
}

/** After the FETCH item name ANNOTATION: ` (entries attributes)`. */
export function parseAnnotationFetch(cursor: ArgumentCursor): AnnotationFetch {
  cursor.sp();
  cursor.expect('(');
  const entries = oneOrList(cursor, () => entryPattern(cursor));
  cursor.sp();
  const attributes: AnnotationAttribute[] = [];
  for (const list of oneOrList(cursor, () => fetchAttributes(cursor, attributeName(cursor)))) {
    for (const a of list) if (!attributes.includes(a)) attributes.push(a);
  }
  cursor.expect(')');
  return { entries: [...new Set(entries)], attributes };
}

/** After the STORE item name ANNOTATION: ` (entry (attribute value ...) ...)`. */
export function parseAnnotationStore(cursor: ArgumentCursor): AnnotationStore[] {
  cursor.sp();
  const writes: AnnotationStore[] = [];
  cursor.expect('(');
  do {
    const entry = entryName(cursor);
    cursor.sp();
    cursor.expect('(');
    do {
      const attribute = attributeName(cursor);
      if (attribute !== 'value.priv' && attribute !== 'value.shared') cursor.fail(`Invalid annotation attribute ${attribute}`);
      cursor.sp();
      writes.push({ entry, shared: attribute === 'value.shared', value: cursor.nstring('annotation value') });
    } while (cursor.maybeSp());
    cursor.expect(')');
  } while (cursor.maybeSp());
  cursor.expect(')');
  return writes;
}

/** After the SEARCH key ANNOTATION: ` entry attribute value`. */
export function parseAnnotationSearch(cursor: ArgumentCursor): AnnotationSearch {
  cursor.sp();
  const entry = entryPattern(cursor);
  cursor.sp();
  const name = attributeName(cursor);
  const attributes = fetchAttributes(cursor, name).filter((a): a is 'value.priv' | 'value.shared' => a.startsWith('value.'));
  if (attributes.length === 0) cursor.fail(`Invalid annotation attribute ${name}`);
  cursor.sp();
  return { entry, attributes, value: cursor.astring('search string') };
}

/** The last pattern compiled (a FETCH or SEARCH matches one pattern against every message's entries). */
let lastPattern: ListPattern | null = null;

/**
 * Whether `entry` matches `pattern` (`*` anything, `%` anything but "/"); names compare
 * case-insensitively. Through the one LIST-pattern automaton (src/names/pattern.ts), which never
 * backtracks: entries and patterns come from clients, and a regular expression built from
 * `/*a*a*a…*b` against a long stored entry would hold the worker's event loop for minutes.
 */
export function entryMatches(pattern: string, entry: string): boolean {
  const lower = pattern.toLowerCase();
  if (!lower.includes('*') && !lower.includes('%')) return lower === entry.toLowerCase();
  if (lastPattern === null || lastPattern.text !== lower) lastPattern = compileListPattern(lower, '/');
  return lastPattern.matches(entry.toLowerCase());
}
