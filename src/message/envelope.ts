/** ENVELOPE (RFC 3501 7.4.2) from a scanned header block. */
import { parseAddressList } from './address.js';
import { fieldValue, type HeaderBlock } from './header.js';
import type { Address, Envelope } from './types.js';

const ENVELOPE_FIELDS = new Set([
  'date', 'subject', 'from', 'sender', 'reply-to', 'to', 'cc', 'bcc', 'in-reply-to', 'message-id',
]);

/**
 * Build the envelope as Cyrus 3.6 does: the last occurrence of a repeated field counts; a field that is
 * present but empty gives "" for text fields and NIL for address fields; Sender and Reply-To default to
 * From (RFC 3501 7.4.2).
 */
export function buildEnvelope(buf: Buffer, block: HeaderBlock): Envelope {
  const values = new Map<string, string>();
  for (const field of block.fields) {
    if (ENVELOPE_FIELDS.has(field.key)) values.set(field.key, fieldValue(buf, field));
  }
  const text = (key: string): string | null => {
    return values.get(key) ?? null;
  };
  const addresses = (key: string): Address[] | null => {
    const value = values.get(key);
    return value === undefined ? null : parseAddressList(value);
  };
  const from = addresses('from');
  return {
    date: text('date'),
    subject: text('subject'),
    from,
    sender: addresses('sender') ?? from,
    replyTo: addresses('reply-to') ?? from,
    to: addresses('to'),
    cc: addresses('cc'),
    bcc: addresses('bcc'),
    inReplyTo: text('in-reply-to'),
    messageId: text('message-id'),
  };
}
