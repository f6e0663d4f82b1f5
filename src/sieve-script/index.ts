/**
 * The Sieve language (RFC 5228 and the extensions in SUPPORTED_EXTENSIONS): compile a script's text
 * into a checked program, and run a program against one message to get its actions. Pure: no I/O,
 * no clock of its own (the caller passes `now`), no knowledge of mailboxes beyond the questions it
 * asks through SieveEnvironment. Used by ManageSieve (PUTSCRIPT, CHECKSCRIPT) and by delivery.
 *
 * The work is split: lexer.ts (tokens), parser.ts (grammar), checks.ts and arguments.ts (require,
 * each command's and test's arguments; checks-extensions.ts for environment, ihave's error,
 * enotify, metadata, special-use and mailboxid), encoded.ts (encoded-character), program.ts (the
 * checked program), match.ts (comparators, match types), address.ts and headers.ts (what header
 * tests see), body.ts, date.ts, flags.ts, vacation.ts, notify.ts (mailto URIs, :encodeurl), and
 * interpreter.ts (running a program).
 */
import { checkProgram } from './checks.js';
import { runProgram } from './interpreter.js';
import { lexSieve } from './lexer.js';
import { GlobCache } from './match.js';
import { parseSieve } from './parser.js';
import type { CompiledProgram, IncludeLoader, SieveEnvironment, SieveMessage, SieveOutcome } from './types.js';

export type {
  CompiledProgram, FccAction, SieveMessage, SieveEnvironment, SieveAction, SieveOutcome, IncludeLoader, IncludeLocation, DuplicateCheck, RedirectDsn, DeliverBy,
} from './types.js';
export { MAX_INCLUDE_DEPTH, MAX_INCLUDES } from './interpreter.js';
export { lexSieve, type Token } from './lexer.js';
export { parseSieve, MAX_NESTING } from './parser.js';
export { parseAddressList, type ParsedAddress } from './address.js';
export { decodeEncodedWords, parseHeaderBlock } from './headers.js';
export { compareValues, matchAny, matchGlob, compileGlob, GlobCache, type MatchSpec, type ComparatorName } from './match.js';
export { normaliseFlags } from './flags.js';
export { translateEre, MAX_REGEX_INPUT, LINEAR_REGEX } from './regex.js';
export { parseMailto, validNotifyMethod, notifyMethodCapability, encodeUrl, type MailtoUri } from './notify.js';
export { datePart, parseMessageDate, parseZone, DATE_PARTS, type DatePart } from './date.js';
export { addressBookOf, ADDRBOOK_URN } from './extlists.js';
export { parseDateTime } from './redirect.js';

/** The extensions this implementation knows, in the order CAPABILITY lists them. */
export const SUPPORTED_EXTENSIONS: readonly string[] = [
  'fileinto', 'reject', 'ereject', 'envelope', 'body', 'relational', 'comparator-i;ascii-numeric', 'subaddress',
  'copy', 'imap4flags', 'vacation', 'vacation-seconds', 'mailbox', 'variables', 'date', 'encoded-character',
  'include', 'regex', 'duplicate', 'editheader', 'environment', 'ihave', 'index', 'enotify', 'mboxmetadata', 'servermetadata',
  'special-use', 'mailboxid', 'fcc', 'extlists', 'redirect-dsn', 'redirect-deliverby', 'vnd.cyrus.log', 'notify',
];

/**
 * Extensions scripts may use that ManageSieve's SIEVE capability does not list: Cyrus 3.6 keeps
 * vnd.cyrus.log out of it (an action for the site's scripts rather than one to offer users), and
 * accepts it all the same; "notify" is the legacy notify draft, kept so that scripts written for
 * Cyrus (whose sieve_extensions turns it on by default) still compile: new ones use enotify.
 */
export const UNADVERTISED_EXTENSIONS: ReadonlySet<string> = new Set(['vnd.cyrus.log', 'notify']);

/**
 * Cyrus 3.6's sieve_extensions values and what each allows here: "notify" its notifications
 * (enotify, RFC 5435, and the legacy notify draft), "imapflags" imap4flags, "reject"
 * reject and ereject, "vacation-seconds" vacation too, "x-cyrus-log" vnd.cyrus.log.
 */
const CYRUS_EXTENSION_NAMES: Readonly<Record<string, readonly string[]>> = {
  notify: ['enotify', 'notify'], imapflags: ['imap4flags'], reject: ['reject', 'ereject'], 'vacation-seconds': ['vacation', 'vacation-seconds'],
  'x-cyrus-log': ['vnd.cyrus.log'],
};

/** What Cyrus 3.6 allows whatever sieve_extensions says (its "always enabled" capabilities). */
const ALWAYS_ON = ['comparator-i;ascii-numeric', 'encoded-character'];

/**
 * The extensions a server allows: all of SUPPORTED_EXTENSIONS when sieve_extensions is not set
 * (`listed` null), else those it lists (Cyrus's names understood) and those Cyrus never turns off,
 * in the language's order. Names of Cyrus's that are not offered here (snooze, vnd.cyrus.jmapquery,
 * vnd.cyrus.imip) are ignored.
 */
export function allowedExtensions(listed: readonly string[] | null): string[] {
  if (listed === null) return [...SUPPORTED_EXTENSIONS];
  const wanted = new Set([...ALWAYS_ON, ...listed.map((e) => e.toLowerCase()).flatMap((e) => CYRUS_EXTENSION_NAMES[e] ?? [e])]);
  return SUPPORTED_EXTENSIONS.filter((e) => wanted.has(e));
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
  const program = { commands: checked.commands, globs: new GlobCache(), requires: new Set(checked.enabled), extensions: allowed };
  return { ok: true, script: { requires: checked.requires, program } };
}

/** Limits for one run. */
export interface RunOptions {
  /** Distinct redirects a run may make before it fails (Cyrus's sieve_maxredirects); default 5. */
  maxRedirects?: number;
  /**
   * Where `include` finds the scripts it names (RFC 6609); without it every include finds nothing
   * (so :optional ones are skipped and the others are a runtime error).
   */
  include?: IncludeLoader;
  /** The running script's own name among the user's scripts: including it again is a loop. */
  scriptName?: string;
}

export const DEFAULT_MAX_REDIRECTS = 5;

export function runSieve(script: CompiledScript, message: SieveMessage, env: SieveEnvironment, options: RunOptions = {}): SieveOutcome {
  const program = script.program;
  if (program === undefined) return { actions: [{ type: 'keep', flags: null }], error: null };
  return runProgram(program, message, env, { maxRedirects: options.maxRedirects ?? DEFAULT_MAX_REDIRECTS, include: options.include, scriptName: options.scriptName });
}
