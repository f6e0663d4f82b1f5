/**
 * The string forms of IMAP responses: atoms, quoted strings, literals, nstring/NIL, flag lists.
 * A string goes out quoted when it is short 7-bit text without CR, LF or NUL; as a literal otherwise.
 */
import { imapString, MAX_QUOTED_LENGTH } from '../../../message/index.js';

// The quoted/literal string and nstring forms are shared with the message's cached IMAP forms.
export { imapString, nstring, MAX_QUOTED_LENGTH } from '../../../message/index.js';

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

const CONTROLS = /[\x00-\x1f\x7f]+/g;

/**
 * The one sanitiser of response text (the human-readable part of a status response): it must stay
 * on one line and hold no control characters, so each run of CR, LF, NUL or other controls becomes one space.
 */
export function responseText(text: string): string {
  return /[\x00-\x1f\x7f]/.test(text) ? text.replace(CONTROLS, ' ') : text;
}
