/**
 * Header bytes as lossless JavaScript text ("byte-escaped text"). Well-formed UTF-8 (RFC 6532) is
 * decoded as usual; every byte that is not part of a well-formed UTF-8 sequence (Latin-1 and other
 * legacy 8-bit header bytes) becomes the lone surrogate U+DC00 + byte, as Python's surrogateescape
 * does. Lone surrogates cannot come from decoding UTF-8, so the mapping is reversible: the cache
 * (JSON escapes them as \udcXX) and ENVELOPE strings give back exactly the bytes of the message.
 */
import { isUtf8 } from 'node:buffer';

const ESCAPE_BASE = 0xdc00;
/** A lone low surrogate U+DC80..U+DCFF (one not preceded by a high surrogate): an escaped byte. */
const ESCAPED_BYTE = /(?<![\ud800-\udbff])[\udc80-\udcff]/;
const ESCAPED_BYTES = /(?<![\ud800-\udbff])[\udc80-\udcff]/g;

/** Length of the well-formed UTF-8 sequence at `pos` (RFC 3629 section 4), 0 when there is none. */
export function utf8SequenceLength(buf: Buffer, pos: number, end: number): number {
  const b0 = buf[pos]!;
  const cont = (at: number, lo = 0x80, hi = 0xbf): boolean => at < end && buf[at]! >= lo && buf[at]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(pos + 1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf;
    return cont(pos + 1, lo, hi) && cont(pos + 2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf;
    return cont(pos + 1, lo, hi) && cont(pos + 2) && cont(pos + 3) ? 4 : 0;
  }
  return 0;
}

/** Bytes [start, end) of `buf` as byte-escaped text (UTF-8 where well-formed, U+DCxx per other byte). */
export function decodeHeaderBytes(buf: Buffer, start = 0, end = buf.length): string {
  // Buffer#toString keeps a byte order mark (no stripping); without U+FFFD in the result the bytes
  // were well-formed UTF-8 (a U+FFFD that was really in the bytes just takes the longer way)
  const text = buf.toString('utf8', start, end);
  if (!text.includes('\ufffd')) return text;
  const bytes = buf.subarray(start, end);
  if (isUtf8(bytes)) return text;
  let out = '';
  let from = 0;
  let pos = 0;
  while (pos < bytes.length) {
    const b = bytes[pos]!;
    if (b < 0x80) {
      pos++;
      continue;
    }
    const length = utf8SequenceLength(bytes, pos, bytes.length);
    if (length > 0) {
      pos += length;
      continue;
    }
    out += bytes.toString('utf8', from, pos) + String.fromCharCode(ESCAPE_BASE + b);
    pos++;
    from = pos;
  }
  return out + bytes.toString('utf8', from);
}

/** True when `text` holds escaped bytes (so its bytes are not its UTF-8 encoding). */
export function hasEscapedBytes(text: string): boolean {
  return ESCAPED_BYTE.test(text);
}

/** Byte-escaped text back to the bytes it came from. */
export function encodeHeaderText(text: string): Buffer {
  if (!hasEscapedBytes(text)) return Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  let from = 0;
  for (const match of text.matchAll(ESCAPED_BYTES)) {
    const at = match.index!;
    chunks.push(Buffer.from(text.slice(from, at), 'utf8'), Buffer.of(text.charCodeAt(at) - ESCAPE_BASE));
    from = at + 1;
  }
  chunks.push(Buffer.from(text.slice(from), 'utf8'));
  return Buffer.concat(chunks);
}

/** The number of bytes encodeHeaderText(text) gives, without building them. */
export function headerTextByteLength(text: string): number {
  const length = Buffer.byteLength(text, 'utf8');
  if (!hasEscapedBytes(text)) return length;
  // each escaped byte counts 3 in UTF-8 (as U+FFFD) but stands for 1 byte
  let escaped = 0;
  for (const _ of text.matchAll(ESCAPED_BYTES)) escaped++;
  return length - 2 * escaped;
}
