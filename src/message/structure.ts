/**
 * The MIME walk: every part's type, parameters, extension data and exact byte range, computed from
 * the stored bytes in one pass without decoding bodies. Boundary handling follows Cyrus 3.6 with
 * rfc2046_strict off: a delimiter line is "--" boundary, optionally "--", then optional whitespace;
 * a part ends at the CRLF before the next delimiter of its own multipart or of any enclosing one.
 */
import { buildEnvelope } from './envelope.js';
import { fieldValue, scanHeader, type HeaderBlock } from './header.js';
import { paramValue, parseContentType, parseDisposition, parseEncoding, parseLanguage } from './mimeFields.js';
import type { BodyPart, MessageSummary } from './types.js';

/** Nesting deeper than this is not walked: the part is kept as an opaque APPLICATION/OCTET-STREAM leaf. */
export const MAX_MIME_DEPTH = 64;

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;
const LINE_START_DASHES = Buffer.from('\r\n--', 'latin1');

/** Parse a stored (CRLF) message once: envelope, body structure with byte ranges, raw header. */
export function summarizeMessage(content: Buffer): MessageSummary {
  const block = scanHeader(content, 0, content.length);
  return {
    envelope: buildEnvelope(content, block),
    body: partFromHeader(content, block, content.length, false, 0),
    header: content.toString('utf8', 0, block.bodyStart),
    size: content.length,
  };
}

/** Count CRLF-terminated lines, plus a final unterminated one, in [start, end). */
function countLines(buf: Buffer, start: number, end: number): number {
  let lines = 0;
  let pos = buf.indexOf(LF, start);
  while (pos !== -1 && pos < end) {
    lines++;
    pos = buf.indexOf(LF, pos + 1);
  }
  if (end > start && buf[end - 1] !== LF) lines++;
  return lines;
}

function parsePart(buf: Buffer, start: number, end: number, inDigest: boolean, depth: number): BodyPart {
  return partFromHeader(buf, scanHeader(buf, start, end), end, inDigest, depth);
}

function partFromHeader(buf: Buffer, block: HeaderBlock, end: number, inDigest: boolean, depth: number): BodyPart {
  let contentType: ReturnType<typeof parseContentType> = null;
  let encoding: string | null = null;
  let id: string | null = null;
  let description: string | null = null;
  let disposition: BodyPart['disposition'] = null;
  let language: string[] | null = null;
  let location: string | null = null;
  let md5: string | null = null;
  const seen = new Set<string>();
  for (const field of block.fields) {
    if (!field.key.startsWith('content-') || seen.has(field.key)) continue;
    seen.add(field.key);
    const value = fieldValue(buf, field);
    switch (field.key) {
      case 'content-type': contentType = parseContentType(value); break;
      case 'content-transfer-encoding': encoding = parseEncoding(value); break;
      case 'content-id': id = value === '' ? null : value; break;
      case 'content-description': description = value === '' ? null : value; break;
      case 'content-disposition': disposition = parseDisposition(value); break;
      case 'content-language': language = parseLanguage(value); break;
      case 'content-location': location = value === '' ? null : value.replace(/[ \t]+/g, ''); break;
      case 'content-md5': md5 = value === '' ? null : value; break;
    }
  }
  const type = contentType ?? (inDigest
    ? { type: 'MESSAGE', subtype: 'RFC822', params: null }
    : { type: 'TEXT', subtype: 'PLAIN', params: [['CHARSET', 'us-ascii']] as Array<[string, string]> });
  const bodyStart = block.bodyStart;
  const part: BodyPart = {
    type: type.type,
    subtype: type.subtype,
    params: type.params,
    id,
    description,
    encoding: encoding ?? '7BIT',
    size: end - bodyStart,
    md5,
    disposition,
    language,
    location,
    range: { headerStart: block.start, bodyStart, bodyEnd: end },
  };
  if (part.type === 'MULTIPART') {
    if (depth >= MAX_MIME_DEPTH) return opaque(part);
    part.parts = parseChildren(buf, part, depth);
  } else if (part.type === 'MESSAGE' && (part.subtype === 'RFC822' || part.subtype === 'GLOBAL')) {
    if (depth >= MAX_MIME_DEPTH) return opaque(part);
    const inner = scanHeader(buf, bodyStart, end);
    part.envelope = buildEnvelope(buf, inner);
    part.body = partFromHeader(buf, inner, end, false, depth + 1);
    part.lines = countLines(buf, bodyStart, end);
  } else if (part.type === 'TEXT') {
    part.lines = countLines(buf, bodyStart, end);
  }
  return part;
}

