/**
 * SASLprep (RFC 4013) for passwords and SCRAM usernames: non-ASCII spaces become " ", the
 * "commonly mapped to nothing" characters are dropped, the result is NFKC-normalised, and
 * control, private-use, surrogate and non-character code points are refused (MailError Invalid).
 * The bidirectional-text rule of RFC 3454 section 6 is not checked.
 */
import { MailError } from '../common/errors.js';

// RFC 3454 C.1.2 (non-ASCII space characters)
const NON_ASCII_SPACE = /[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000]/g;
// RFC 3454 B.1 (commonly mapped to nothing)
const MAPPED_TO_NOTHING = /[\u00ad\u034f\u1806\u180b-\u180d\u200c\u200d\u2060\ufe00-\ufe0f\ufeff]/g;
// RFC 3454 C.2 (controls), C.3 (private use), C.4 (non-characters), C.5 (surrogates), C.8/C.9
// eslint-disable-next-line no-control-regex
const PROHIBITED = /[\u0000-\u001f\u007f-\u009f\u06dd\u070f\u180e\u200e\u200f\u2028-\u202e\u2060-\u2063\u206a-\u206f\ufeff\ufff9-\ufffd\ue000-\uf8ff\ufdd0-\ufdef\ud800-\udfff\u0340\u0341]|[\ufffe\uffff]/u;

export function saslprep(text: string): string {
  const mapped = text.replace(NON_ASCII_SPACE, ' ').replace(MAPPED_TO_NOTHING, '').normalize('NFKC');
  for (const ch of mapped) {
    const cp = ch.codePointAt(0)!;
    if (PROHIBITED.test(ch) || (cp >= 0xf0000) || (cp & 0xfffe) === 0xfffe || (cp >= 0xe0001 && cp <= 0xe007f)) {
      throw new MailError('Invalid', 'prohibited character in credentials');
    }
  }
  return mapped;
}
