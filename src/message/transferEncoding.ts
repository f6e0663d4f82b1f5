/**
 * Content-Transfer-Encoding decoding for FETCH BINARY[section] / BINARY.SIZE (RFC 3516) and for
 * search text. Unknown encodings are a MailError the IMAP layer answers with NO [UNKNOWN-CTE].
 */
import { MailError } from '../common/errors.js';
import { findPart, planSection } from './sections.js';
import type { MessageSummary } from './types.js';

const HEX: Int8Array = (() => {
  const table = new Int8Array(256).fill(-1);
  for (let i = 0; i < 10; i++) table[0x30 + i] = i;
  for (let i = 0; i < 6; i++) {
    table[0x41 + i] = 10 + i;
    table[0x61 + i] = 10 + i;
  }
  return table;
})();

/**
 * Quoted-printable to bytes (RFC 2045 6.7): soft line breaks removed, =XX decoded, bad escapes
 * kept, and the white space ending a line (before a line break or the end) dropped, as rule 3 says
 * a decoder must (it was added in transport; encoded white space is written =20 / =09).
 */
export function decodeQuotedPrintable(input: Buffer): Buffer {
  const out = Buffer.allocUnsafe(input.length);
  let length = 0;
  // Where the run of literal white space now ending the output began (-1: none).
  let blanksFrom = -1;
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === 0x20 || c === 0x09) {
      if (blanksFrom < 0) blanksFrom = length;
      out[length++] = c;
      i++;
      continue;
    }
    if (c === 0x0d && input[i + 1] === 0x0a) {
      if (blanksFrom >= 0) length = blanksFrom;
      blanksFrom = -1;
      out[length++] = 0x0d;
      out[length++] = 0x0a;
      i += 2;
      continue;
    }
    if (c === 0x0a) {
      if (blanksFrom >= 0) length = blanksFrom;
      blanksFrom = -1;
      out[length++] = 0x0a;
      i++;
      continue;
    }
    blanksFrom = -1;
    if (c !== 0x3d) {
      out[length++] = c;
      i++;
      continue;
    }
    const high = HEX[input[i + 1] ?? 0]!;
    const low = HEX[input[i + 2] ?? 0]!;
    if (high >= 0 && low >= 0) {
      out[length++] = high * 16 + low;
      i += 3;
      continue;
    }
    // soft line break: "=" then optional transport padding then CRLF (or LF, or the end)
    let pos = i + 1;
    while (input[pos] === 0x20 || input[pos] === 0x09) pos++;
    if (input[pos] === 0x0d && input[pos + 1] === 0x0a) i = pos + 2;
    else if (input[pos] === 0x0a) i = pos + 1;
    else if (pos >= input.length) i = pos;
    else {
      out[length++] = 0x3d;
      i++;
    }
  }
  if (blanksFrom >= 0) length = blanksFrom;
  return out.subarray(0, length);
}

/** Decode a part body by its (upper-case) Content-Transfer-Encoding. */
export function decodeTransferEncoding(body: Buffer, encoding: string): Buffer {
  switch (encoding.toUpperCase()) {
    case '7BIT': case '8BIT': case 'BINARY': return body;
    case 'BASE64': return Buffer.from(body.toString('latin1'), 'base64');
    case 'QUOTED-PRINTABLE': return decodeQuotedPrintable(body);
    default:
      throw new MailError('Cannot', `Unknown Content-Transfer-Encoding ${encoding}`, {
        responseCode: 'UNKNOWN-CTE',
        encoding,
      });
  }
}

/**
 * FETCH BINARY[path]: the decoded content of a part (the whole message for an empty path).
 * A missing part gives empty data.
 */
export function binarySection(summary: MessageSummary, path: number[], message: Buffer): Buffer {
  if (path.length === 0) return message;
  const part = findPart(summary.body, path);
  if (part === null) return Buffer.alloc(0);
  const plan = planSection(summary, { path });
  const raw = plan.kind === 'range' ? message.subarray(plan.start, plan.end) : Buffer.alloc(0);
  // multiparts and MESSAGE/RFC822 have no transfer encoding of their own: returned as stored (as Cyrus does)
  return part.parts !== undefined || part.body !== undefined ? raw : decodeTransferEncoding(raw, part.encoding);
}

/** FETCH BINARY.SIZE[path]: the decoded size in bytes. */
export function binarySize(summary: MessageSummary, path: number[], message: Buffer): number {
  if (path.length > 0) {
    const part = findPart(summary.body, path);
    if (part !== null && (part.parts !== undefined || part.body !== undefined || /^(7BIT|8BIT|BINARY)$/i.test(part.encoding))) {
      return part.range.bodyEnd - part.range.bodyStart;
    }
  }
  return binarySection(summary, path, message).length;
}
