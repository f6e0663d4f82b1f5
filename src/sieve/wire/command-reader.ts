/**
 * ManageSieve commands (RFC 5804 section 4) read with the shared word reader of src/common in its
 * ManageSieve dialect: words, numbers and strings (as octets) separated by spaces, ended by CRLF.
 * Both literal forms `{N+}` and `{N}` are read at once: ManageSieve has no continuation request.
 * This file only names the events in the session's words (push, next, clear, hasInput come from
 * the shared reader).
 */
import { MANAGESIEVE_WORDS, WireWordReader, type WireEvent, type WireLimits } from '../../common/index.js';

export type Token =
  | { kind: 'atom'; text: string }
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: Buffer; literal: boolean };

export type CommandEvent =
  | { kind: 'command'; tokens: Token[] }
  /** The command broke the grammar (the whole command was consumed). */
  | { kind: 'syntax'; message: string }
  /** A line longer than the limit (consumed, with its literals). */
  | { kind: 'tooLong' }
  /** A literal over the limit: reported at its header; its octets and the command's rest are dropped. */
  | { kind: 'literalTooBig'; size: number; limit: number };

/** `maxLiteral` may change between commands (the session raises it at login). */
export type ReaderLimits = WireLimits;

function commandEvent(event: WireEvent<Token>): CommandEvent | null {
  switch (event.kind) {
    case 'line': return { kind: 'command', tokens: event.words };
    case 'syntax': return { kind: 'syntax', message: event.message };
    case 'tooLong': return { kind: 'tooLong' };
    case 'literalTooBig': return { kind: 'literalTooBig', size: event.size, limit: event.limit };
    // Not in this dialect: `{N}` is read at once.
    case 'continue': return null;
  }
}

export class CommandReader extends WireWordReader<Token, CommandEvent> {
  constructor(limits: ReaderLimits) {
    super(limits, MANAGESIEVE_WORDS, commandEvent);
  }
}
