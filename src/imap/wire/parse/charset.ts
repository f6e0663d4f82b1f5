/**
 * The charsets SEARCH, SORT and THREAD take their strings in (RFC 3501 6.4.4: US-ASCII and UTF-8
 * required, others at the server's choice; Cyrus 3.6 and Dovecot 2.3 take the usual legacy ones).
 * Strings are decoded by the WHATWG decoders Node carries (TextDecoder); a charset whose bytes are
 * not ASCII where ASCII is (UTF-16, and the labels the WHATWG table maps to its "replacement"
 * decoder) is not offered: the IMAP syntax around the strings is decoded with them.
 */
import { decodeUtf8, type TextDecode } from '../cursor.js';

/** Named in `NO [BADCHARSET (...)]`: the charsets clients use most, each one `searchCharset` takes. */
export const OFFERED_CHARSETS: readonly string[] = [
  'UTF-8', 'US-ASCII', 'ISO-8859-1', 'ISO-8859-2', 'ISO-8859-5', 'ISO-8859-7', 'ISO-8859-15', 'WINDOWS-1250', 'WINDOWS-1251', 'WINDOWS-1252',
  'KOI8-R', 'KOI8-U', 'ISO-2022-JP', 'SHIFT_JIS', 'EUC-JP', 'EUC-KR', 'GB2312', 'GBK', 'GB18030', 'BIG5',
];

/** Decoders made so far, by upper-case name (only names that are charsets: a client cannot grow it with made-up ones). */
const decoders = new Map<string, TextDecode>();

/**
 * How the strings of a search in `charset` are read: null for UTF-8 and US-ASCII (read as UTF-8, as
 * every other argument), a decoder for another charset this server takes, undefined when it takes
 * none by that name (the command answers NO [BADCHARSET]).
 */
export function searchCharset(charset: string): TextDecode | null | undefined {
  const name = charset.trim().toUpperCase();
  if (name === 'UTF-8' || name === 'US-ASCII' || name === 'UTF8' || name === 'ASCII') return null;
  let decode = decoders.get(name);
  if (decode !== undefined) return decode;
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(name);
  } catch {
    return undefined;
  }
  if (decoder.encoding === 'replacement' || decoder.encoding.startsWith('utf-16')) return undefined;
  decode = decoder.encoding === 'utf-8' ? decodeUtf8 : (bytes) => decoder.decode(bytes);
  decoders.set(name, decode);
  return decode;
}
