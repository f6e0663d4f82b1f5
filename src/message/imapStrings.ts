/**
 * The IMAP string forms a message is rendered in (RFC 3501 4.3, 4.5): a quoted string when the text
 * is short 7-bit text without CR, LF or NUL, a literal otherwise, NIL for an absent nstring. They
 * belong to the message's cached IMAP forms (imapForms.ts); the IMAP serializer uses the same ones.
 */
import { headerTextByteLength } from './rawText.js';

/** Longest string sent quoted; longer ones go out as literals. */
export const MAX_QUOTED_LENGTH = 1024;

const ESCAPED = /["\\]/g;

/**
 * `string`: quoted when possible, a literal (`{n}` CRLF bytes, n in UTF-8 bytes) otherwise. Header
 * text may hold escaped 8-bit bytes (rawText.ts): each counts as the one byte it stands for.
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

/** `nstring`: NIL for null. */
export function nstring(s: string | null | undefined): string {
  return s === null || s === undefined ? 'NIL' : imapString(s);
}
