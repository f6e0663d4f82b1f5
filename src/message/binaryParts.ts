/**
 * Binary parts re-encoded for storage. A message appended as literal8 (`~{n}`, RFC 3516) may carry
 * parts that IMAP cannot send back in an ordinary literal: Content-Transfer-Encoding binary, or NUL
 * bytes in a part that claims 7bit/8bit (RFC 3501 forbids NUL outside literal8). As Cyrus 3.6 does,
 * such a leaf part is rewritten as base64 (lines of 72 characters, CRLF after each) and its
 * Content-Transfer-Encoding field says so; BINARY[part] then decodes the original bytes again.
 * The bytes of a binary part are taken as sent: bare CR and LF inside it survive the later line-end
 * normalisation because they are inside the base64 text by then.
 */
import { scanHeader } from './header.js';
import { summarizeMessage } from './structure.js';
import type { BodyPart } from './types.js';

/** Base64 characters per line, as Cyrus writes them (RFC 2045 allows up to 76). */
export const BASE64_LINE = 72;

const CTE_BASE64 = Buffer.from('Content-Transfer-Encoding: base64\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');

interface Edit {
  start: number;
  end: number;
  bytes: Buffer;
}

/** `data` as base64 in lines of BASE64_LINE characters, each ending in CRLF. */
export function base64Lines(data: Buffer): Buffer {
  const text = data.toString('base64');
  const chunks: Buffer[] = [];
  for (let at = 0; at < text.length; at += BASE64_LINE) {
    chunks.push(Buffer.from(text.slice(at, at + BASE64_LINE), 'latin1'), CRLF);
  }
  return Buffer.concat(chunks);
}

/** Whether a leaf part's body must be re-encoded before it is stored. */
function needsBase64(part: BodyPart, content: Buffer): boolean {
  if (part.size === 0) return false;
  const encoding = part.encoding.toUpperCase();
  if (encoding === 'BINARY') return true;
  if (encoding !== '7BIT' && encoding !== '8BIT') return false; // base64, quoted-printable, unknown: left as sent
  const nul = content.indexOf(0, part.range.bodyStart);
  return nul !== -1 && nul < part.range.bodyEnd;
}

/** The two edits that turn one leaf part into base64: its Content-Transfer-Encoding field(s) and its body. */
function partEdits(part: BodyPart, content: Buffer): Edit[] {
  const { headerStart, bodyStart, bodyEnd } = part.range;
  const block = scanHeader(content, headerStart, bodyStart);
  const fields = block.fields.filter((field) => field.key === 'content-transfer-encoding');
  const edits: Edit[] = [];
  if (fields.length === 0) {
    edits.push({ start: block.headerEnd, end: block.headerEnd, bytes: CTE_BASE64 });
  } else {
    // the last field counts (as partFields reads it): it becomes base64, earlier ones go
    fields.forEach((field, i) => {
      edits.push({ start: field.start, end: field.end, bytes: i === fields.length - 1 ? CTE_BASE64 : Buffer.alloc(0) });
    });
  }
  edits.push({ start: bodyStart, end: bodyEnd, bytes: base64Lines(content.subarray(bodyStart, bodyEnd)) });
  return edits;
}

function collectEdits(part: BodyPart, content: Buffer, out: Edit[]): void {
  if (part.parts !== undefined) {
    for (const child of part.parts) collectEdits(child, content, out);
  } else if (part.body !== undefined) {
    collectEdits(part.body, content, out);
  } else if (needsBase64(part, content)) {
    out.push(...partEdits(part, content));
  }
}

/**
 * The message with every binary leaf part base64-encoded (see the file comment); `content` itself
 * when no part needs it. The input is the message as the client sent it (before line-end
 * normalisation), so the bytes of binary parts are kept exactly.
 */
export function encodeBinaryParts(content: Buffer): Buffer {
  if (content.length === 0) return content;
  const edits: Edit[] = [];
  collectEdits(summarizeMessage(content).body, content, edits);
  if (edits.length === 0) return content;
  edits.sort((a, b) => a.start - b.start);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const edit of edits) {
    chunks.push(content.subarray(from, edit.start), edit.bytes);
    from = edit.end;
  }
  chunks.push(content.subarray(from));
  return Buffer.concat(chunks);
}
