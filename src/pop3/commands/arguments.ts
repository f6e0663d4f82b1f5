/** The argument shapes POP3 commands share, parsed as Cyrus parses them (with its answers). */
import { Pop3Error } from '../error-map.js';
import { leadingNumber } from '../wire/command-line.js';

const extra = () => new Pop3Error(null, 'Unexpected extra argument');

/** No argument at all (STAT, NOOP, RSET, QUIT, CAPA, STLS). */
export function noArgument(argument: string | null): null {
  if (argument !== null) throw extra();
  return null;
}

/** One required argument text (USER, PASS). */
export function requiredText(argument: string | null): string {
  if (argument === null) throw new Pop3Error(null, 'Missing argument');
  return argument;
}

/** A message number and nothing else. */
export function messageNumber(argument: string): number {
  const parsed = leadingNumber(argument);
  if (!parsed) throw new Pop3Error(null, 'Not a number');
  if (parsed[1] !== '') throw extra();
  return parsed[0];
}

/** An optional message number (LIST, UIDL). */
export function optionalMessageNumber(argument: string | null): number | null {
  return argument === null ? null : messageNumber(argument);
}

/** A required message number (RETR, DELE). */
export function requiredMessageNumber(argument: string | null): number {
  if (argument === null) throw new Pop3Error(null, 'Missing argument');
  return messageNumber(argument);
}

/** TOP msg n. */
export function messageAndLines(argument: string | null): { msgno: number; lines: number } {
  const first = leadingNumber(argument ?? '');
  if (!first || !/^[ \t]+\S/.test(first[1])) throw new Pop3Error(null, 'Missing argument');
  const second = leadingNumber(first[1].replace(/^[ \t]+/, ''));
  if (!second) throw new Pop3Error(null, 'Invalid number of lines');
  if (second[1] !== '') throw extra();
  return { msgno: first[0], lines: second[0] };
}
