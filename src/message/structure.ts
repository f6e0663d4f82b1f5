/**
 * The MIME walk: every part's type, parameters, extension data and exact byte range, computed from
 * the stored bytes in one pass without decoding bodies.
 *
 * Boundaries follow Cyrus 3.6 (rfc2046_strict off), checked against a running Cyrus:
 * - a delimiter line is "--" boundary then optional spaces/tabs then CRLF; a close delimiter is
 *   "--" boundary "--" followed by anything up to the line end;
 * - while inside nested multiparts, a delimiter of ANY open multipart starts the next part of the
 *   innermost one; a close delimiter closes its own multipart and every multipart inside it;
 * - a multipart without a boundary parameter, or whose first delimiter is a close delimiter, has no
 *   parts and is reported as an empty TEXT/PLAIN; one whose boundary never appears gets one empty part;
 * - the CRLF before a delimiter line belongs to the delimiter, not to the part before it.
 */
import { scanHeader, type HeaderBlock } from './header.js';
import { buildEnvelope } from './envelope.js';
import { readPartFields } from './partFields.js';
import { paramValue } from './mimeFields.js';
import { decodeHeaderBytes, encodeHeaderText } from './rawText.js';
import type { BodyPart, MessageSummary } from './types.js';

/** Nesting deeper than this is not walked: such a multipart or message part becomes an APPLICATION/OCTET-STREAM leaf. */
export const MAX_MIME_DEPTH = 64;

const LF = 0x0a;
const DASH = 0x2d;
const LINE_START_DASHES = Buffer.from('\r\n--', 'latin1');
const BLANK_LINE = Buffer.from('\r\n\r\n', 'latin1');

interface Delimiter {
  /** First byte of the delimiter line. */
  lineStart: number;
  /** First byte after the line (after its CRLF, or the end). */
  next: number;
  /** Index of the matched boundary in the open-multipart stack. */
  index: number;
  close: boolean;
}

interface Walk {
  buf: Buffer;
  end: number;
  /** Boundaries of the open multiparts, outermost first. */
  stack: Buffer[];
}

/**
 * The header bytes and scanned block of each summary summarizeMessage made (while the summary
 * lives): the append that parsed a message stores its header bytes and reads its search fields
 * without encoding the header text back to bytes and scanning it again (headerBytesOf, and
 * storedFields through scannedHeaderOf).
 */
const scannedHeaders = new WeakMap<MessageSummary, { bytes: Buffer; block: HeaderBlock }>();

/** Parse a stored (CRLF) message once: envelope, body structure with byte ranges, raw header. */
export function summarizeMessage(content: Buffer): MessageSummary {
  const walk: Walk = { buf: content, end: content.length, stack: [] };
  const block = scanHeader(content, 0, content.length);
  const summary: MessageSummary = {
    envelope: buildEnvelope(content, block),
    // The top entity's header is this same block (no multipart is open yet to cut it short).
    body: parseEntity(walk, 0, false, 0, block).part,
    header: decodeHeaderBytes(content, 0, block.bodyStart),
    size: content.length,
  };
  scannedHeaders.set(summary, { bytes: content.subarray(0, block.bodyStart), block });
  return summary;
}

/**
 * The bytes of `summary.header` (encodeHeaderText of it): the message's own header bytes when
 * summarizeMessage made the summary (the text is their lossless decoding), else encoded here.
 */
export function headerBytesOf(summary: MessageSummary): Buffer {
  return scannedHeaders.get(summary)?.bytes ?? encodeHeaderText(summary.header);
}

/** The scanned block of `header` when it is the header summarizeMessage scanned for `summary` (same bytes), else null. */
export function scannedHeaderOf(summary: MessageSummary, header: Buffer): HeaderBlock | null {
  const known = scannedHeaders.get(summary);
  if (known === undefined) return null;
  return header === known.bytes || header.equals(known.bytes) ? known.block : null;
}

/** Lines in [start, end): the number of line feeds, as Cyrus counts (an unterminated last line is not counted). */
function countLines(buf: Buffer, start: number, end: number): number {
  let lines = 0;
  let pos = buf.indexOf(LF, start);
  while (pos !== -1 && pos < end) {
    lines++;
    pos = buf.indexOf(LF, pos + 1);
  }
  return lines;
}

