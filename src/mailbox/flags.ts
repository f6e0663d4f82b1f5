/**
 * Message flags: the system flags as bits of the index record, keywords (IMAP atoms, case
 * preserved as first defined in the mailbox, compared case-insensitively).
 */
import { MailError } from '../common/errors.js';

export const FLAG_ANSWERED = 1;
export const FLAG_FLAGGED = 2;
export const FLAG_DELETED = 4;
export const FLAG_DRAFT = 8;
/** \Seen in the index: the mailbox owner's (seen-owner.ts), everyone's in a sharedseen mailbox. */
export const FLAG_SEEN = 16;

const SYSTEM: ReadonlyArray<[string, number]> = [
  ['\\Answered', FLAG_ANSWERED],
  ['\\Flagged', FLAG_FLAGGED],
  ['\\Deleted', FLAG_DELETED],
  ['\\Draft', FLAG_DRAFT],
  ['\\Seen', FLAG_SEEN],
];
const SYSTEM_BY_LOWER = new Map(SYSTEM.map(([name, bit]) => [name.toLowerCase(), bit]));

// Atom characters (RFC 3501): no controls, space, ( ) { % * " \ ] and ASCII only.
// eslint-disable-next-line no-control-regex
const NOT_ATOM = /[\x00-\x20\x7f-\uffff(){%*"\\\]]/;
const MAX_KEYWORD = 100;

export interface FlagSet {
  /** Bits of the system flags named (FLAG_SEEN included when \Seen is named). */
  system: number;
  /** Keywords as given (deduplicated case-insensitively). */
  keywords: string[];
}

/**
 * Parse flag names; throws Invalid for \Recent, unknown system flags and malformed keywords, and
 * Limit (NO [LIMIT], not a syntax error) for a keyword longer than this server keeps.
 */
export function parseFlags(flags: readonly string[]): FlagSet {
  let system = 0;
  const keywords = new Map<string, string>();
  for (const flag of flags) {
    if (flag.startsWith('\\')) {
      const bit = SYSTEM_BY_LOWER.get(flag.toLowerCase());
      if (bit === undefined) throw new MailError('Invalid', `${flag} cannot be stored`, { flag });
      system |= bit;
      continue;
    }
    if (flag.length === 0 || NOT_ATOM.test(flag)) throw new MailError('Invalid', 'malformed keyword', { flag });
    if (flag.length > MAX_KEYWORD) throw new MailError('Limit', `Keywords are at most ${MAX_KEYWORD} characters`, { flag });
    if (!keywords.has(flag.toLowerCase())) keywords.set(flag.toLowerCase(), flag);
  }
  return { system, keywords: [...keywords.values()] };
}

/**
 * `flags` split into those a message can be stored with and those parseFlags refuses (\Recent,
 * unknown system flags, malformed or over-long keywords): for callers that must ignore a bad flag
 * rather than fail, as Sieve's imap4flags (RFC 5232 section 2) does.
 */
export function storableFlags(flags: readonly string[]): { storable: string[]; refused: string[] } {
  const storable: string[] = [];
  const refused: string[] = [];
  for (const flag of flags) {
    try {
      parseFlags([flag]);
      storable.push(flag);
    } catch (err) {
      if (!(err instanceof MailError)) throw err;
      refused.push(flag);
    }
  }
  return { storable, refused };
}

/** Flag names of a record, system flags first in RFC order, then keywords. */
export function flagNames(system: number, keywords: readonly string[] | null): string[] {
  const out: string[] = [];
  for (const [name, bit] of SYSTEM) if ((system & bit) !== 0) out.push(name);
  if (keywords) out.push(...keywords);
  return out;
}

/** Keywords as the index stores them: space separated, null when none. */
export function encodeKeywords(keywords: readonly string[]): string | null {
  return keywords.length === 0 ? null : keywords.join(' ');
}

export function decodeKeywords(text: string | null): string[] {
  return text === null || text === '' ? [] : text.split(' ');
}
