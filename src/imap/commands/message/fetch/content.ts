/**
 * The content items of FETCH: BODY[section]<partial>, RFC822, RFC822.HEADER, RFC822.TEXT,
 * BINARY[part]<partial> and BINARY.SIZE. Header sections of the top-level message come from the
 * cached summary; other sections read only their byte range of the message file, and big ranges
 * are streamed by the response writer instead of being read into memory.
 */
import type { AnnotationValues, Mailbox, MessageRecord } from '../../../../mailbox/index.js';
import type { ImapForm } from '../../../../message/index.js';
import {
  applyPartial, binarySection, findPart, partialRange, planSection, sectionBytes, sectionNeedsMessage, selectHeaderFields,
  type BodySection, type MessageSummary,
} from '../../../../message/index.js';
import type { FetchItem, Partial, Section } from '../../../wire/parse/types.js';
import { fetchItemLabel, type FetchResponse, type LiteralSource } from '../../../wire/serialize/fetch.js';

/** Ranges at least this big are streamed from the file rather than read whole. */
const STREAM_FROM = 256 * 1024;

/** One message being answered: its data, read at most once and only when an item needs it. */
export class MessageData {
  private whole: Promise<Buffer> | null = null;
  /** The index record, loaded only for items that need it (SAVEDATE, EMAILID: object-items.ts). */
  record: MessageRecord | undefined;
  /** The message's annotations the user sees, loaded only for FETCH ANNOTATION (annotation.ts). */
  annotations: ReadonlyMap<string, AnnotationValues> | undefined;

  constructor(
    readonly mailbox: Mailbox,
    readonly uid: number,
    readonly size: number,
    readonly summary: MessageSummary | null,
    /** ENVELOPE and BODYSTRUCTURE as cached IMAP text, when the plan reads those instead of the summary. */
    readonly envelopeForm: ImapForm | null = null,
    readonly bodyStructureForm: ImapForm | null = null,
  ) {}

  /** The cached summary (FETCH loads it for every message when a content item is asked for). */
  need(): MessageSummary {
    if (this.summary === null) throw new Error(`no cached summary for message ${this.uid}`);
    return this.summary;
  }

  message(): Promise<Buffer> {
    return (this.whole ??= this.mailbox.readMessage(this.uid));
  }

  /** Bytes [start, end) of the file, from the whole message when it was read already. */
  async range(start: number, end: number): Promise<Buffer> {
    if (this.whole !== null) return (await this.whole).subarray(start, end);
    return this.mailbox.readRange(this.uid, start, end);
  }

  /** A literal source streaming bytes [start, end), padded or cut so exactly `end - start` bytes go out. */
  stream(start: number, end: number): LiteralSource {
    const size = end - start;
    const mailbox = this.mailbox;
    const uid = this.uid;
    return {
      size,
      async *open() {
        let sent = 0;
        for await (const chunk of mailbox.readStream(uid, start, end) as AsyncIterable<Buffer>) {
          const piece = chunk.length > size - sent ? chunk.subarray(0, size - sent) : chunk;
          sent += piece.length;
          if (piece.length > 0) yield piece;
          if (sent >= size) return;
        }
        // The file shrank under us: keep the literal's promised length.
        if (sent < size) yield Buffer.alloc(size - sent, 0x20);
      },
    };
  }
}

function toBodySection(section: Section): BodySection {
  return { path: section.part, text: section.specifier ?? undefined, fields: section.fields };
}

/** Add one section (BODY[...], RFC822, RFC822.HEADER, RFC822.TEXT) to the response. */
export async function addSection(response: FetchResponse, label: string, data: MessageData, section: BodySection, partial: Partial | null): Promise<void> {
  if (section.path.length === 0 && section.text === undefined && data.summary === null) {
    // BODY[] and RFC822 need no summary: the whole file.
    return addRange(response, label, data, 0, data.size, partial);
  }
  const summary = data.need();
  const plan = planSection(summary, section);
  if (plan.kind === 'empty') {
    response.literal(label, null);
    return;
  }
  if (!sectionNeedsMessage(summary, section)) {
    const bytes = sectionBytes(summary, section);
    response.literal(label, partial ? applyPartial(bytes, partial.offset, partial.length) : bytes);
    return;
  }
  if (plan.kind === 'range') return addRange(response, label, data, plan.start, plan.end, partial);
  const fields = selectHeaderFields(await data.range(plan.start, plan.end), plan.fields, plan.not);
  response.literal(label, partial ? applyPartial(fields, partial.offset, partial.length) : fields);
}

async function addRange(response: FetchResponse, label: string, data: MessageData, start: number, end: number, partial: Partial | null): Promise<void> {
  const range = partial ? partialRange(start, end, partial.offset, partial.length) : { start, end };
  if (range.end - range.start >= STREAM_FROM) {
    response.literalStream(label, data.stream(range.start, range.end));
    return;
  }
  response.literal(label, range.end > range.start ? await data.range(range.start, range.end) : Buffer.alloc(0));
}

/** BINARY[part]<partial> (RFC 3516): the part decoded from its Content-Transfer-Encoding. */
export async function addBinary(response: FetchResponse, item: Extract<FetchItem, { kind: 'binary' }>, data: MessageData): Promise<void> {
  const label = fetchItemLabel(item);
  if (item.part.length === 0) {
    await addRange(response, label, data, 0, data.size, item.partial);
    return;
  }
  const summary = data.need();
  if (findPart(summary.body, item.part) === null) {
    response.literal(label, null);
    return;
  }
  const decoded = binarySection(summary, item.part, await data.message());
  response.literal(label, item.partial ? applyPartial(decoded, item.partial.offset, item.partial.length) : decoded, true);
}

/** BINARY.SIZE[part]: decoded size; parts without a transfer encoding are measured from the summary. */
export async function addBinarySize(response: FetchResponse, part: number[], data: MessageData): Promise<void> {
  if (part.length === 0) {
    response.binarySize(part, data.size);
    return;
  }
  const summary = data.need();
  const found = findPart(summary.body, part);
  if (found === null) {
    response.binarySize(part, 0);
    return;
  }
  if (found.parts !== undefined || found.body !== undefined || /^(7BIT|8BIT|BINARY)$/i.test(found.encoding)) {
    response.binarySize(part, found.range.bodyEnd - found.range.bodyStart);
    return;
  }
  response.binarySize(part, binarySection(summary, part, await data.message()).length);
}

/** The section an RFC822* item stands for (RFC 3501 6.4.5). */
export const RFC822_SECTIONS: Record<'RFC822' | 'RFC822.HEADER' | 'RFC822.TEXT', BodySection> = {
  RFC822: { path: [] },
  'RFC822.HEADER': { path: [], text: 'HEADER' },
  'RFC822.TEXT': { path: [], text: 'TEXT' },
};

export { toBodySection };