function matchDelimiter(walk: Walk, lineStart: number): Delimiter | null {
  const { buf, end, stack } = walk;
  for (let index = 0; index < stack.length; index++) {
    const boundary = stack[index]!;
    let pos = lineStart + 2;
    if (pos + boundary.length > end) continue;
    if (buf.compare(boundary, 0, boundary.length, pos, pos + boundary.length) !== 0) continue;
    pos += boundary.length;
    if (pos + 1 < end && buf[pos] === DASH && buf[pos + 1] === DASH) {
      // a close delimiter: whatever follows on the line is ignored (as Cyrus does)
      const eol = buf.indexOf(LF, pos);
      return { lineStart, next: eol === -1 || eol >= end ? end : eol + 1, index, close: true };
    }
    while (pos < end && (buf[pos] === 0x20 || buf[pos] === 0x09)) pos++;
    if (pos >= end) return { lineStart, next: end, index, close: false };
    if (buf[pos] === 0x0d && buf[pos + 1] === LF) return { lineStart, next: pos + 2, index, close: false };
  }
  return null;
}

/** The next delimiter line of any open multipart at or after `from` (a line start or a CRLF), starting by `lastLineStart`. */
function nextDelimiter(walk: Walk, from: number, lastLineStart = walk.end): Delimiter | null {
  const { buf, end } = walk;
  if (walk.stack.length === 0) return null;
  if ((from === 0 || buf[from - 1] === LF) && buf[from] === DASH && buf[from + 1] === DASH) {
    const here = matchDelimiter(walk, from);
    if (here) return here;
  }
  let pos = buf.indexOf(LINE_START_DASHES, from);
  while (pos !== -1 && pos + 2 < end && pos + 2 <= lastLineStart) {
    const found = matchDelimiter(walk, pos + 2);
    if (found) return found;
    pos = buf.indexOf(LINE_START_DASHES, pos + 2);
  }
  return null;
}

/** Where content that runs up to delimiter `d` ends (the CRLF before the line is the delimiter's). */
function endBefore(d: Delimiter | null, from: number, end: number): number {
  return d === null ? end : Math.max(from, d.lineStart - 2);
}

/** Step past a delimiter line; a close delimiter closes its multipart and all inside it. */
function consume(walk: Walk, d: Delimiter | null): number {
  if (d === null) return walk.end;
  if (d.close) walk.stack.length = d.index;
  return d.next;
}

/**
 * The header of an entity whose content must end at `limit` (the CRLF before the next delimiter line
 * at `lineStart`). A blank line just before the delimiter still belongs to the header (its CRLF is
 * the one before the delimiter); a header cut short by a delimiter ends without its last CRLF, as in Cyrus.
 */
function scanEntityHeader(buf: Buffer, start: number, limit: number, lineStart: number): HeaderBlock {
  if (lineStart <= limit) return scanHeader(buf, start, limit);
  const block = scanHeader(buf, start, lineStart);
  if (block.headerEnd < lineStart) return block; // the blank line was found
  const last = block.fields[block.fields.length - 1];
  if (last !== undefined && last.end > limit) last.end = limit;
  return { ...block, headerEnd: limit, bodyStart: limit };
}

interface Parsed {
  part: BodyPart;
  /** Where the walk continues after this entity (past the delimiter that ended it). */
  next: number;
}

/**
 * One MIME entity (header + body) starting at `start`. `scanned`: its header block, already
 * scanned to the end of the data (the message's own header: no open multipart can cut it).
 */
