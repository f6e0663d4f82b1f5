/** FETCH attributes (RFC 3501 6.4.5, BINARY from RFC 3516) into typed items. */
import type { ArgumentCursor } from '../cursor.js';
import { parseSequenceSet } from '../sequence.js';
import { parseFetchModifiers } from './condstore.js';
import { parsePreview } from './preview.js';
import { parseAnnotationFetch } from './annotate.js';
import { astring } from '../serialize/strings.js';
import type { Command, FetchItem, Partial, Section, SectionSpecifier, SimpleFetchItem } from './types.js';

const SIMPLE = new Set<SimpleFetchItem>(['UID', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY', 'BODYSTRUCTURE', 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT', 'MODSEQ', 'SAVEDATE', 'EMAILID', 'THREADID', 'DIGEST.SHA1']);

const simple = (item: SimpleFetchItem): FetchItem => ({ kind: 'simple', item });

const MACROS: Record<string, FetchItem[]> = {
  ALL: [simple('FLAGS'), simple('INTERNALDATE'), simple('RFC822.SIZE'), simple('ENVELOPE')],
  FAST: [simple('FLAGS'), simple('INTERNALDATE'), simple('RFC822.SIZE')],
  FULL: [simple('FLAGS'), simple('INTERNALDATE'), simple('RFC822.SIZE'), simple('ENVELOPE'), simple('BODY')],
};

