/**
 * FETCH BODY[section] (RFC 3501 6.4.5): a section resolves to a byte range of the stored message,
 * or to constructed bytes for HEADER.FIELDS / HEADER.FIELDS.NOT. Header-only sections of the
 * top-level message are answered from MessageSummary.header without reading the message file.
 */
import { MailError } from '../common/errors.js';
import { scanHeader, type HeaderField } from './header.js';
import { encodeHeaderText } from './rawText.js';
import type { BodyPart, MessageSummary } from './types.js';

export type SectionText = 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

/** A parsed section specifier: BODY[1.2.HEADER.FIELDS (From To)] is { path: [1, 2], text: 'HEADER.FIELDS', fields: ['From', 'To'] }. */
export interface BodySection {
  /** Part numbers, 1-based; empty for the whole message. */
  path: number[];
  text?: SectionText;
  /** Field names for HEADER.FIELDS and HEADER.FIELDS.NOT. */
  fields?: string[];
}

/** What a section designates. Ranges are byte offsets into the stored message. */
export type SectionPlan =
  | { kind: 'range'; start: number; end: number }
  | { kind: 'fields'; start: number; end: number; fields: string[]; not: boolean }
  | { kind: 'empty' };

const SECTION_TEXTS: SectionText[] = ['HEADER.FIELDS.NOT', 'HEADER.FIELDS', 'HEADER', 'TEXT', 'MIME'];

/** Parse the text between the brackets of BODY[...], e.g. "1.2.HEADER.FIELDS (From To)". */
export function parseSection(text: string): BodySection {
  const bad = (): MailError => new MailError('Invalid', `Bad section: ${text}`);
  let rest = text.trim();
  const path: number[] = [];
  for (let number = /^[1-9]\d*/.exec(rest); number !== null; number = /^[1-9]\d*/.exec(rest)) {
    path.push(Number(number[0]));
    rest = rest.slice(number[0].length);
    if (rest === '') return { path };
    if (rest[0] !== '.') throw bad();
    rest = rest.slice(1);
  }
  if (rest === '') {
    if (path.length > 0) throw bad(); // "1."
    return { path };
  }
  const upper = rest.toUpperCase();
  const sectionText = SECTION_TEXTS.find((candidate) => upper.startsWith(candidate));
  if (sectionText === undefined) throw bad();
  rest = rest.slice(sectionText.length).trim();
  if (sectionText === 'MIME' && path.length === 0) throw bad();
  if (sectionText !== 'HEADER.FIELDS' && sectionText !== 'HEADER.FIELDS.NOT') {
    if (rest !== '') throw bad();
    return { path, text: sectionText };
  }
  const list = /^\((.*)\)$/.exec(rest);
  if (list === null) throw bad();
  const fields = list[1]!.trim().split(/\s+/).filter((name) => name !== '').map((name) => name.replace(/^"|"$/g, ''));
  if (fields.length === 0) throw bad();
  return { path, text: sectionText, fields };
}

/**
 * The part a path names, or null when it does not exist. Numbers index a multipart's children;
 * after a MESSAGE/RFC822 part they index the encapsulated message's body; part 1 of a
 * non-multipart body is that body itself.
 */
export function findPart(body: BodyPart, path: number[]): BodyPart | null {
  let current = body;
  for (let i = 0; i < path.length; i++) {
    const n = path[i]!;
    let container = current;
    if (i > 0) {
      if (current.body !== undefined) container = current.body;
      else if (current.parts === undefined) return null;
    }
    if (container.parts !== undefined) {
      const child = container.parts[n - 1];
      if (child === undefined) return null;
      current = child;
    } else if (n === 1) {
      current = container;
    } else return null;
  }
  return current;
}

/**
 * Resolve a section against the summary. Missing parts give { kind: 'empty' } (Cyrus answers NIL).
 * TEXT of the top-level message ends at the body's end, which is the file's end except for a
 * zero-part multipart (reported with an empty body, as Cyrus does).
 */
