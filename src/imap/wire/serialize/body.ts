/**
 * ENVELOPE, BODY and BODYSTRUCTURE from the message model (RFC 3501 7.4.2 formal syntax).
 * BODY is the non-extensible form; BODYSTRUCTURE adds the extension data (for a single part:
 * md5 disposition language location; for a multipart: params disposition language location).
 * Everything is pushed onto one string array and joined once: this is the FETCH hot path.
 */
import type { Address, BodyParams, BodyPart, Disposition, Envelope } from '../../../message/types.js';
import { imapString, nstring } from './strings.js';

function pushAddresses(out: string[], list: Address[] | null): void {
  if (list === null || list.length === 0) {
    out.push('NIL');
    return;
  }
  out.push('(');
  for (const a of list) {
    out.push('(', nstring(a.name), ' ', nstring(a.adl), ' ', nstring(a.mailbox), ' ', nstring(a.host), ')');
  }
  out.push(')');
}

/** Push `(date subject from sender reply-to to cc bcc in-reply-to message-id)`. */
export function pushEnvelope(out: string[], envelope: Envelope): void {
  out.push('(', nstring(envelope.date), ' ', nstring(envelope.subject), ' ');
  pushAddresses(out, envelope.from);
  out.push(' ');
  pushAddresses(out, envelope.sender);
  out.push(' ');
  pushAddresses(out, envelope.replyTo);
  out.push(' ');
  pushAddresses(out, envelope.to);
  out.push(' ');
  pushAddresses(out, envelope.cc);
  out.push(' ');
  pushAddresses(out, envelope.bcc);
  out.push(' ', nstring(envelope.inReplyTo), ' ', nstring(envelope.messageId), ')');
}

export function formatEnvelope(envelope: Envelope): string {
  const out: string[] = [];
  pushEnvelope(out, envelope);
  return out.join('');
}

/** body-fld-param: `("name" "value" ...)` or NIL. */
function pushParams(out: string[], params: BodyParams): void {
  if (params === null || params.length === 0) {
    out.push('NIL');
    return;
  }
  out.push('(');
  for (let i = 0; i < params.length; i++) {
    const [name, value] = params[i]!;
    out.push(i === 0 ? '' : ' ', imapString(name), ' ', imapString(value));
  }
  out.push(')');
}

function pushDisposition(out: string[], disposition: Disposition | null): void {
  if (disposition === null) {
    out.push('NIL');
    return;
  }
  out.push('(', imapString(disposition.type), ' ');
  pushParams(out, disposition.params);
  out.push(')');
}

function pushLanguage(out: string[], language: string[] | null): void {
  if (language === null || language.length === 0) out.push('NIL');
  else if (language.length === 1) out.push(imapString(language[0]!));
  else out.push('(', language.map(imapString).join(' '), ')');
}

function isMessage(part: BodyPart): boolean {
  return part.envelope !== undefined && part.body !== undefined;
}

function pushBody(out: string[], part: BodyPart, extended: boolean): void {
  out.push('(');
  if (part.parts !== undefined) {
    for (const child of part.parts) pushBody(out, child, extended);
    out.push(' ', imapString(part.subtype));
    if (extended) {
      out.push(' ');
      pushParams(out, part.params);
      out.push(' ');
      pushDisposition(out, part.disposition);
      out.push(' ');
      pushLanguage(out, part.language);
      out.push(' ', nstring(part.location));
    }
    out.push(')');
    return;
  }
  out.push(imapString(part.type), ' ', imapString(part.subtype), ' ');
  pushParams(out, part.params);
  out.push(' ', nstring(part.id), ' ', nstring(part.description), ' ', imapString(part.encoding), ' ', String(part.size));
  if (isMessage(part)) {
    out.push(' ');
    pushEnvelope(out, part.envelope!);
    out.push(' ');
    pushBody(out, part.body!, extended);
    out.push(' ', String(part.lines ?? 0));
  } else if (part.type.toUpperCase() === 'TEXT') {
    out.push(' ', String(part.lines ?? 0));
  }
  if (extended) {
    out.push(' ', nstring(part.md5), ' ');
    pushDisposition(out, part.disposition);
    out.push(' ');
    pushLanguage(out, part.language);
    out.push(' ', nstring(part.location));
  }
  out.push(')');
}

/** Push BODYSTRUCTURE (extended) or BODY (non-extensible) data for a part. */
export function pushBodyStructure(out: string[], part: BodyPart, extended: boolean): void {
  pushBody(out, part, extended);
}

export function formatBodyStructure(part: BodyPart, extended: boolean): string {
  const out: string[] = [];
  pushBody(out, part, extended);
  return out.join('');
}
