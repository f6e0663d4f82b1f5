/**
 * What the index keeps of a message beside its summary, worked out once at append so that SORT,
 * THREAD and SEARCH on header fields never parse a message again: the SORT keys (RFC 5256, DISPLAY
 * from RFC 5957), the THREAD links, and the SEARCH FROM / TO / CC / BCC / SUBJECT text decoded and
 * normalised as the scan compares it.
 */
import { sentDay } from './dates.js';
import { addressSearchForms } from './address.js';
import { fieldValue, scanHeader, unfold, type HeaderBlock, type HeaderField } from './header.js';
import { headerBytesOf, scannedHeaderOf } from './structure.js';
import { bodyText, decodeHeaderValue, headerText, normalizeForSearch } from './searchText.js';
import { baseOfDecodedSubject, sentTime, sortDisplay, sortMailbox } from './sortKeys.js';
import { isReplyOrForwardOf } from './threads.js';
import type { MessageSummary } from './types.js';

/** The header fields SEARCH reads from the stored table (lower case). */
export const STORED_SEARCH_FIELDS = ['from', 'to', 'cc', 'bcc', 'subject'] as const;
export type StoredSearchField = (typeof STORED_SEARCH_FIELDS)[number];

/**
 * Joins the values of one field in the stored search text. Normalised text merges every white
 * space into one space, so neither a value nor a normalised needle ever holds it: a substring
 * match can never run across two values.
 */
export const SEARCH_VALUE_SEPARATOR = '\n';

export interface StoredFields {
  /** The base subject, lower case (SORT SUBJECT, THREAD). */
  baseSubject: string;
  /** The subject is a reply or forward (THREAD=REFERENCES root grouping). */
  replyOrForward: boolean;
  /** The Date: header's instant in ms, null when it names none (SORT DATE falls back to arrival). */
  sent: number | null;
  /** The Date: header's calendar day, null when it names none (SENT* compare the internal date). */
  sentDay: number | null;
  fromMailbox: string;
  toMailbox: string;
  ccMailbox: string;
  displayFrom: string;
  displayTo: string;
  messageId: string | null;
  inReplyTo: string | null;
  references: string | null;
  /** Per search field: every value and (address fields) every parsed address, normalised; null when absent. */
  search: Record<StoredSearchField, string | null>;
}

function searchText(values: readonly string[] | undefined, field: StoredSearchField): string | null {
  if (values === undefined || values.length === 0) return null;
  const parts = values.map((v) => normalizeForSearch(v));
  if (field !== 'subject') for (const v of values) for (const form of addressSearchForms(v)) parts.push(normalizeForSearch(form));
  return parts.join(SEARCH_VALUE_SEPARATOR);
}

const SEARCHED: ReadonlySet<string> = new Set(STORED_SEARCH_FIELDS);

/**
 * What storedFields reads of the header block, in one scan: every value of the search fields
 * (decoded, as headerValues gives them) and the last Date and References (raw, as lastFieldValue).
 */
function scanStoredHeader(header: Buffer, block: HeaderBlock): ScannedHeader {
  const values = new Map<string, string[]>();
  let date: HeaderField | null = null;
  let references: HeaderField | null = null;
  let lastSubject: ScannedHeader['lastSubject'] = null;
  for (const field of block.fields) {
    if (SEARCHED.has(field.key)) {
      // The field's own CRLF is cut before the bytes become text: unfold then has nothing to do
      // for a field on one line (two regular expressions per field, otherwise), and trim() takes
      // what either way leaves at the end.
      let end = field.end;
      if (end - 2 >= field.valueStart && header[end - 1] === 0x0a && header[end - 2] === 0x0d) end -= 2;
      const raw = unfold(header.toString('utf8', field.valueStart, end)).trim();
      const value = decodeHeaderValue(raw);
      const known = values.get(field.key);
      if (known === undefined) values.set(field.key, [value]);
      else known.push(value);
      if (field.key === 'subject') lastSubject = { raw, decoded: value };
    } else if (field.key === 'date') date = field;
    else if (field.key === 'references') references = field;
  }
  return { values, lastSubject, date: date && fieldValue(header, date), references: references && fieldValue(header, references) };
}

interface ScannedHeader {
  /** Every value of each search field, decoded. */
  values: Map<string, string[]>;
  /** The last Subject field's value before and after decodeHeaderValue (the one ENVELOPE and SORT take). */
  lastSubject: { raw: string; decoded: string } | null;
  date: string | null;
  references: string | null;
}

/**
 * The envelope's subject with its encoded words decoded. The scan above decoded the same field
 * from its UTF-8 text, trimmed; where that text is the envelope's (no trailing white space, no
 * 8-bit bytes that the envelope keeps as escapes: nearly every message) the same call on the same
 * string gave it already. Otherwise it is decoded here.
 */
function decodedSubject(subject: string, scanned: ScannedHeader): string {
  const last = scanned.lastSubject;
  return last !== null && last.raw === subject ? last.decoded : decodeHeaderValue(subject);
}

/** `header`: the summary's header block as bytes, when the caller has them already (encoded once). */
export function storedFields(summary: MessageSummary, header: Buffer = headerBytesOf(summary)): StoredFields {
  const envelope = summary.envelope;
  const search = {} as Record<StoredSearchField, string | null>;
  // The block summarizeMessage scanned when these are its bytes, else a scan here.
  const scanned = scanStoredHeader(header, scannedHeaderOf(summary, header) ?? scanHeader(header, 0, header.length));
  for (const field of STORED_SEARCH_FIELDS) search[field] = searchText(scanned.values.get(field), field);
  // The subject is decoded once (by the scan) for the SEARCH text, the base subject and the reply test.
  const subject = envelope.subject;
  const base = subject === null ? '' : baseOfDecodedSubject(decodedSubject(subject, scanned));
  return {
    baseSubject: base.toLowerCase(),
    replyOrForward: subject !== null && isReplyOrForwardOf(subject, base),
    sent: sentTime(envelope.date),
    // As the SENT* scan reads it from the header block.
    sentDay: sentDay(scanned.date),
    fromMailbox: sortMailbox(envelope.from),
    toMailbox: sortMailbox(envelope.to),
    ccMailbox: sortMailbox(envelope.cc),
    displayFrom: sortDisplay(envelope.from),
    displayTo: sortDisplay(envelope.to),
    messageId: envelope.messageId,
    inReplyTo: envelope.inReplyTo,
    references: scanned.references,
    search,
  };
}

/** A message's text as SEARCH TEXT / BODY compare it, for the search_engine index. */
export interface SearchText {
  header: string;
  body: string;
}

/** The normalised header and body text of a message (its file's bytes and summary). */
export function searchTextOf(summary: MessageSummary, message: Buffer): SearchText {
  return { header: normalizeForSearch(headerText(summary.header)), body: normalizeForSearch(bodyText(summary, message)) };
}
