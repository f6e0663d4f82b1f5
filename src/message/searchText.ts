/**
 * Text for SEARCH (RFC 3501 6.4.4): decoded header values (RFC 2047 encoded-words, charsets via
 * libmime / iconv-lite), decoded body text (transfer decoding + charset conversion of text parts),
 * and Cyrus-style normalisation for case-insensitive substring matching.
 */
import { createRequire } from 'node:module';
import { fieldValue, scanHeader, unfold } from './header.js';
import { paramValue } from './mimeFields.js';
import { encodeHeaderText } from './rawText.js';
import { decodeTransferEncoding } from './transferEncoding.js';
import type { BodyPart, MessageSummary } from './types.js';

interface Libmime {
  decodeWords(text: string): string;
  decodeWord(charset: string, encoding: string, text: string): string;
}
interface CharsetDecoder {
  decode(bytes: Buffer, charset: string): string;
}

const require = createRequire(import.meta.url);
const libmime = require('libmime') as Libmime;
const charsets = require('libmime/lib/charset.js') as CharsetDecoder;

/** RFC 2047 encoded-words decoded to Unicode; undecodable words are left as written. */
export function decodeHeaderValue(raw: string): string {
  // Nothing to decode without an encoded-word's opening (most values): no regular expression runs.
  if (!raw.includes('=?')) return raw;
  try {
    return oneEncodedWord(raw) ? raw.replace(ENCODED_WORD, decodeOneWord) : libmime.decodeWords(raw);
  } catch {
    return raw;
  }
}

/**
 * libmime.decodeWords runs five regular expressions over the value: four join or mark adjacent
 * encoded-words (each needs two "=?"; one removes a NUL-delimited marker of its own), the last
 * decodes each word. With a single "=?" and no NUL only the last can match: it runs alone here,
 * with libmime's own pattern and word decoder (a subject with one encoded-word: nearly every one).
 */
function oneEncodedWord(raw: string): boolean {
  const first = raw.indexOf('=?');
  return raw.indexOf('=?', first + 1) === -1 && !raw.includes('\0');
}

/** libmime's pattern of one encoded-word (decodeWords' last step). */
const ENCODED_WORD = /=\?([\w_\-*]+)\?([QqBb])\?([^?]*)\?=/g;

function decodeOneWord(_match: string, charset: string, encoding: string, text: string): string {
  return libmime.decodeWord(charset, encoding, text);
}

/** Bytes in a named charset to Unicode (unknown charsets fall back to UTF-8, as libmime does). */
export function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  return charsets.decode(bytes, charset ?? 'us-ascii');
}

function headerBuffer(header: string | Buffer): Buffer {
  return typeof header === 'string' ? encodeHeaderText(header) : header;
}

/** Field names headerValues finds by comparing bytes: printable ASCII, no colon. */
const PLAIN_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

/** Decoded values of every field called `name` (any case), in message order. */
export function headerValues(header: string | Buffer, name: string): string[] {
  const bytes = headerBuffer(header);
  const key = name.toLowerCase();
  if (PLAIN_NAME.test(key)) return plainHeaderValues(bytes, key);
  const block = scanHeader(bytes, 0, bytes.length);
  return block.fields
    .filter((field) => field.key === key)
    .map((field) => decodeHeaderValue(unfold(bytes.toString('utf8', field.valueStart, field.end)).trim()));
}

/**
 * headerValues for a plain name without scanHeader's per-field strings and objects (SEARCH
 * SUBJECT over a whole mailbox): the same lines, folds and blank-line end as scanHeader; a line is
 * the field `key` when it starts with those bytes (ASCII letters in any case), then optional
 * spaces or tabs, then the colon.
 */
function plainHeaderValues(bytes: Buffer, key: string): string[] {
  const out: string[] = [];
  const end = bytes.length;
  const keyLength = key.length;
  let pos = 0;
  let inField = false; // a field line has been seen (continuations attach to it)
  let valueStart = -1; // of the current field when it is `key`
  let valueEnd = 0;
  while (pos < end) {
    const first = bytes[pos]!;
    if (first === 0x0d && pos + 1 < end && bytes[pos + 1] === 0x0a) break;
    if (first === 0x0a) break;
    let lineEnd = bytes.indexOf(0x0a, pos);
    lineEnd = lineEnd === -1 || lineEnd >= end ? end : lineEnd + 1;
    if ((first === 0x20 || first === 0x09) && inField) {
      if (valueStart >= 0) valueEnd = lineEnd;
    } else {
      if (valueStart >= 0) out.push(plainValue(bytes, valueStart, valueEnd));
      inField = true;
      valueStart = -1;
      let i = 0;
      while (i < keyLength && pos + i < lineEnd) {
        let c = bytes[pos + i]!;
        if (c >= 0x41 && c <= 0x5a) c += 0x20;
        if (c !== key.charCodeAt(i)) break;
        i++;
      }
      if (i === keyLength) {
        let at = pos + keyLength;
        while (at < lineEnd && (bytes[at] === 0x20 || bytes[at] === 0x09)) at++;
        if (at < lineEnd && bytes[at] === 0x3a) {
          valueStart = at + 1;
          valueEnd = lineEnd;
        }
      }
    }
    pos = lineEnd;
  }
  if (valueStart >= 0) out.push(plainValue(bytes, valueStart, valueEnd));
  return out;
}

