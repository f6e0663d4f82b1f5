/**
 * Header block scanning on the stored bytes: where each field starts and ends, and where the body
 * begins. Offsets are byte positions in the message buffer; values are decoded only on demand.
 */
import { decodeHeaderBytes } from './rawText.js';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const TAB = 0x09;
const COLON = 0x3a;

export interface HeaderField {
  /** Field name as written (no trailing whitespace). Empty for a line without a colon. */
  name: string;
  /** Lower-cased name, for lookups. */
  key: string;
  /** First byte of the field line. */
  start: number;
  /** First byte after the colon. */
  valueStart: number;
  /** One past the field's last CRLF (or the block end when the last line has none). */
  end: number;
}

export interface HeaderBlock {
  fields: HeaderField[];
  /** First byte of the header block. */
  start: number;
  /** First byte of the body: after the blank line, or the range end when there is none. */
  bodyStart: number;
  /** One past the header's own bytes, excluding the terminating blank line. */
  headerEnd: number;
}

/**
 * Field names as nearly every message spells them, by length: a field written so gets these strings
 * (the same characters) instead of a new name and key per field of every message parsed.
 */
const KNOWN_NAMES: Array<Array<{ name: string; key: string; bytes: Buffer }>> = [];
for (const name of [
  'From', 'To', 'Cc', 'Bcc', 'Subject', 'Date', 'Message-ID', 'Message-Id', 'In-Reply-To', 'References', 'Reply-To', 'Sender',
  'MIME-Version', 'Mime-Version', 'Content-Type', 'Content-Transfer-Encoding', 'Content-Disposition', 'Content-ID', 'Content-Id',
  'Content-Description', 'Content-Language', 'Content-Location', 'Content-MD5', 'Received', 'Return-Path', 'Delivered-To',
  'X-Mailer', 'User-Agent', 'DKIM-Signature', 'List-Id', 'List-Unsubscribe', 'Precedence', 'Importance', 'Thread-Topic', 'Thread-Index',
]) {
  (KNOWN_NAMES[name.length] ??= []).push({ name, key: name.toLowerCase(), bytes: Buffer.from(name, 'latin1') });
}

/** The known spelling of the field name in bytes [start, end), or null. */
function knownName(buf: Buffer, start: number, end: number): { name: string; key: string } | null {
  const candidates = KNOWN_NAMES[end - start];
  if (candidates === undefined) return null;
  for (const candidate of candidates) {
    const bytes = candidate.bytes;
    let i = 0;
    while (i < bytes.length && buf[start + i] === bytes[i]) i++;
    if (i === bytes.length) return candidate;
  }
  return null;
}

/** Split the header block that begins at `start` (and must end by `end`) into fields. */
export function scanHeader(buf: Buffer, start: number, end: number): HeaderBlock {
  const fields: HeaderField[] = [];
  let pos = start;
  let current: HeaderField | null = null;
  while (pos < end) {
    const first = buf[pos]!;
    if (first === CR && pos + 1 < end && buf[pos + 1] === LF) {
      return { fields, start, headerEnd: pos, bodyStart: pos + 2 };
    }
    if (first === LF) {
      // tolerated in unnormalised input: a lone LF is an empty line
      return { fields, start, headerEnd: pos, bodyStart: pos + 1 };
    }
    let lineEnd = buf.indexOf(LF, pos);
    lineEnd = lineEnd === -1 || lineEnd >= end ? end : lineEnd + 1;
    if ((first === SP || first === TAB) && current !== null) {
      current.end = lineEnd; // continuation of a folded field
    } else {
      let colon = buf.indexOf(COLON, pos);
      if (colon >= lineEnd) colon = -1;
      let nameEnd = colon === -1 ? pos : colon;
      while (nameEnd > pos && (buf[nameEnd - 1] === SP || buf[nameEnd - 1] === TAB)) nameEnd--;
      const known = knownName(buf, pos, nameEnd);
      const name = known === null ? buf.toString('latin1', pos, nameEnd) : known.name;
      current = {
        name,
        key: known === null ? name.toLowerCase() : known.key,
        start: pos,
        valueStart: colon === -1 ? pos : colon + 1,
        end: lineEnd,
      };
      if (colon === -1) {
        current.name = '';
        current.key = '';
      }
      fields.push(current);
    }
    pos = lineEnd;
  }
  return { fields, start, headerEnd: end, bodyStart: end };
}

/**
 * A field's value as IMAP's ENVELOPE and BODYSTRUCTURE carry it: raw bytes as byte-escaped text
 * (UTF-8 where well-formed, other 8-bit bytes kept as escapes: see rawText.ts), unfolded (the CRLF
 * before continuation whitespace removed), leading whitespace removed; trailing whitespace is kept,
 * as Cyrus keeps it.
 */
export function fieldValue(buf: Buffer, field: HeaderField): string {
  let end = field.end;
  if (end > field.valueStart && buf[end - 1] === 0x0a) end--;
  if (end > field.valueStart && buf[end - 1] === 0x0d) end--;
  return withoutLeadingBlanks(unfold(decodeHeaderBytes(buf, field.valueStart, end)));
}

/** `value` without its leading spaces and tabs (as replace(/^[ \t]+/, ''), without a regular expression per field). */
function withoutLeadingBlanks(value: string): string {
  let i = 0;
  while (i < value.length && (value.charCodeAt(i) === SP || value.charCodeAt(i) === TAB)) i++;
  return i === 0 ? value : value.slice(i);
}

/** Remove line breaks from a folded header value, keeping the whitespace that follows them. */
export function unfold(value: string): string {
  if (value.indexOf('\n') === -1 && value.indexOf('\r') === -1) return value;
  return value.replace(/\r?\n(?=[ \t])/g, '').replace(/\r?\n$/, '');
}
