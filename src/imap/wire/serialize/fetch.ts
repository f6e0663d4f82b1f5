/**
 * FETCH responses. A response is a list of chunks: strings for the protocol text, Buffers for
 * section data, and LiteralSource for data the session streams from a file, so a 50 MB message is
 * never concatenated into a string. Without section data, `toString()` gives the whole line.
 */
import type { BodyPart, Envelope } from '../../../message/types.js';
import { formatDateTime } from '../datetime.js';
import { formatSection } from '../parse/fetch.js';
import type { FetchItem } from '../parse/types.js';
import { pushBodyStructure, pushEnvelope } from './body.js';

/** Data the session copies from elsewhere (a message file) as the body of a literal. */
export interface LiteralSource {
  size: number;
  open: () => AsyncIterable<Buffer>;
}

export type ResponseChunk = string | Buffer | LiteralSource;

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
  private text: string[];
  private items = 0;

  /** `* <seq> FETCH (` ... */
  constructor(sequenceNumber: number) {
    this.text = ['* ', String(sequenceNumber), ' FETCH ('];
  }

  private item(name: string): string[] {
    if (this.items++ > 0) this.text.push(' ');
    this.text.push(name, ' ');
    return this.text;
  }

  uid(uid: number): this {
    this.item('UID').push(String(uid));
    return this;
  }

  flags(flags: Iterable<string>): this {
    const out = this.item('FLAGS');
    out.push('(');
    let first = true;
    for (const flag of flags) {
      if (!first) out.push(' ');
      out.push(flag);
      first = false;
    }
    out.push(')');
    return this;
  }

  /** INTERNALDATE in the given zone (minutes east of UTC; server local zone by default). */
  internalDate(date: Date, offsetMinutes?: number): this {
    this.item('INTERNALDATE').push(formatDateTime(date, offsetMinutes));
    return this;
  }

  rfc822Size(size: number): this {
    this.item('RFC822.SIZE').push(String(size));
    return this;
  }

  modseq(modseq: number | bigint): this {
    this.item('MODSEQ').push(`(${modseq})`);
    return this;
  }

  envelope(envelope: Envelope): this {
    pushEnvelope(this.item('ENVELOPE'), envelope);
    return this;
  }

  bodyStructure(part: BodyPart): this {
    pushBodyStructure(this.item('BODYSTRUCTURE'), part, true);
    return this;
  }

  /** BODY without a section: the non-extensible structure. */
  body(part: BodyPart): this {
    pushBodyStructure(this.item('BODY'), part, false);
    return this;
  }

  binarySize(part: number[], size: number): this {
    this.item(`BINARY.SIZE[${part.join('.')}]`).push(String(size));
    return this;
  }

  /**
   * A data item whose value is a literal: `label {n}` CRLF data, or NIL. Use fetchItemLabel() for
   * BODY[...] and BINARY[...], or 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT'. With `binary`, data
   * holding NUL goes out as literal8 `~{n}` (BINARY, RFC 3516).
   */
  literal(label: string, data: Buffer | null, binary = false): this {
    const out = this.item(label);
    if (data === null) {
      out.push('NIL');
      return this;
    }
    out.push(binary && hasNul(data) ? `~{${data.length}}\r\n` : `{${data.length}}\r\n`);
    this.flushText();
    if (data.length > 0) this.chunks.push(data);
    return this;
  }

  /** Like literal(), with the data streamed by the session from `source`. */
  literalStream(label: string, source: LiteralSource, binary = false): this {
    this.item(label).push(binary ? `~{${source.size}}\r\n` : `{${source.size}}\r\n`);
    this.flushText();
    if (source.size > 0) this.chunks.push(source);
    return this;
  }

  /** The finished response as chunks (adjacent text merged). */
  finish(): ResponseChunk[] {
    this.text.push(')\r\n');
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
    this.chunks.push(this.text.join(''));
    this.text = [];
  }
}