function plainValue(bytes: Buffer, start: number, end: number): string {
  return decodeHeaderValue(unfold(bytes.toString('utf8', start, end)).trim());
}

/**
 * The raw value of the last field called `name` (any case), as the envelope takes it (envelope.ts:
 * the last occurrence counts), or null when there is none: ENVELOPE's date from the header alone.
 */
export function lastFieldValue(header: string | Buffer, name: string): string | null {
  const bytes = headerBuffer(header);
  const key = name.toLowerCase();
  const block = scanHeader(bytes, 0, bytes.length);
  for (let i = block.fields.length - 1; i >= 0; i--) if (block.fields[i]!.key === key) return fieldValue(bytes, block.fields[i]!);
  return null;
}

/** The whole header block as decoded text, one "Name: value" line per field (for SEARCH TEXT). */
export function headerText(header: string | Buffer): string {
  const bytes = headerBuffer(header);
  const block = scanHeader(bytes, 0, bytes.length);
  return block.fields
    .map((field) => decodeHeaderValue(unfold(bytes.toString('utf8', field.start, field.end)).trim()))
    .join('\n');
}

const HTML_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', szlig: 'ß', euro: '€', copy: '©', reg: '®',
  hellip: '…', mdash: '—', ndash: '–', laquo: '«', raquo: '»', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”',
  aelig: 'æ', AElig: 'Æ', oslash: 'ø', Oslash: 'Ø', eth: 'ð', thorn: 'þ',
};

/** Accented-letter entities (&ouml; &Eacute; ...) as letter + combining mark. */
const ACCENTS: Record<string, string> = {
  uml: '\u0308', acute: '\u0301', grave: '\u0300', circ: '\u0302', tilde: '\u0303', ring: '\u030a', cedil: '\u0327',
};

function namedEntity(name: string): string | undefined {
  const known = HTML_ENTITIES[name] ?? HTML_ENTITIES[name.toLowerCase()];
  if (known !== undefined) return known;
  const accent = /^([a-zA-Z])(uml|acute|grave|circ|tilde|ring|cedil)$/.exec(name);
  return accent ? (accent[1]! + ACCENTS[accent[2]!]!).normalize('NFC') : undefined;
}

/** Visible text of an HTML body: scripts, styles and tags removed, common entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity: string, name: string) => {
      if (name[0] === '#') {
        const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
      }
      return namedEntity(name) ?? entity;
    });
}

function collectText(part: BodyPart, message: Buffer, out: string[]): void {
  if (part.parts !== undefined) {
    for (const child of part.parts) collectText(child, message, out);
    return;
  }
  if (part.body !== undefined) {
    out.push(headerText(message.subarray(part.body.range.headerStart, part.body.range.bodyStart)));
    collectText(part.body, message, out);
    return;
  }
  if (part.type !== 'TEXT') return;
  let decoded: Buffer;
  try {
    decoded = decodeTransferEncoding(message.subarray(part.range.bodyStart, part.range.bodyEnd), part.encoding);
  } catch {
    decoded = message.subarray(part.range.bodyStart, part.range.bodyEnd); // unknown encoding: search as stored
  }
  const text = decodeCharset(decoded, paramValue(part.params, 'CHARSET'));
  out.push(text);
  // HTML is searched both as written (as Cyrus 3.6 does: "nbsp" and "<p>" match) and as visible text
  // (so "Hello World" matches "Hello&nbsp;<b>World</b>"): a superset of Cyrus's matches
  if (part.subtype === 'HTML') out.push(htmlToText(text));
}

/**
 * Decoded text of the message body for SEARCH BODY: text parts (transfer- and charset-decoded; HTML
 * also as visible text) and the headers of embedded messages. Non-text leaves are not searched.
 */
export function bodyText(summary: MessageSummary, message: Buffer): string {
  const out: string[] = [];
  collectText(summary.body, message, out);
  return out.join('\n');
}

/** Header and body text for SEARCH TEXT. */
export function messageText(summary: MessageSummary, message: Buffer): string {
  return `${headerText(summary.header)}\n${bodyText(summary, message)}`;
}