function parseEntity(walk: Walk, start: number, inDigest: boolean, depth: number, scanned?: HeaderBlock): Parsed {
  const { buf } = walk;
  let cut: Delimiter | null = null;
  let block: HeaderBlock;
  if (scanned !== undefined && walk.stack.length === 0) block = scanned;
  else {
    // only a delimiter before the header's blank line can cut the header short: look no further
    // (a multipart's own content is walked by parseMultipart; scanning past it here would be quadratic)
    const blank = buf[start] === 0x0d && buf[start + 1] === LF ? start - 2 : buf.indexOf(BLANK_LINE, start);
    cut = nextDelimiter(walk, start, blank === -1 ? walk.end : blank + 2);
    block = cut === null
      ? scanHeader(buf, start, walk.end)
      : scanEntityHeader(buf, start, endBefore(cut, start, walk.end), cut.lineStart);
  }
  const part = readPartFields(buf, block, inDigest);
  const bodyStart = block.bodyStart;
  const nested = depth < MAX_MIME_DEPTH;
  if (!nested && (part.type === 'MULTIPART' || part.type === 'MESSAGE')) {
    // too deep to walk: an opaque leaf, so BODYSTRUCTURE never shows a multipart without parts
    part.type = 'APPLICATION';
    part.subtype = 'OCTET-STREAM';
    part.params = null;
  }
  if (part.type === 'MULTIPART' && nested) return parseMultipart(walk, part, bodyStart, depth);
  if (part.type === 'MESSAGE' && part.subtype === 'RFC822' && nested) {
    const inner = parseEntity(walk, bodyStart, false, depth + 1);
    const bodyEnd = inner.part.range.bodyEnd;
    part.envelope = buildEnvelope(buf, scanHeader(buf, bodyStart, bodyEnd));
    part.body = inner.part;
    part.range.bodyStart = bodyStart;
    part.range.bodyEnd = bodyEnd;
    part.size = bodyEnd - bodyStart;
    part.lines = countLines(buf, bodyStart, bodyEnd);
    return { part, next: inner.next };
  }
  const ending = cut ?? nextDelimiter(walk, bodyStart);
  const limit = endBefore(ending, bodyStart, walk.end);
  part.range.bodyEnd = limit;
  part.size = limit - bodyStart;
  if (part.type === 'TEXT') part.lines = countLines(buf, bodyStart, limit);
  return { part, next: consume(walk, ending) };
}

function parseMultipart(walk: Walk, part: BodyPart, bodyStart: number, depth: number): Parsed {
  const boundary = paramValue(part.params, 'BOUNDARY');
  if (boundary === undefined || boundary === '') {
    // no boundary: Cyrus reads the body as a zero-part multipart
    const ending = nextDelimiter(walk, bodyStart);
    return { part: zeroPartMultipart(part, bodyStart), next: consume(walk, ending) };
  }
  const inDigest = part.subtype === 'DIGEST';
  walk.stack.push(encodeHeaderText(boundary)); // the boundary's own bytes, 8-bit ones included
  const ownDepth = walk.stack.length;
  const first = nextDelimiter(walk, bodyStart);
  const children: BodyPart[] = [];
  let pos = consume(walk, first);
  let lastEnd = walk.end;
  if (first === null) {
    children.push(emptyTextPart(walk.end));
  } else {
    lastEnd = endBefore(first, bodyStart, walk.end);
    while (walk.stack.length === ownDepth && pos < walk.end) {
      const child = parseEntity(walk, pos, inDigest, depth + 1);
      children.push(child.part);
      pos = child.next;
      lastEnd = child.part.range.bodyEnd;
    }
  }
  let bodyEnd: number;
  let next: number;
  if (walk.stack.length === ownDepth - 1) {
    // closed by our own close delimiter: the epilogue runs to the next delimiter of an enclosing part
    const ending = nextDelimiter(walk, pos);
    bodyEnd = endBefore(ending, pos, walk.end);
    next = consume(walk, ending);
  } else if (walk.stack.length < ownDepth) {
    // an enclosing multipart was closed from inside us: we end where its close delimiter began
    bodyEnd = lastEnd;
    next = pos;
  } else {
    // the data ran out without a close delimiter
    walk.stack.length = ownDepth - 1;
    bodyEnd = walk.end;
    next = walk.end;
  }
  if (children.length === 0) return { part: zeroPartMultipart(part, bodyStart), next };
  part.parts = children;
  part.range.bodyEnd = bodyEnd;
  part.size = bodyEnd - bodyStart;
  return { part, next };
}

function emptyTextPart(at: number): BodyPart {
  return {
    type: 'TEXT', subtype: 'PLAIN', params: [['CHARSET', 'us-ascii']], id: null, description: null,
    encoding: '7BIT', size: 0, lines: 0, md5: null, disposition: null, language: null, location: null,
    range: { headerStart: at, bodyStart: at, bodyEnd: at },
  };
}

/**
 * A multipart without parts, reported (as Cyrus does) as an empty TEXT/PLAIN whose body is empty:
 * BODY[TEXT] and BODY[1] then return "" as Cyrus does, although the body bytes are in the file.
 */
function zeroPartMultipart(part: BodyPart, bodyStart: number): BodyPart {
  return { ...emptyTextPart(bodyStart), range: { headerStart: part.range.headerStart, bodyStart, bodyEnd: bodyStart } };
}