const isItemChar = (code: number): boolean =>
  (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || code === 0x2e;

function partial(cursor: ArgumentCursor): Partial | null {
  if (!cursor.maybe('<')) return null;
  const offset = cursor.number('partial offset');
  cursor.expect('.');
  const length = cursor.nzNumber('partial length');
  cursor.expect('>');
  return { offset, length };
}

function partNumbers(cursor: ArgumentCursor, text: string): number[] {
  if (text === '') return [];
  return text.split('.').map((piece) => {
    if (!/^[1-9]\d*$/.test(piece) || piece.length > 10) cursor.fail('Invalid section part number');
    return Number(piece);
  });
}

/** RFC 5322 field-name: one or more printable US-ASCII characters other than ":". */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

/**
 * One header-fld-name, kept as the client wrote it: matching is case-insensitive and the response
 * echoes the names as sent (Cyrus 3.6 does; RFC 3501/9051 leave the case to the server). An astring
 * that cannot be a field name (empty, a space, a colon) is refused, as Cyrus refuses it.
 */
function headerFieldName(cursor: ArgumentCursor): string {
  const name = cursor.astring('header field name');
  if (!FIELD_NAME.test(name)) cursor.fail('Invalid header field name');
  return name;
}

/** The inside of `[...]` for BODY: section-spec, or empty. */
export function parseSection(cursor: ArgumentCursor): Section {
  cursor.expect('[');
  const spec = cursor.takeWhile(isItemChar).toUpperCase();
  const match = /^((?:\d+\.)*\d+)?(?:\.?(HEADER\.FIELDS\.NOT|HEADER\.FIELDS|HEADER|TEXT|MIME))?$/.exec(spec);
  const misplacedDot = match !== null && (match[1] === undefined ? spec.startsWith('.') : match[2] !== undefined && spec[match[1].length] !== '.');
  if (!match || misplacedDot) {
    cursor.fail(`Invalid section ${spec}`);
  }
  const part = partNumbers(cursor, match[1] ?? '');
  const specifier = (match[2] ?? null) as SectionSpecifier | null;
  if (specifier === 'MIME' && part.length === 0) cursor.fail('MIME needs a part number');
  let fields: string[] = [];
  if (specifier === 'HEADER.FIELDS' || specifier === 'HEADER.FIELDS.NOT') {
    cursor.sp();
    fields = cursor.list(() => headerFieldName(cursor), false);
  }
  cursor.expect(']');
  return { part, specifier, fields };
}

function binaryPart(cursor: ArgumentCursor): number[] {
  cursor.expect('[');
  const text = cursor.takeWhile((code) => (code >= 0x30 && code <= 0x39) || code === 0x2e);
  cursor.expect(']');
  return partNumbers(cursor, text);
}

function fetchAtt(cursor: ArgumentCursor): FetchItem {
  const name = cursor.takeWhile(isItemChar).toUpperCase();
  if (name === '') cursor.fail('Expected fetch attribute');
  switch (name) {
    case 'BODY':
    case 'BODY.PEEK': {
      if (cursor.peek() !== '[') {
        if (name === 'BODY.PEEK') cursor.fail('BODY.PEEK needs a section');
        return simple('BODY');
      }
      const section = parseSection(cursor);
      return { kind: 'section', peek: name === 'BODY.PEEK', section, partial: partial(cursor) };
    }
    case 'BINARY':
    case 'BINARY.PEEK': {
      const part = binaryPart(cursor);
      return { kind: 'binary', peek: name === 'BINARY.PEEK', part, partial: partial(cursor) };
    }
    case 'BINARY.SIZE':
      return { kind: 'binarySize', part: binaryPart(cursor) };
    case 'PREVIEW':
      return parsePreview(cursor);
    case 'ANNOTATION':
      return { kind: 'annotation', ...parseAnnotationFetch(cursor) };
    default:
      if (!SIMPLE.has(name as SimpleFetchItem)) cursor.fail(`Unknown fetch attribute ${name}`);
      return simple(name as SimpleFetchItem);
  }
}

/** `ALL / FULL / FAST / fetch-att / "(" fetch-att *(SP fetch-att) ")"`. */
export function parseFetchItems(cursor: ArgumentCursor): FetchItem[] {
  if (cursor.peek() === '(') return cursor.list(() => fetchAtt(cursor), false);
  const probe = cursor.clone();
  const word = probe.takeWhile(isItemChar).toUpperCase();
  const macro = MACROS[word];
  if (macro && probe.peek() !== '[') {
    cursor.takeWhile(isItemChar);
    return macro.slice();
  }
  return [fetchAtt(cursor)];
}

/** `FETCH sequence-set SP items`; the cursor stands after the command name. */
export function parseFetch(cursor: ArgumentCursor, byUid: boolean): Extract<Command, { name: 'FETCH' }> {
  cursor.sp();
  const set = parseSequenceSet(cursor);
  cursor.sp();
  const items = parseFetchItems(cursor);
  // RFC 7162 fetch modifiers; CHANGEDSINCE implies UID and MODSEQ in the responses (3.1).
  const modifiers = cursor.maybeSp() ? parseFetchModifiers(cursor) : null;
  cursor.end();
  if ((byUid || modifiers !== null) && !items.some((item) => item.kind === 'simple' && item.item === 'UID')) items.unshift(simple('UID'));
  if (modifiers === null) return { name: 'FETCH', byUid, set, items };
  if (modifiers.partial && !byUid) cursor.fail('PARTIAL needs UID FETCH');
  if (modifiers.changedSince !== undefined && !items.some((item) => item.kind === 'simple' && item.item === 'MODSEQ')) items.push(simple('MODSEQ'));
  return { name: 'FETCH', byUid, set, items, ...modifiers };
}

/**
 * The section as a FETCH response names it: `1.2.HEADER.FIELDS (From To)`, the specifier upper-cased
 * and the field names as the client sent them (each an astring: quoted when it is not an atom).
 */
export function formatSection(section: Section): string {
  const parts: string[] = [];
  if (section.part.length > 0) parts.push(section.part.join('.'));
  if (section.specifier) parts.push(section.specifier);
  let text = parts.join('.');
  if (section.specifier === 'HEADER.FIELDS' || section.specifier === 'HEADER.FIELDS.NOT') text += ` (${section.fields.map(astring).join(' ')})`;
  return text;
}
