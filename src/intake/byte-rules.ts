/**
 * The byte rules every new message passes before it is stored, whichever protocol brought it
 * (see index.ts for the order). Pure: no I/O.
 */
import { MailError } from '../common/index.js';
import { encodeBinaryParts, headerValues, mungeLegacy8bitHeader, normalizeLineEnds } from '../message/index.js';
import type { IncomingMessage, IntakeSettings, PreparedMessage } from './types.js';

const CRLFCRLF = Buffer.from('\r\n\r\n');

/**
 * The key of duplicate suppression, as Cyrus takes it: the first (latest) Resent-Message-ID of
 * the (CRLF) header block, else the first Message-ID, trimmed; null when neither has a value.
 * A resent message is a new delivery of the same Message-ID and must not be suppressed.
 */
function messageIdOf(content: Buffer): string | null {
  const end = content.indexOf(CRLFCRLF);
  const header = end < 0 ? content : content.subarray(0, end + 2);
  for (const field of ['resent-message-id', 'message-id']) {
    const value = headerValues(header, field)[0]?.trim();
    if (value) return value;
  }
  return null;
}

/** Apply the byte rules to a received message; MailError Limit (too big) or Invalid (empty, NUL). */
export function prepareMessage(input: IncomingMessage, settings: Pick<IntakeSettings, 'maxMessageSize' | 'munge8bit'>): PreparedMessage {
  const receivedSize = input.bytes.length;
  if (receivedSize > settings.maxMessageSize) {
    throw new MailError('Limit', 'Message too big', { maxMessageSize: settings.maxMessageSize, tooBig: true });
  }
  if (receivedSize === 0) throw new MailError('Invalid', 'Message contains no data', { empty: true });
  let content = input.binary ? encodeBinaryParts(input.bytes) : input.bytes;
  if (content.indexOf(0) !== -1) throw new MailError('Invalid', 'Message contains NUL characters', { nul: true });
  content = normalizeLineEnds(content);
  if (settings.munge8bit) content = mungeLegacy8bitHeader(content);
  // Worked out when first read: only duplicate suppression (delivery) reads it, never APPEND.
  let messageId: string | null | undefined;
  return {
    content,
    receivedSize,
    get messageId(): string | null {
      if (messageId === undefined) messageId = messageIdOf(content);
      return messageId;
    },
  };
}
