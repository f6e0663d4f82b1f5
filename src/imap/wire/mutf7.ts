/**
 * Modified UTF-7 for mailbox names (RFC 3501 section 5.1.3): printable US-ASCII stands for itself
 * ("&" as "&-"), anything else is UTF-16 in base64 with "," for "/", between "&" and "-".
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

function isDirect(code: number): boolean {
  return code >= 0x20 && code <= 0x7e;
}

/** Encode a Unicode mailbox name to modified UTF-7. */
export function encodeModifiedUtf7(name: string): string {
  const out: string[] = [];
  let i = 0;
  while (i < name.length) {
    const code = name.charCodeAt(i);
    if (code === 0x26) {
      out.push('&-');
      i++;
      continue;
    }
    if (isDirect(code)) {
      let j = i + 1;
      while (j < name.length && isDirect(name.charCodeAt(j)) && name.charCodeAt(j) !== 0x26) j++;
      out.push(name.slice(i, j));
      i = j;
      continue;
    }
    let j = i;
    while (j < name.length && !isDirect(name.charCodeAt(j))) j++;
    out.push('&', encodeRun(name, i, j), '-');
    i = j;
  }
  return out.join('');
}

function encodeRun(name: string, start: number, end: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (let i = start; i < end; i++) {
    value = (value << 16) | name.charCodeAt(i);
    bits += 16;
    while (bits >= 6) {
      bits -= 6;
      out += ALPHABET[(value >> bits) & 0x3f];
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (6 - bits)) & 0x3f];
  return out;
}

/** Decode a modified UTF-7 name; null when it is not valid modified UTF-7. */
export function tryDecodeModifiedUtf7(text: string): string | null {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (!isDirect(code)) return null;
    if (code !== 0x26) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) !== 0x26 && isDirect(text.charCodeAt(j))) j++;
      out.push(text.slice(i, j));
      i = j;
      continue;
    }
    const close = text.indexOf('-', i + 1);
    if (close === -1) return null;
    if (close === i + 1) {
      out.push('&');
      i = close + 1;
      continue;
    }
    const run = decodeRun(text, i + 1, close);
    if (run === null) return null;
    out.push(run);
    i = close + 1;
  }
  return out.join('');
}

function decodeRun(text: string, start: number, end: number): string | null {
  const units: number[] = [];
  let bits = 0;
  let value = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    const digit = code < 128 ? DECODE[code]! : -1;
    if (digit < 0) return null;
    value = (value << 6) | digit;
    bits += 6;
    if (bits >= 16) {
      bits -= 16;
      units.push((value >> bits) & 0xffff);
      value &= (1 << bits) - 1;
    }
  }
  // Leftover bits must be fewer than 6 and zero (RFC 2152 canonical padding).
  if (bits >= 6 || value !== 0 || units.length === 0) return null;
  const decoded = String.fromCharCode(...units);
  for (let k = 0; k < units.length; k++) {
    const unit = units[k]!;
    // A run must not hide printable ASCII, and surrogates must pair up.
    if (isDirect(unit)) return null;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = units[k + 1];
      if (low === undefined || low < 0xdc00 || low > 0xdfff) return null;
      k++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return null;
  }
  return decoded;
}

/**
 * True when `text` is valid, canonical modified UTF-7: only printable ASCII, every "&" run closed
 * and well-formed, and written as the encoder writes it (no split or needless runs).
 */
export function isValidModifiedUtf7(text: string): boolean {
  const decoded = tryDecodeModifiedUtf7(text);
  return decoded !== null && encodeModifiedUtf7(decoded) === text;
}
