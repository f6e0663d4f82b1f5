/**
 * The Sieve language (RFC 5228 and the extensions in SUPPORTED_EXTENSIONS): compile a script's text
 * into a checked program, and run a program against one message to get its actions. Pure: no I/O,
 * no clock of its own (the caller passes `now`), no knowledge of mailboxes beyond the questions it
 * asks through SieveEnvironment. Used by ManageSieve (PUTSCRIPT, CHECKSCRIPT) and by delivery.
 *
 * CONTRACT FILE: the helper building the language replaces the bodies below.
 */

/** The extensions this implementation knows, in the order CAPABILITY lists them. */
export const SUPPORTED_EXTENSIONS: readonly string[] = [];

/** A script that parsed and passed every check (require, arguments, tags, comparators). */
export interface CompiledScript {
  /** The extensions the script required. */
  readonly requires: readonly string[];
}

export type CompileResult =
  | { ok: true; script: CompiledScript }
  /** Each error as "line N: what is wrong" (the first one is what ManageSieve answers). */
  | { ok: false; errors: string[] };

export interface CompileOptions {
  /** The extensions the server allows (sieve_extensions); default SUPPORTED_EXTENSIONS. */
  extensions?: readonly string[];
}

export function compileSieve(_source: string, _options: CompileOptions = {}): CompileResult {
  throw new Error('not built yet');
}

/** What a script sees of the message being delivered. */
export interface SieveMessage {
  /** The raw header block (up to and including the blank line), CRLF line ends. */
  readonly header: Buffer;
  /** The whole message (for the body test), CRLF line ends. */
  readonly content: Buffer;
  /** Its size in octets. */
  readonly size: number;
}

/** The delivery the script runs for. */
export interface SieveEnvironment {
  /** SMTP MAIL FROM without the brackets; "" for the null reverse-path <>. */
  readonly envelopeFrom: string;
  /** The recipient address as given in RCPT TO, without the brackets ("fred+lists@example.com"). */
  readonly envelopeTo: string;
  /** The user's own addresses, for vacation's "was this sent to me" check (RFC 5230 4.5). */
  readonly userAddresses: readonly string[];
  /** Whether a mailbox exists (mailboxexists, RFC 5490), by the name the script wrote. */
  mailboxExists(name: string): boolean;
}

export type SieveAction =
  /** Store into the recipient's own mailbox (explicit keep, or the implicit keep). */
  | { type: 'keep'; flags: readonly string[] | null }
  | { type: 'fileinto'; mailbox: string; flags: readonly string[] | null; create: boolean }
  | { type: 'redirect'; address: string }
  | { type: 'discard' }
  /** reject / ereject (RFC 5429): refuse the message with this reason. */
  | { type: 'reject'; reason: string; extended: boolean }
  /**
   * vacation (RFC 5230), only when the checks of 4.5/4.6 that need the message passed; the caller
   * applies the response tracking (`handle`, `seconds`) and sends the reply to `to`.
   */
  | {
      type: 'vacation';
      to: string;
      from: string | null;
      subject: string;
      reason: string;
      mime: boolean;
      handle: string;
      seconds: number;
      inReplyTo: string | null;
    };

export interface SieveOutcome {
  /** What to do, in the order the script asked; the implicit keep is in it when it applies. */
  actions: SieveAction[];
  /** A runtime error (the caller keeps the message, as RFC 5228 2.10.6 says). */
  error: string | null;
}

export function runSieve(_script: CompiledScript, _message: SieveMessage, _env: SieveEnvironment): SieveOutcome {
  throw new Error('not built yet');
}