function opaque(part: BodyPart): BodyPart {
  return { ...part, type: 'APPLICATION', subtype: 'OCTET-STREAM', params: null };
}

interface Delimiter {
  /** First byte of the delimiter line (after the CRLF that belongs to it). */
  lineStart: number;
  /** First byte after the delimiter line's CRLF. */
  next: number;
  close: boolean;
}

/** Is [lineStart...] a delimiter line for `boundary`? */
function matchDelimiter(buf: Buffer, lineStart: number, end: number, boundary: Buffer): Delimiter | null {
  let pos = lineStart + 2;
  if (pos + boundary.length > end || buf.compare(boundary, 0, boundary.length, pos, pos + boundary.length) !== 0) {
    return null;
  }
  pos += boundary.length;
  let close = false;
  if (pos + 1 < end && buf[pos] === DASH && buf[pos + 1] === DASH) {
    close = true;
    pos += 2;
  }
  while (pos < end && (buf[pos] === 0x20 || buf[pos] === 0x09)) pos++;
  if (pos >= end) return { lineStart, next: end, close };
  if (buf[pos] === CR && buf[pos + 1] === LF) return { lineStart, next: pos + 2, close };
  return null;
}

/** Next delimiter line at or after `from` (which must be a line start), or null. */
function findDelimiter(buf: Buffer, from: number, end: number, boundary: Buffer): Delimiter | null {
  if (from < end - 1 && buf[from] === DASH && buf[from + 1] === DASH) {
    const atStart = matchDelimiter(buf, from, end, boundary);
    if (atStart) return atStart;
  }
  let pos = buf.indexOf(LINE_START_DASHES, from);
  while (pos !== -1 && pos < end) {
    const found = matchDelimiter(buf, pos + 2, end, boundary);
    if (found) return found;
    pos = buf.indexOf(LINE_START_DASHES, pos + 2);
  }
  return null;
}

function parseChildren(buf: Buffer, multipart: BodyPart, depth: number): BodyPart[] {
  const { bodyStart, bodyEnd } = multipart.range;
  const boundaryText = paramValue(multipart.params, 'BOUNDARY');
  const inDigest = multipart.subtype === 'DIGEST';
  const children: BodyPart[] = [];
  if (boundaryText !== undefined && boundaryText !== '') {
    const boundary = Buffer.from(boundaryText, 'utf8');
    let delimiter = findDelimiter(buf, bodyStart, bodyEnd, boundary);
    while (delimiter !== null && !delimiter.close) {
      const partStart = delimiter.next;
      const following = findDelimiter(buf, partStart, bodyEnd, boundary);
      const partEnd = following === null ? bodyEnd : Math.max(partStart, following.lineStart - 2);
      children.push(parsePart(buf, partStart, partEnd, inDigest, depth + 1));
      delimiter = following;
    }
  }
  if (children.length === 0) {
    // no usable boundary or no parts: one empty TEXT/PLAIN, as Cyrus reports a zero-part multipart
    children.push({
      type: 'TEXT', subtype: 'PLAIN', params: [['CHARSET', 'us-ascii']], id: null, description: null,
      encoding: '7BIT', size: 0, lines: 0, md5: null, disposition: null, language: null, location: null,
      range: { headerStart: bodyEnd, bodyStart: bodyEnd, bodyEnd },
    });
  }
  return children;
}
