/**
 * FETCH responses. A response is a list of chunks: strings for the protocol text, Buffers for
 * section data, and LiteralSource for data the session streams from a file, so a 50 MB message is
 * never concatenated into a string. Without section data, `toString()` gives the whole line.
 */
import { encodeHeaderText, hasEscapedBytes, type BodyPart, type Envelope, type ImapForm } from '../../../message/index.js';
import { formatDateTime } from '../datetime.js';
import { formatSection } from '../parse/fetch.js';
import type { FetchItem } from '../parse/types.js';
import { formatBodyStructure, formatEnvelope } from './body.js';

/** Data the session copies from elsewhere (a message file) as the body of a literal. */
export interface LiteralSource {
  size: number;
  open: () => AsyncIterable<Buffer>;
}

type ResponseChunk = string | Buffer | LiteralSource;

/**
 * The name a FETCH response gives to a section item: `BODY[1.HEADER]`, `BODY[]<0>` (a partial
 * fetch echoes only the origin), `BINARY[2]`, `BINARY.SIZE[2]`. PEEK is never echoed.
 */
export function fetchItemLabel(item: Extract<FetchItem, { kind: 'section' | 'binary' | 'binarySize' }>): string {
  switch (item.kind) {
    case 'section':
      return `BODY[${formatSection(item.section)}]${item.partial ? `<${item.partial.offset}>` : ''}`;
    case 'binary':
      return `BINARY[${item.part.join('.')}]${item.partial ? `<${item.partial.offset}>` : ''}`;
    case 'binarySize':
      return `BINARY.SIZE[${item.part.join('.')}]`;
  }
}

function hasNul(data: Buffer): boolean {
  return data.indexOf(0) !== -1;
}

export class FetchResponse {
  private readonly chunks: ResponseChunk[] = [];
  /** Text not yet moved to chunks (built by concatenation: cheaper than arrays and join). */
  private text: string;
  private items = 0;
  /** Some text came from header data and may hold escaped 8-bit bytes (checked when flushed). */
  private mayHoldEscapes = false;

  /** `* <seq> FETCH (` ... */
  constructor(sequenceNumber: number) {
    this.text = '* ' + sequenceNumber + ' FETCH (';
  }

  /** Add `name value` (with the separating space). */
  private add(name: string, value: string): this {
    this.text += (this.items++ > 0 ? ' ' : '') + name + ' ' + value;
    return this;
  }

  /** add() for values that may come from header data (or the client). */
  private addHeaderText(name: string, value: string): this {
    this.mayHoldEscapes = true;
    return this.add(name, value);
  }

  /** `name` with IMAP text rendered before (the cached ENVELOPE or BODYSTRUCTURE, bytes when 8-bit). */
  private addRendered(name: string, form: ImapForm): this {
    if (typeof form === 'string') return this.add(name, form);
    this.text += (this.items++ > 0 ? ' ' : '') + name + ' ';
    this.flushText();
    this.chunks.push(form);
    return this;
  }

  uid(uid: number): this {
    return this.add('UID', String(uid));
  }

  flags(flags: Iterable<string>): this {
    let list = '(';
    let first = true;
    for (const flag of flags) {
      list += first ? flag : ' ' + flag;
      first = false;
    }
    list += ')';
    // keywords are atoms; an 8-bit one would take the careful path
    if (!this.mayHoldEscapes && hasEscapedBytes(list)) this.mayHoldEscapes = true;
    return this.add('FLAGS', list);
  }

  /** INTERNALDATE in the given zone (minutes east of UTC; server local zone by default). */
  internalDate(date: Date, offsetMinutes?: number): this {
    return this.add('INTERNALDATE', formatDateTime(date, offsetMinutes));
  }

  rfc822Size(size: number): this {
    return this.add('RFC822.SIZE', String(size));
  }

  modseq(modseq: number | bigint): this {
    return this.add('MODSEQ', `(${modseq})`);
  }

  /** SAVEDATE (RFC 8514): a date-time as INTERNALDATE, NIL when the message has none. */
  saveDate(date: Date | null): this {
    return this.add('SAVEDATE', date === null ? 'NIL' : formatDateTime(date));
  }

  /** EMAILID / THREADID (RFC 8474): `(objectid)`, or NIL. */
  objectId(name: 'EMAILID' | 'THREADID', id: string | null): this {
    return this.add(name, id === null ? 'NIL' : `(${id})`);
  }

