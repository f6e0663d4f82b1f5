/**
 * ManageSieve commands (RFC 5804 section 4) read with the shared word reader of src/common in its
 * ManageSieve dialect: words, numbers and strings (as octets) separated by spaces, ended by CRLF.
 * Both literal forms `{N+}` and `{N}` are read at once: ManageSieve has no continuation request.
 * This file only names the events in the session's words.
 */
import { MANAGESIEVE_WORDS, WireWordReader, type WireLimits } from '../../common/index.js';

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

export class CommandReader {
  private readonly words: WireWordReader<Token>;

  constructor(readonly limits: ReaderLimits) {
    this.words = new WireWordReader<Token>(limits, MANAGESIEVE_WORDS);
  }

  get bufferedBytes(): number {
    return this.words.bufferedBytes;
  }

  push(chunk: Buffer): void {
    this.words.push(chunk);
  }

  /** Drop everything buffered (after STARTTLS nothing sent in plaintext survives). */
  clear(): void {
    this.words.clear();
  }

  /** Whether more input is buffered (the session flushes its answers when none is). */
  hasInput(): boolean {
    return this.words.bufferedBytes > 0;
  }

  /** The next event, or null when more bytes are needed. */
  next(): CommandEvent | null {
    const event = this.words.next();
    if (event === null) return null;
    switch (event.kind) {
      case 'line': return { kind: 'command', tokens: event.words };
      case 'syntax': return { kind: 'syntax', message: event.message };
      case 'tooLong': return { kind: 'tooLong' };
      case 'literalTooBig': return { kind: 'literalTooBig', size: event.size, limit: event.limit };
      // Not in this dialect: `{N}` is read at once.
      case 'continue': return this.next();
    }
  }
}
