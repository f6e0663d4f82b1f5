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
      const name = buf.toString('latin1', pos, nameEnd);
      current = {
        name,
        key: name.toLowerCase(),
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