  /** DIGEST.SHA1 (Cyrus's DIGEST=SHA1): 40 hex digits as an atom, NIL when unknown. */
  digest(sha1: string | null): this {
    return this.add('DIGEST.SHA1', sha1 === null ? 'NIL' : sha1);
  }

  /** PREVIEW (RFC 8970): quoted when 7-bit and short, a literal of UTF-8 bytes otherwise; NIL when not available. */
  preview(text: string | null): this {
    if (text === null) return this.add('PREVIEW', 'NIL');
    if (/^[\x20-\x7e]{0,1024}$/.test(text)) return this.add('PREVIEW', `"${text.replace(/["\\]/g, '\\$&')}"`);
    return this.literal('PREVIEW', Buffer.from(text, 'utf8'));
  }

  /** ANNOTATION (RFC 5257): its list, made by the caller from client-given values (annotationString). */
  annotation(list: string): this {
    return this.add('ANNOTATION', list);
  }

  envelope(envelope: Envelope): this {
    return this.addHeaderText('ENVELOPE', formatEnvelope(envelope));
  }

  /** ENVELOPE from its cached IMAP text (src/message/imapForms.ts). */
  envelopeText(form: ImapForm): this {
    return this.addRendered('ENVELOPE', form);
  }

  bodyStructure(part: BodyPart): this {
    return this.addHeaderText('BODYSTRUCTURE', formatBodyStructure(part, true));
  }

  /** BODYSTRUCTURE from its cached IMAP text. */
  bodyStructureText(form: ImapForm): this {
    return this.addRendered('BODYSTRUCTURE', form);
  }

  /** BODY without a section: the non-extensible structure. */
  body(part: BodyPart): this {
    return this.addHeaderText('BODY', formatBodyStructure(part, false));
  }

  binarySize(part: number[], size: number): this {
    return this.addHeaderText(`BINARY.SIZE[${part.join('.')}]`, String(size));
  }

  /**
   * A data item whose value is a literal: `label {n}` CRLF data, or NIL. Use fetchItemLabel() for
   * BODY[...] and BINARY[...], or 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT'. With `binary`, data
   * holding NUL goes out as literal8 `~{n}` (BINARY, RFC 3516).
   */
  literal(label: string, data: Buffer | null, binary = false): this {
    if (data === null) return this.addHeaderText(label, 'NIL');
    this.addHeaderText(label, binary && hasNul(data) ? `~{${data.length}}\r\n` : `{${data.length}}\r\n`);
    this.flushText();
    if (data.length > 0) this.chunks.push(data);
    return this;
  }

  /** Like literal(), with the data streamed by the session from `source`. */
  literalStream(label: string, source: LiteralSource, binary = false): this {
    this.addHeaderText(label, binary ? `~{${source.size}}\r\n` : `{${source.size}}\r\n`);
    this.flushText();
    if (source.size > 0) this.chunks.push(source);
    return this;
  }

  /** The finished response as chunks (adjacent text merged). */
  finish(): ResponseChunk[] {
    this.text += ')\r\n';
    this.flushText();
    return this.chunks;
  }

  /** The finished response as one string; only for responses without literal data. */
  toString(): string {
    const chunks = this.finish();
    if (chunks.length !== 1 || typeof chunks[0] !== 'string') throw new Error('FETCH response holds literal data');
    return chunks[0];
  }

  private flushText(): void {
    if (this.text.length === 0) return;
    // header strings (ENVELOPE, BODYSTRUCTURE) may hold escaped 8-bit bytes: send those bytes as they are
    this.chunks.push(this.mayHoldEscapes && hasEscapedBytes(this.text) ? encodeHeaderText(this.text) : this.text);
    this.text = '';
  }
}

/**
 * An annotation value or size as a string: quoted when printable US-ASCII and short, else a literal
 * counted in UTF-8 bytes (the response text is sent as UTF-8); NIL for null.
 */
export function annotationString(value: string | null): string {
  if (value === null) return 'NIL';
  if (/^[\x20-\x7e]{0,1024}$/.test(value)) return `"${value.replace(/["\\]/g, '\\$&')}"`;
  return `{${Buffer.byteLength(value, 'utf8')}}\r\n${value}`;
}
