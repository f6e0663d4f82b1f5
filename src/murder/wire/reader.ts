/**
 * mupdate traffic (RFC 3656 section 3) read with the shared word reader of src/common in its
 * mupdate dialect: atoms, quoted strings and literals `{N}` / `{N+}` (as UTF-8 text) separated by
 * spaces and ended by CRLF. Commands (`tag COMMAND args`) and the server's answers
 * (`tag MAILBOX name location acl`, `* OK ...`) share this grammar, so the server and the client
 * read with the same reader. A synchronizing literal `{N}` is reported (`continue`) so a server can
 * send its "+ go ahead" before the octets come; refusals name the line's tag.
 */
import { MUPDATE_WORDS, WireWordReader, type WireEvent, type WireLimits } from '../../common/index.js';

export type Word =
  | { kind: 'atom'; text: string }
  | { kind: 'string'; text: string; literal: boolean };

export type LineEvent =
  | { kind: 'line'; words: Word[] }
  /** The line broke the grammar (the whole line was consumed); `tag` when one was read. */
  | { kind: 'syntax'; message: string; tag: string | null }
  /** A line longer than the limit (consumed, with its literals). */
  | { kind: 'tooLong'; tag: string | null }
  /** A literal over the limit: reported at its header; its octets and the line's rest are dropped. */
  | { kind: 'literalTooBig'; size: number; tag: string | null }
  /** A synchronizing literal `{N}` within the limit was announced: the peer waits for a go-ahead. */
  | { kind: 'continue' };

export type ReaderLimits = WireLimits;

function lineEvent(event: WireEvent<Word>): LineEvent {
  return event.kind === 'literalTooBig' ? { kind: 'literalTooBig', size: event.size, tag: event.tag } : event;
}

export class LineReader extends WireWordReader<Word, LineEvent> {
  constructor(limits: ReaderLimits) {
    super(limits, MUPDATE_WORDS, lineEvent);
  }
}
