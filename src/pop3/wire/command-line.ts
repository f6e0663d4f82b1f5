/**
 * The grammar of a POP3 command line (RFC 1939 section 3, as Cyrus reads it): a keyword, then
 * after white space one argument text. PASS keeps its argument as sent after the first space
 * (a password may start or end with spaces); every other command skips leading white space.
 * A keyword followed by white space and nothing else is a syntax error, except for AUTH
 * (some clients send "AUTH " to list the mechanisms).
 */

export interface CommandLine {
  /** The keyword in upper case. */
  name: string;
  /** The argument text; null when there was none. */
  argument: string | null;
}

export class Pop3SyntaxError extends Error {}

const SPACE = /[ \t]/;

export function parseCommandLine(line: string): CommandLine {
  let i = 0;
  while (i < line.length && !SPACE.test(line[i]!)) i++;
  const name = line.slice(0, i).toUpperCase();
  if (i === line.length) return { name, argument: null };
  let argument = line.slice(i + 1);
  if (name !== 'PASS') argument = argument.replace(/^[ \t]+/, '');
  if (argument === '') {
    if (name === 'AUTH') return { name, argument: null };
    throw new Pop3SyntaxError('Syntax error');
  }
  return { name, argument };
}

/** A 32-bit unsigned decimal number at the start of `text`: [value, rest], or null when there is none. */
export function leadingNumber(text: string): [number, string] | null {
  const m = /^\d+/.exec(text);
  if (!m) return null;
  const value = Number(m[0]);
  if (!Number.isSafeInteger(value) || value > 0xffffffff) return null;
  return [value, text.slice(m[0].length)];
}
