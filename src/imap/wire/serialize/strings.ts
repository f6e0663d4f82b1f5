/**
 * The string forms of IMAP responses: atoms, quoted strings, literals, nstring/NIL, flag lists.
 * A string goes out quoted when it is short 7-bit text without CR, LF or NUL; as a literal otherwise.
 */
import { headerTextByteLength } from '../../../message/rawText.js';

/** Longest string sent quoted; longer ones go out as literals. */
export const MAX_QUOTED_LENGTH = 1024;

/** Whether `s` can be sent as a quoted string. */
export function isQuotable(s: string): boolean {
  if (s.length > MAX_QUOTED_LENGTH) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d || c > 0x7f) return false;
  }
  return true;
}

/**
 * `string`: quoted when possible, a literal (`{n}` CRLF bytes, n in UTF-8 bytes) otherwise. Header
 * text may hold escaped 8-bit bytes (src/message/rawText.ts): each counts as the one byte it stands for.
 */
export function imapString(s: string): string {
  // One pass decides between plain quoted, escaped quoted and literal.
  let escapes = false;
  if (s.length <= MAX_QUOTED_LENGTH) {
    let i = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x22 || c === 0x5c) escapes = true;
      else if (c === 0 || c === 0x0a || c === 0x0d || c > 0x7f) break;
    }
    if (i === s.length) return escapes ? `"${s.replace(ESCAPED, '\\$&')}"` : `"${s}"`;
  }
  return `{${headerTextByteLength(s)}}\r\n${s}`;
}

const ESCAPED = /["\\]/g;

/** `nstring`: NIL for null. */
export function nstring(s: string | null | undefined): string {
  return s === null || s === undefined ? 'NIL' : imapString(s);
}

function isAstringChar(c: number): boolean {
  if (c <= 0x20 || c >= 0x7f) return false;
  switch (c) {
    case 0x28: case 0x29: case 0x7b: case 0x25: case 0x2a: case 0x22: case 0x5c:
      return false;
    default:
      return true;
  }
}

/** `astring`: a bare atom when every character allows it (and it is not NIL), a string otherwise. */
export function astring(s: string): string {
  if (s.length === 0 || s.length > MAX_QUOTED_LENGTH || s.toUpperCase() === 'NIL') return imapString(s);
  for (let i = 0; i < s.length; i++) if (!isAstringChar(s.charCodeAt(i))) return imapString(s);
  return s;
}

/** A flag list `(\Seen $Label)`; flags are atoms (with "\" for system flags) and are written as is. */
export function flagList(flags: Iterable<string>): string {
  return `(${[...flags].join(' ')})`;
}

/** A parenthesised list of strings, or NIL when empty or null. */
export function stringList(values: readonly string[] | null): string {
  if (values === null || values.length === 0) return 'NIL';
  return `(${values.map(imapString).join(' ')})`;
}

/** Response text must stay on one line: CR and LF become spaces. */
export function responseText(text: string): string {
  return /[\r\n]/.test(text) ? text.replace(/[\r\n]+/g, ' ') : text;
}
