/** The argument shapes ManageSieve commands take, checked into typed values. */
import { scriptNameProblem } from '../../store/index.js';
import { SieveError } from '../error-map.js';
import type { Token } from '../wire/command-reader.js';

export function noArguments(tokens: readonly Token[]): void {
  if (tokens.length > 0) throw new SieveError(null, 'Too many arguments');
}

/** Exactly `count` strings. */
export function strings(tokens: readonly Token[], count: number): Buffer[] {
  if (tokens.length < count) throw new SieveError(null, 'Missing argument');
  if (tokens.length > count) throw new SieveError(null, 'Too many arguments');
  return tokens.map((t) => {
    if (t.kind !== 'string') throw new SieveError(null, 'Expected a string');
    return t.value;
  });
}

/** A string as UTF-8 text; bytes that are not UTF-8 are refused. */
export function utf8(value: Buffer, what: string): string {
  const text = value.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(value)) throw new SieveError(null, `${what} is not valid UTF-8`);
  return text;
}

/** A script name (RFC 5804 1.6; see the store's scriptNameProblem for what we refuse). */
export function scriptName(value: Buffer): string {
  const name = utf8(value, 'Script name');
  const problem = scriptNameProblem(name);
  if (problem !== null) throw new SieveError(null, `Invalid script name: ${problem}`);
  return name;
}
