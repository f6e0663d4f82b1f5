/**
 * The IMAP text of ENVELOPE and BODYSTRUCTURE, rendered once when a message is cached (as Cyrus
 * caches its envelope as IMAP text) so that FETCH copies it instead of parsing the cached summary
 * and formatting it again per message. Header text holding escaped 8-bit bytes (rawText.ts) is
 * kept as the exact bytes the serializer would send: a Buffer instead of a string.
 */
import { formatBodyStructure, formatEnvelope } from '../imap/wire/serialize/body.js';
import { encodeHeaderText, hasEscapedBytes } from './rawText.js';
import type { MessageSummary } from './types.js';

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
