/**
 * The IMAP text of ENVELOPE and BODYSTRUCTURE, rendered once when a message is cached (as Cyrus
 * caches its envelope as IMAP text) so that FETCH copies it instead of parsing the cached summary
 * and formatting it again per message. It is a representation of the message (RFC 3501 7.4.2 formal
 * syntax), so it lives here and the IMAP serializer imports it. BODY is the non-extensible form;
 * BODYSTRUCTURE adds the extension data (for a single part: md5 disposition language location; for a
 * multipart: params disposition language location). Built by string concatenation (V8 ropes,
 * flattened once when written): this is the FETCH hot path. Header text holding escaped 8-bit bytes
 * (rawText.ts) is kept as the exact bytes the serializer would send: a Buffer instead of a string.
 */
import { imapString, nstring } from './imapStrings.js';
import { encodeHeaderText, hasEscapedBytes } from './rawText.js';
import type { Address, BodyParams, BodyPart, Disposition, Envelope, MessageSummary } from './types.js';

/** Wire text, or its bytes when it holds escaped 8-bit bytes (lone surrogates SQLite TEXT cannot keep). */
export type ImapForm = string | Buffer;

export interface ImapForms {
  envelope: ImapForm;
  bodyStructure: ImapForm;
}

function toForm(text: string): ImapForm {
  return hasEscapedBytes(text) ? encodeHeaderText(text) : text;
}

export function renderImapForms(summary: MessageSummary): ImapForms {
  return { envelope: toForm(formatEnvelope(summary.envelope)), bodyStructure: toForm(formatBodyStructure(summary.body, true)) };
}

function addresses(list: Address[] | null): string {
  if (list === null || list.length === 0) return 'NIL';
  let out = '(';
  for (const a of list) out += '(' + nstring(a.name) + ' ' + nstring(a.adl) + ' ' + nstring(a.mailbox) + ' ' + nstring(a.host) + ')';
  return out + ')';
}

/** `(date subject from sender reply-to to cc bcc in-reply-to message-id)`. */
export function formatEnvelope(envelope: Envelope): string {
  return (
    '(' + nstring(envelope.date) + ' ' + nstring(envelope.subject) + ' ' + addresses(envelope.from) + ' ' + addresses(envelope.sender) +
    ' ' + addresses(envelope.replyTo) + ' ' + addresses(envelope.to) + ' ' + addresses(envelope.cc) + ' ' + addresses(envelope.bcc) +
    ' ' + nstring(envelope.inReplyTo) + ' ' + nstring(envelope.messageId) + ')'
  );
}

/** body-fld-param: `("name" "value" ...)` or NIL. */
function params(list: BodyParams): string {
  if (list === null || list.length === 0) return 'NIL';
  let out = '(';
  for (let i = 0; i < list.length; i++) {
    const [name, value] = list[i]!;
    out += (i === 0 ? '' : ' ') + imapString(name) + ' ' + imapString(value);
  }
  return out + ')';
}

function disposition(value: Disposition | null): string {
  return value === null ? 'NIL' : '(' + imapString(value.type) + ' ' + params(value.params) + ')';
}

/** body-fld-lang: always the list form, as Cyrus 3.6 writes it (`("EN")`), NIL when absent. */
function language(list: string[] | null): string {
  if (list === null || list.length === 0) return 'NIL';
  return '(' + list.map(imapString).join(' ') + ')';
}

function isMessage(part: BodyPart): boolean {
  return part.envelope !== undefined && part.body !== undefined;
}

/**
 * BODYSTRUCTURE (`extended`) or BODY (non-extensible) data for a part (RFC 3501 7.4.2): a multipart
 * lists its children then its subtype, with params disposition language location as extension
 * data; a single part has type subtype params id description encoding size, then envelope body
 * lines for MESSAGE/RFC822 or lines for TEXT, with md5 disposition language location as extension.
 */
export function formatBodyStructure(part: BodyPart, extended: boolean): string {
  if (part.parts !== undefined) {
    let out = '(';
    for (const child of part.parts) out += formatBodyStructure(child, extended);
    out += ' ' + imapString(part.subtype);
    if (extended) out += ' ' + params(part.params) + ' ' + disposition(part.disposition) + ' ' + language(part.language) + ' ' + nstring(part.location);
    return out + ')';
  }
  let out =
    '(' + imapString(part.type) + ' ' + imapString(part.subtype) + ' ' + params(part.params) + ' ' + nstring(part.id) + ' ' +
    nstring(part.description) + ' ' + imapString(part.encoding) + ' ' + part.size;
  if (isMessage(part)) {
    out += ' ' + formatEnvelope(part.envelope!) + ' ' + formatBodyStructure(part.body!, extended) + ' ' + (part.lines ?? 0);
  } else if (part.type.toUpperCase() === 'TEXT') {
    out += ' ' + (part.lines ?? 0);
  }
  if (extended) out += ' ' + nstring(part.md5) + ' ' + disposition(part.disposition) + ' ' + language(part.language) + ' ' + nstring(part.location);
  return out + ')';
}
