/**
 * SEARCH arguments (RFC 3501 6.4.4, ESEARCH RETURN options from RFC 4731) into a typed tree.
 * NEW and OLD are expressed with \Recent and \Seen; the parser does not judge the charset.
 */
import type { ArgumentCursor } from '../cursor.js';
import { parseDate } from '../datetime.js';
import { parseSequenceSet } from '../sequence.js';
import { parseModseqKey } from './condstore.js';
import { parseAnnotationSearch } from './annotate.js';
import { parseExtensionKey } from './search-keys.js';
import { parseReturnSpec, returnFields } from './return-options.js';
import { searchCharset } from './charset.js';
import type { Command, SearchKey, SearchReturnOption } from './types.js';

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  RECENT: ['\\Recent', true],
  SEEN: ['\\Seen', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};

const HEADER_KEYS: Record<string, string> = { BCC: 'Bcc', CC: 'Cc', FROM: 'From', SUBJECT: 'Subject', TO: 'To' };

const DATE_KEYS: Record<string, ['internal' | 'sent' | 'save', 'before' | 'on' | 'since']> = {
  BEFORE: ['internal', 'before'],
  ON: ['internal', 'on'],
  SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'],
  SENTON: ['sent', 'on'],
  SENTSINCE: ['sent', 'since'],
  SAVEDBEFORE: ['save', 'before'],
  SAVEDON: ['save', 'on'],
  SAVEDSINCE: ['save', 'since'],
};

/** Nesting deeper than this is refused (a guard against stack exhaustion). */
const MAX_DEPTH = 100;

function isSequenceStart(c: string): boolean {
  return (c >= '0' && c <= '9') || c === '*' || c === '$';
}

function searchKey(cursor: ArgumentCursor, depth: number): SearchKey {
  if (depth > MAX_DEPTH) cursor.fail('Search criteria nested too deeply');
  const c = cursor.peek();
  if (c === '(') {
    const keys = cursor.list(() => searchKey(cursor, depth + 1), false);
    return keys.length === 1 ? keys[0]! : { kind: 'and', keys };
  }
  if (isSequenceStart(c)) return { kind: 'sequence', set: parseSequenceSet(cursor) };
  const word = cursor.keyword('search key');
  const flag = FLAG_KEYS[word];
  if (flag) return { kind: 'flag', flag: flag[0], set: flag[1] };
  const header = HEADER_KEYS[word];
  if (header) {
    cursor.sp();
    return { kind: 'header', field: header, value: cursor.astring('search string') };
  }
  const date = DATE_KEYS[word];
  if (date) {
    cursor.sp();
    return { kind: 'date', field: date[0], op: date[1], date: parseDate(cursor) };
  }
  switch (word) {
    case 'ALL':
      return { kind: 'all' };
    case 'NEW':
      return { kind: 'and', keys: [{ kind: 'flag', flag: '\\Recent', set: true }, { kind: 'flag', flag: '\\Seen', set: false }] };
    case 'OLD':
      return { kind: 'flag', flag: '\\Recent', set: false };
    case 'KEYWORD':
    case 'UNKEYWORD': {
      cursor.sp();
      const keyword = cursor.atom('keyword');
      if (keyword.startsWith('\\')) cursor.fail('KEYWORD takes a keyword, not a system flag');
      return { kind: 'flag', flag: keyword, set: word === 'KEYWORD' };
    }
    case 'HEADER': {
      cursor.sp();
      const field = cursor.astring('header field name');
      cursor.sp();
      return { kind: 'header', field, value: cursor.astring('search string') };
    }
    case 'BODY':
    case 'TEXT': {
      cursor.sp();
      const value = cursor.astring('search string');
      return word === 'BODY' ? { kind: 'body', value } : { kind: 'text', value };
    }
    case 'LARGER':
    case 'SMALLER':
      cursor.sp();
      return { kind: 'size', op: word === 'LARGER' ? 'larger' : 'smaller', size: cursor.number('size', Number.MAX_SAFE_INTEGER) };
    case 'UID':
      cursor.sp();
      return { kind: 'uid', set: parseSequenceSet(cursor) };
    case 'MODSEQ':
      return parseModseqKey(cursor);
    case 'ANNOTATION':
      return { kind: 'annotation', ...parseAnnotationSearch(cursor) };
    case 'YOUNGER':
    case 'OLDER':
    case 'EMAILID':
    case 'THREADID':
    case 'SAVEDATESUPPORTED':
      return parseExtensionKey(cursor, word);
    case 'NOT':
      cursor.sp();
      return { kind: 'not', key: searchKey(cursor, depth + 1) };
    case 'OR': {
      cursor.sp();
      const left = searchKey(cursor, depth + 1);
      cursor.sp();
      return { kind: 'or', left, right: searchKey(cursor, depth + 1) };
    }
    default:
      return cursor.fail(`Unknown search key ${word}`);
  }
}

/**
 * The cursor to read search criteria with: strings in `charset` when it is another than UTF-8 and
 * US-ASCII and this server takes it (charset.ts); otherwise as they are (an unknown charset is
 * answered NO [BADCHARSET] by the command, after the parse).
 */
export function inCharset(cursor: ArgumentCursor, charset: string | null): ArgumentCursor {
  const decode = charset === null ? null : searchCharset(charset);
  return decode ? cursor.recoded(decode) : cursor;
}

/** One or more search keys separated by spaces: an implicit AND. Reads to the end. */
export function parseSearchCriteria(cursor: ArgumentCursor): SearchKey {
  const keys: SearchKey[] = [searchKey(cursor, 0)];
  while (!cursor.atEnd()) {
    cursor.sp();
    keys.push(searchKey(cursor, 0));
  }
  return keys.length === 1 ? keys[0]! : { kind: 'and', keys };
}

/** `SEARCH [RETURN (opts)] [CHARSET name] criteria`; the cursor stands after the command name. */
export function parseSearch(cursor: ArgumentCursor, byUid: boolean): Extract<Command, { name: 'SEARCH' }> {
  cursor.sp();
  let returnOptions: SearchReturnOption[] | null = null;
  let extras: ReturnType<typeof returnFields> = {};
  let charset: string | null = null;
  const startsWith = (word: string): boolean => cursor.peek().toUpperCase() === word[0] && peekWord(cursor) === word;
  if (startsWith('RETURN')) {
    cursor.atom();
    cursor.sp();
    const spec = parseReturnSpec(cursor);
    returnOptions = spec.options;
    extras = returnFields(spec);
    cursor.sp();
  }
  if (startsWith('CHARSET')) {
    cursor.atom();
    cursor.sp();
    charset = cursor.astring('charset');
    cursor.sp();
  }
  const criteria = parseSearchCriteria(inCharset(cursor, charset));
  return { name: 'SEARCH', byUid, charset, returnOptions, ...extras, criteria };
}

/** The return options after RETURN SP, without a PARTIAL range (see return-options.ts). */
export function parseReturnOptions(cursor: ArgumentCursor): SearchReturnOption[] {
  return parseReturnSpec(cursor).options;
}

/** The upper-cased atom at the cursor, without consuming it. */
function peekWord(cursor: ArgumentCursor): string {
  const probe = cursor.clone();
  return probe.takeWhile((code) => code > 0x20 && code < 0x7f && code !== 0x28 && code !== 0x29).toUpperCase();
}
