/**
 * PREVIEW (RFC 8970): a short plain-text extract of a message, taken from the cached parse (which
 * part to read) and that part's bytes alone. The part is the first text a reader would see: in a
 * multipart/alternative the plain text, else the HTML (as visible text); attachments and embedded
 * messages are skipped. White space is collapsed and the text cut at PREVIEW_LENGTH characters.
 */
import { paramValue } from './mimeFields.js';
import { decodeCharset, htmlToText } from './searchText.js';
import { decodeTransferEncoding } from './transferEncoding.js';
import type { BodyPart } from './types.js';

/** RFC 8970 allows up to 256 characters; 200 is what Dovecot sends. */
export const PREVIEW_LENGTH = 200;

/** At most this many bytes of the part are read and decoded: plenty for 200 characters of text. */
export const PREVIEW_READ_LIMIT = 64 * 1024;

function isAttachment(part: BodyPart): boolean {
  return part.disposition?.type.toUpperCase() === 'ATTACHMENT';
}

function isText(part: BodyPart, subtype: 'PLAIN' | 'HTML'): boolean {
  return part.type.toUpperCase() === 'TEXT' && part.subtype.toUpperCase() === subtype && !isAttachment(part);
}

/** The part the preview is made from, or null when the message has no readable text. */
export function previewPart(part: BodyPart): BodyPart | null {
  if (part.parts === undefined) return isText(part, 'PLAIN') || isText(part, 'HTML') ? part : null;
  if (part.subtype.toUpperCase() === 'ALTERNATIVE') {
    const candidates = part.parts.map(previewPart).filter((p): p is BodyPart => p !== null);
    return candidates.find((p) => isText(p, 'PLAIN')) ?? candidates[0] ?? null;
  }
  for (const child of part.parts) {
    const found = previewPart(child);
    if (found !== null) return found;
  }
  return null;
}

/** The preview text from the stored bytes of `part`'s body (at most PREVIEW_READ_LIMIT of them). */
export function previewText(part: BodyPart, body: Buffer): string {
  let raw = body;
  // A cut base64 body is decoded up to its last whole line.
  if (part.encoding.toUpperCase() === 'BASE64' && body.length < part.size) raw = body.subarray(0, body.lastIndexOf(0x0a) + 1);
  let decoded: Buffer;
  try {
    decoded = decodeTransferEncoding(raw, part.encoding);
  } catch {
    decoded = raw; // unknown encoding: as stored
  }
  let text = decodeCharset(decoded, paramValue(part.params, 'CHARSET'));
  if (part.subtype.toUpperCase() === 'HTML') text = htmlToText(text.replace(/<head\b[\s\S]*?<\/head\s*>/gi, ' '));
  const collapsed = text.replace(/[\s\u00a0]+/gu, ' ').trim();
  const chars = Array.from(collapsed);
  // A replacement character at a cut multi-byte sequence is dropped with the rest.
  return chars.length <= PREVIEW_LENGTH ? collapsed : chars.slice(0, PREVIEW_LENGTH).join('').trimEnd();
}