export function planSection(summary: MessageSummary, section: BodySection): SectionPlan {
  let message: { headerStart: number; bodyStart: number; end: number };
  if (section.path.length === 0) {
    message = { headerStart: 0, bodyStart: summary.body.range.bodyStart, end: summary.body.range.bodyEnd };
  } else {
    const part = findPart(summary.body, section.path);
    if (part === null) return { kind: 'empty' };
    if (section.text === undefined) return { kind: 'range', start: part.range.bodyStart, end: part.range.bodyEnd };
    if (section.text === 'MIME') return { kind: 'range', start: part.range.headerStart, end: part.range.bodyStart };
    if (part.body === undefined) {
      // HEADER and TEXT exist only for MESSAGE/RFC822; Cyrus answers HEADER.FIELDS from the part's MIME header
      if (section.text === 'HEADER' || section.text === 'TEXT') return { kind: 'empty' };
      return {
        kind: 'fields', start: part.range.headerStart, end: part.range.bodyStart,
        fields: section.fields ?? [], not: section.text === 'HEADER.FIELDS.NOT',
      };
    }
    message = { headerStart: part.body.range.headerStart, bodyStart: part.body.range.bodyStart, end: part.range.bodyEnd };
  }
  switch (section.text) {
    case undefined: return { kind: 'range', start: message.headerStart, end: message.end };
    case 'TEXT': return { kind: 'range', start: message.bodyStart, end: message.end };
    case 'HEADER': case 'MIME': return { kind: 'range', start: message.headerStart, end: message.bodyStart };
    default:
      return {
        kind: 'fields', start: message.headerStart, end: message.bodyStart,
        fields: section.fields ?? [], not: section.text === 'HEADER.FIELDS.NOT',
      };
  }
}

/**
 * The stored header bytes as the cache holds them, or null if the cached text cannot give them back
 * exactly (a cache row written before headers were byte-escaped, whose non-UTF-8 bytes were lost).
 */
export function cachedHeaderBytes(summary: MessageSummary): Buffer | null {
  const bytes = encodeHeaderText(summary.header);
  return bytes.length === summary.body.range.bodyStart ? bytes : null;
}

/** True when the section can be answered from the summary alone (no message file read). */
export function sectionNeedsMessage(summary: MessageSummary, section: BodySection): boolean {
  const plan = planSection(summary, section);
  if (plan.kind === 'empty') return false;
  return plan.end > summary.body.range.bodyStart || cachedHeaderBytes(summary) === null;
}

/** Whether a header block ends with the blank line that parts it from a body ("\r\n" alone is one). */
function endsWithBlankLine(header: Buffer): boolean {
  const n = header.length;
  if (n === 0 || header[n - 1] !== 0x0a) return false;
  const lineStart = header[n - 2] === 0x0d ? n - 2 : n - 1;
  return lineStart === 0 || header[lineStart - 1] === 0x0a;
}

/**
 * The selected header fields (in message order, folding kept, each ending in CRLF) followed by the
 * blank line, which RFC 3501 6.4.5 includes in every header fetch "except in the case of a message
 * which has no body and no blank line": a header that ends without one (an empty encapsulated
 * message, an empty MIME part) gives its fields alone, as Cyrus and Dovecot answer.
 */
export function selectHeaderFields(header: Buffer, names: string[], not: boolean): Buffer {
  const wanted = new Set(names.map((name) => name.toLowerCase()));
  const block = scanHeader(header, 0, header.length);
  const chunks: Buffer[] = [];
  const take = (field: HeaderField): void => {
    const line = header.subarray(field.start, field.end);
    chunks.push(line);
    if (line[line.length - 1] !== 0x0a) chunks.push(Buffer.from('\r\n'));
  };
  for (const field of block.fields) if (wanted.has(field.key) !== not) take(field);
  if (endsWithBlankLine(header)) chunks.push(Buffer.from('\r\n'));
  return Buffer.concat(chunks);
}

/**
 * The bytes of a section. `message` is the stored message; it may be omitted when
 * sectionNeedsMessage() is false (header-only sections of the top-level message).
 */
export function sectionBytes(summary: MessageSummary, section: BodySection, message?: Buffer): Buffer {
  const plan = planSection(summary, section);
  if (plan.kind === 'empty') return Buffer.alloc(0);
  let source = message;
  if (source === undefined) {
    const header = plan.end <= summary.body.range.bodyStart ? cachedHeaderBytes(summary) : null;
    if (header === null) throw new MailError('Invalid', 'This section needs the message file');
    source = header;
  }
  const bytes = source.subarray(plan.start, plan.end);
  return plan.kind === 'fields' ? selectHeaderFields(bytes, plan.fields, plan.not) : bytes;
}

/** Apply a FETCH partial <origin.length> to section bytes: out-of-range origins give empty data. */
export function applyPartial(data: Buffer, origin: number, length?: number): Buffer {
  if (origin >= data.length) return data.subarray(0, 0);
  return data.subarray(origin, length === undefined ? data.length : Math.min(data.length, origin + length));
}

/** A partial applied to a range plan, for streaming from the file without reading the rest. */
export function partialRange(start: number, end: number, origin: number, length?: number): { start: number; end: number } {
  const from = Math.min(end, start + origin);
  return { start: from, end: length === undefined ? end : Math.min(end, from + length) };
}
