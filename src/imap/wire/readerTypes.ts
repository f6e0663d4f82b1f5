/** What the command reader produces, and its options (see reader.ts). */

export type CommandPart =
  | { kind: 'text'; bytes: Buffer }
  | { kind: 'literal'; bytes: Buffer; binary: boolean; nonSync: boolean };

export interface RawCommand {
  tag: string;
  /** The command name, upper-cased (`UID` for every UID command; the parser reads the rest). */
  name: string;
  /** Argument text (starting after the name) and literals, in order. */
  parts: CommandPart[];
  /** Bytes of arguments, literals included. */
  size: number;
}

export type ReaderErrorKind =
  | 'lineTooLong'
  | 'literalTooBig'
  | 'nonSyncLiteralTooBig'
  | 'nonSyncLiteralNotAllowed'
  | 'argumentsTooBig'
  | 'tooManyLiterals'
  | 'badTag'
  | 'missingCommand';

export interface ReaderError {
  kind: ReaderErrorKind;
  /** The command's tag when it could be read; the answer is untagged otherwise. */
  tag: string | null;
  status: 'NO' | 'BAD';
  /** Response code to send (`TOOBIG`) or null. */
  code: string | null;
  message: string;
  /** The connection must be closed (`* BYE`); the reader is closed. */
  fatal: boolean;
}

export type ReaderEvent =
  | { type: 'command'; command: RawCommand }
  | { type: 'literal'; tag: string; name: string; size: number; binary: boolean }
  | { type: 'error'; error: ReaderError };

export type LineResult = { type: 'line'; text: string } | { type: 'error'; error: ReaderError };

export interface CommandReaderOptions {
  /** Longest command line between literals, CRLF excluded (imapd.conf maxlinelength). */
  maxLineLength: number;
  /** Largest literal in commands other than APPEND (maxliteral). */
  maxLiteralSize: number;
  /** Largest literal in APPEND (maxmessagesize). */
  maxAppendLiteralSize: number;
  /** Most bytes of arguments in one command, literals included; 0 for no limit (maxargssize). */
  maxArgumentsSize?: number;
  /** Most literals in one command; 0 for no limit. Each literal costs memory beyond its bytes. */
  maxLiterals?: number;
  /** Non-synchronising literals advertised: LITERAL+ ('plus'), LITERAL- ('minus', up to 4096) or none. */
  literalPlus: 'plus' | 'minus' | 'none';
  /**
   * What to do with a non-synchronising literal the server refuses (RFC 7888 section 4): the client
   * sends its data anyway, so either close the connection ('close', the default: Cyrus 3.6 answers
   * `* BYE [TOOBIG]`) or read and discard the data, keeping the connection ('discard').
   */
  refusedNonSyncLiteral?: 'discard' | 'close';
}