/** How search compares text; the defaults are Cyrus's (search_skipdiacrit: 1, search_whitespace: merge). */
export interface SearchNormalisation {
  skipDiacritics: boolean;
  whitespace: 'skip' | 'merge' | 'keep';
}

export const CYRUS_SEARCH_NORMALISATION: SearchNormalisation = { skipDiacritics: true, whitespace: 'merge' };

/** Case-fold and normalise text for matching. */
export function normalizeForSearch(text: string, options: SearchNormalisation = CYRUS_SEARCH_NORMALISATION): string {
  return normalizeAscii(text, options.whitespace) ?? normalizeLatin(text, options) ?? normalizeUnicode(text, options);
}

/** Code points below this (Basic Latin, Latin-1, Latin Extended-A and -B) have a table entry: no combining mark among them. */
const LATIN_LIMIT = 0x250;
/** Per diacritics mode: each code point below LATIN_LIMIT normalised alone, as normalizeUnicode does it (made when first used). */
const latinTables = new Map<boolean, string[]>();

function latinTable(skipDiacritics: boolean): string[] {
  let table = latinTables.get(skipDiacritics);
  if (table === undefined) {
    table = [];
    for (let c = 0; c < LATIN_LIMIT; c++) table.push(foldUnicode(String.fromCharCode(c), skipDiacritics));
    latinTables.set(skipDiacritics, table);
  }
  return table;
}

/**
 * normalizeForSearch of text in Latin scripts only (European names and subjects), from a table per
 * code point, or null for text with any other. No code point below LATIN_LIMIT is a combining mark,
 * and each decomposes (NFKD) or composes (NFKC) on its own, beginning with a base character (a
 * letter, or a space before a spacing accent): the text's normal form is that of its code points
 * one by one, and so are its marks removed and its lower case (no final sigma among them). ASCII
 * runs are lower-cased whole; white space is then merged or removed as normalizeUnicode does it.
 */
function normalizeLatin(text: string, options: SearchNormalisation): string | null {
  let table: string[] | null = null;
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c >= LATIN_LIMIT) return null;
    table ??= latinTable(options.skipDiacritics);
    out += text.slice(from, i).toLowerCase() + table[c]!;
    from = i + 1;
  }
  out += text.slice(from).toLowerCase();
  return whitespaceAs(out, options.whitespace);
}

/**
 * normalizeForSearch of text that is all ASCII (most header values and many bodies), in one pass
 * and without the Unicode regular expressions; null for any other text. In ASCII, NFKD and NFKC
 * change nothing, there are no combining marks, lower case is A-Z only, and white space (JavaScript's
 * \s) is TAB, LF, VT, FF, CR and SPACE: with none of those but single spaces, the text lower-cased
 * is the answer; otherwise the runs are merged or removed as the slow path does.
 */
function normalizeAscii(text: string, whitespace: SearchNormalisation['whitespace']): string | null {
  let plainSpaces = true; // every white space run is one SPACE (nothing for 'merge' to change)
  let anySpace = false;
  let previousSpace = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return null;
    const space = c === 0x20 || (c >= 0x09 && c <= 0x0d);
    if (space) {
      anySpace = true;
      if (c !== 0x20 || previousSpace) plainSpaces = false;
    }
    previousSpace = space;
  }
  const lower = text.toLowerCase();
  if (whitespace === 'keep' || !anySpace) return lower;
  if (whitespace === 'merge') return plainSpaces ? lower : lower.replace(ASCII_SPACE_RUNS, ' ');
  return lower.replace(ASCII_SPACE_RUNS, '');
}

const ASCII_SPACE_RUNS = /[\t\n\v\f\r ]+/g;

/** normalizeForSearch of any text (the Unicode path; exported for the tests that compare the two). */
export function normalizeUnicode(text: string, options: SearchNormalisation = CYRUS_SEARCH_NORMALISATION): string {
  return whitespaceAs(foldUnicode(text, options.skipDiacritics), options.whitespace);
}

/** Compatibility form (diacritics removed, or composed) in lower case. */
function foldUnicode(text: string, skipDiacritics: boolean): string {
  return (skipDiacritics ? text.normalize('NFKD').replace(/\p{M}+/gu, '') : text.normalize('NFKC')).toLowerCase();
}

/** White space runs merged into one space, removed, or kept. */
function whitespaceAs(text: string, whitespace: SearchNormalisation['whitespace']): string {
  if (whitespace === 'merge') return text.replace(/\s+/gu, ' ');
  if (whitespace === 'skip') return text.replace(/\s+/gu, '');
  return text;
}

/** Case-insensitive (Unicode) substring match after normalisation of both sides. An empty needle matches. */
export function searchMatches(haystack: string, needle: string, options: SearchNormalisation = CYRUS_SEARCH_NORMALISATION): boolean {
  return normalizeForSearch(haystack, options).includes(normalizeForSearch(needle, options));
}
