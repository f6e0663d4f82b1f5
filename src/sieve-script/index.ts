/**
 * The Sieve language (RFC 5228 and the extensions in SUPPORTED_EXTENSIONS): compile a script's text
 * into a checked program, and run a program against one message to get its actions. Pure: no I/O,
 * no clock of its own (the caller passes `now`), no knowledge of mailboxes beyond the questions it
 * asks through SieveEnvironment. Used by ManageSieve (PUTSCRIPT, CHECKSCRIPT) and by delivery.
 *
 * The work is split: lexer.ts (tokens), parser.ts (grammar), checks.ts (arguments, tags, require),
 * program.ts (the checked program), match.ts (comparators, match types), address.ts and headers.ts
 * (what header tests see), body.ts, flags.ts, vacation.ts, interpreter.ts (running a program).
 */
import { checkProgram } from './checks.js';
import { runProgram } from './interpreter.js';
import { lexSieve } from './lexer.js';
import { GlobCache } from './match.js';
import { parseSieve } from './parser.js';
import type { Command } from './program.js';

export { lexSieve, type Token } from './lexer.js';
export { parseSieve, MAX_NESTING } from './parser.js';
export { parseAddressList, type ParsedAddress } from './address.js';
export { decodeEncodedWords, parseHeaderBlock } from './headers.js';
export { compareValues, matchAny, matchGlob, compileGlob, GlobCache, type MatchSpec, type ComparatorName } from './match.js';
export { normaliseFlags } from './flags.js';
export { datePart, parseMessageDate, parseZone, DATE_PARTS, type DatePart } from './date.js';

/** The extensions this implementation knows, in the order CAPABILITY lists them. */
export const SUPPORTED_EXTENSIONS: readonly string[] = [
  'fileinto', 'reject', 'ereject', 'envelope', 'body', 'relational', 'comparator-i;ascii-numeric', 'subaddress',
  'copy', 'imap4flags', 'vacation', 'vacation-seconds', 'mailbox', 'variables', 'date',
];

/** The checked program inside a CompiledScript (internal to this folder). */
export interface CompiledProgram {
  readonly commands: readonly Command[];
  readonly globs: GlobCache;
}

/** A script that parsed and passed every check (require, arguments, tags, comparators). */
export interface CompiledScript {
  /** The extensions the script required. */
  readonly requires: readonly string[];
  /** The checked program (absent only in a hand-made script, which then does nothing). */
  readonly program?: CompiledProgram;
}

export type CompileResult =
  | { ok: true; script: CompiledScript }
  /** Each error as "line N: what is wrong" (the first one is what ManageSieve answers). */
  | { ok: false; errors: string[] };

export interface CompileOptions {
  /** The extensions the server allows (sieve_extensions); default SUPPORTED_EXTENSIONS. */
  extensions?: readonly string[];
}

export function compileSieve(source: string, options: CompileOptions = {}): CompileResult {
  const lexed = lexSieve(source);
  if (!lexed.ok) return { ok: false, errors: [lexed.error] };
  const parsed = parseSieve(lexed.tokens);
  if (!parsed.ok) return { ok: false, errors: [parsed.error] };
  const allowed = new Set((options.extensions ?? SUPPORTED_EXTENSIONS)
    .map((e) => e.toLowerCase())
    .filter((e) => SUPPORTED_EXTENSIONS.includes(e)));
  const checked = checkProgram(parsed.commands, allowed);
  if (checked.errors.length > 0) return { ok: false, errors: checked.errors };
  return { ok: true, script: { requires: checked.requires, program: { commands: checked.commands, globs: new GlobCache() } } };
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
  /** The current time for currentdate (RFC 5260); without it currentdate never matches. */
  readonly now?: Date;
  /** The server's time zone as "+hhmm" / "-hhmm" for date and currentdate; default "+0000". */
  readonly zone?: string;
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

/** Limits for one run. */
export interface RunOptions {
  /** Distinct redirects a run may make before it fails (Cyrus's sieve_maxredirects); default 5. */
  maxRedirects?: number;
}

export const DEFAULT_MAX_REDIRECTS = 5;

export function runSieve(script: CompiledScript, message: SieveMessage, env: SieveEnvironment, options: RunOptions = {}): SieveOutcome {
  const program = script.program;
  if (program === undefined) return { actions: [{ type: 'keep', flags: null }], error: null };
  return runProgram(
    { commands: program.commands, globs: program.globs, requires: new Set(script.requires) },
    message, env, options.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
  );
}
