/**
 * Comparators (RFC 4790: i;octet, i;ascii-casemap, i;ascii-numeric), match types (:is, :contains,
 * :matches of RFC 5228), the relational :count / :value (RFC 5231) and :list (RFC 6134, whose
 * lists the caller resolves).
 */

import { MAX_REGEX_INPUT, RegexCache, RegexKeyError } from './regex.js';

export type ComparatorName = 'i;octet' | 'i;ascii-casemap' | 'i;ascii-numeric';
export type RelationalOperator = 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne';
export const RELATIONAL_OPERATORS: readonly RelationalOperator[] = ['gt', 'ge', 'lt', 'le', 'eq', 'ne'];
export const COMPARATORS: readonly ComparatorName[] = ['i;octet', 'i;ascii-casemap', 'i;ascii-numeric'];

export interface MatchSpec {
  /** :list (extlists): the keys are list names, and a value matches when a list holds it; the comparator is not used. */
  type: 'is' | 'contains' | 'matches' | 'count' | 'value' | 'regex' | 'list';
  /** For :count and :value. */
  relation: RelationalOperator | null;
  comparator: ComparatorName;
}

/** ASCII-only lower-casing (i;ascii-casemap leaves every other character as it is). */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * i;ascii-numeric: the value of the leading digits; a string that does not start with a digit is
 * positive infinity. Kept as a digit string without leading zeros so that any length compares.
 */
function numericKey(s: string): string | null {
  let end = 0;
  while (end < s.length && s.charCodeAt(end) >= 48 && s.charCodeAt(end) <= 57) end += 1;
  if (end === 0) return null;
  const digits = s.slice(0, end).replace(/^0+(?=\d)/, '');
  return digits;
}

/** The comparator's order of a and b: negative, 0 or positive. */
export function compareValues(comparator: ComparatorName, a: string, b: string): number {
  if (comparator === 'i;ascii-numeric') {
    const x = numericKey(a);
    const y = numericKey(b);
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    if (x.length !== y.length) return x.length - y.length;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = comparator === 'i;ascii-casemap' ? asciiLower(a) : a;
  const y = comparator === 'i;ascii-casemap' ? asciiLower(b) : b;
  return compareCodePoints(x, y);
}

/** Order by code point, which is the order of the UTF-8 octets (UTF-16 order is not, past U+FFFF). */
function compareCodePoints(x: string, y: string): number {
  if (x === y) return 0;
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i += 1) {
    const a = x.charCodeAt(i);
    const b = y.charCodeAt(i);
    if (a === b) continue;
    const surrogateA = a >= 0xd800 && a <= 0xdfff;
    const surrogateB = b >= 0xd800 && b <= 0xdfff;
    if (surrogateA !== surrogateB) return surrogateA ? 1 : -1;
    return a - b;
  }
  return x.length - y.length;
}

/** Equality under a comparator, without building an order. */
function equalValues(comparator: ComparatorName, a: string, b: string): boolean {
  if (comparator === 'i;octet') return a === b;
  if (comparator === 'i;ascii-casemap') return a.length === b.length && asciiLower(a) === asciiLower(b);
  return compareValues(comparator, a, b) === 0;
}

export function relationHolds(relation: RelationalOperator, order: number): boolean {
  switch (relation) {
    case 'gt': return order > 0;
    case 'ge': return order >= 0;
    case 'lt': return order < 0;
    case 'le': return order <= 0;
    case 'eq': return order === 0;
    case 'ne': return order !== 0;
  }
}

/** A :matches pattern compiled once: literal runs and the two wildcards, over code points. */
export type GlobPart = { kind: 'star' } | { kind: 'one' } | { kind: 'char'; value: string };

export function compileGlob(pattern: string, casemap: boolean): GlobPart[] {
  const parts: GlobPart[] = [];
  const chars = Array.from(casemap ? asciiLower(pattern) : pattern);
  for (let i = 0; i < chars.length; i += 1) {
    const c = chars[i]!;
    if (c === '\\' && i + 1 < chars.length) { parts.push({ kind: 'char', value: chars[i + 1]! }); i += 1; }
    else if (c === '*') parts.push({ kind: 'star' });
    else if (c === '?') parts.push({ kind: 'one' });
    else parts.push({ kind: 'char', value: c });
  }
  return parts;
}

/**
 * Match a value against a compiled pattern; the captures (one per wildcard, as RFC 5229 lists
 * them) or null when it does not match. Backtracks only to the last "*", so it costs at most
 * pattern length times value length. An earlier "*" takes the shortest text that lets the rest
 * match, a later one what is left ("[*] *" on "[a] [b] c" gives "a" and "[b] c").
 */
export function matchGlob(parts: readonly GlobPart[], value: string, casemap: boolean): string[] | null {
  const original = Array.from(value);
  const text = casemap ? Array.from(asciiLower(value)) : original;
  // For each pattern position that is a wildcard, where its capture starts and ends.
  const starts = new Array<number>(parts.length).fill(0);
  const ends = new Array<number>(parts.length).fill(0);
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const part = parts[p];
    if (part !== undefined && part.kind === 'star') {
      starP = p;
      starT = t;
      starts[p] = t;
      ends[p] = t;
      p += 1;
      continue;
    }
    if (part !== undefined && (part.kind === 'one' || part.value === text[t])) {
      if (part.kind === 'one') { starts[p] = t; ends[p] = t + 1; }
      p += 1;
      t += 1;
      continue;
    }
    if (starP < 0) return null;
    // Give the last "*" one more character and try the rest again from there.
    starT += 1;
    ends[starP] = starT;
    p = starP + 1;
    t = starT;
  }
  while (p < parts.length && parts[p]!.kind === 'star') {
    starts[p] = t;
    ends[p] = t;
    p += 1;
  }
  if (p < parts.length) return null;
  const captures: string[] = [];
  for (let i = 0; i < parts.length; i += 1) {
    if (parts[i]!.kind !== 'char') captures.push(original.slice(starts[i], ends[i]).join(''));
  }
  return captures;
}

/** A small cache of compiled patterns, kept with the compiled script. */
export class GlobCache {
  private readonly cache = new Map<string, GlobPart[]>();
  /** The :regex keys (regex.ts). */
  readonly regexes = new RegexCache();
  constructor(private readonly limit = 500) {}
  get(pattern: string, casemap: boolean): GlobPart[] {
    const key = (casemap ? 'c' : 'o') + pattern;
    let parts = this.cache.get(key);
    if (parts === undefined) {
      parts = compileGlob(pattern, casemap);
      if (this.cache.size >= this.limit) this.cache.clear();
      this.cache.set(key, parts);
    }
    return parts;
  }
}

/** The outcome of a match: whether it holds, and the :matches captures of the match that held. */
export interface MatchOutcome {
  matched: boolean;
  /** ${0} then one per wildcard; only for a :matches that held. */
  captures: string[] | null;
}

const NO_MATCH: MatchOutcome = { matched: false, captures: null };

/**
 * Whether any of the values matches any of the keys (RFC 5228 2.7.1); for :count, the number of
 * values compared to each key. `values` are what the test found (header values, address parts).
 */
export function matchAny(
  spec: MatchSpec, values: readonly string[], keys: readonly string[], globs: GlobCache, listHolds?: (list: string, value: string) => boolean,
): MatchOutcome {
  const casemap = spec.comparator === 'i;ascii-casemap';
  switch (spec.type) {
    case 'list':
      // ${0} is the value a list held, as Cyrus sets it.
      for (const value of values) {
        for (const key of keys) if (listHolds?.(key, value)) return { matched: true, captures: [value] };
      }
      return NO_MATCH;
    case 'count': {
      const count = String(values.length);
      for (const key of keys) {
        if (relationHolds(spec.relation!, compareValues(spec.comparator, count, key))) return { matched: true, captures: null };
      }
      return NO_MATCH;
    }
    case 'value':
      for (const value of values) {
        for (const key of keys) {
          if (relationHolds(spec.relation!, compareValues(spec.comparator, value, key))) return { matched: true, captures: null };
        }
      }
      return NO_MATCH;
    case 'is':
      for (const value of values) {
        for (const key of keys) if (equalValues(spec.comparator, value, key)) return { matched: true, captures: null };
      }
      return NO_MATCH;
    case 'contains': {
      const wanted = casemap ? keys.map(asciiLower) : keys;
      for (const value of values) {
        const v = casemap ? asciiLower(value) : value;
        for (const key of wanted) if (v.includes(key)) return { matched: true, captures: null };
      }
      return NO_MATCH;
    }
    case 'regex':
      for (const key of keys) {
        const re = globs.regexes.get(key, casemap);
        if (typeof re === 'string') throw new RegexKeyError(`:regex "${key}": ${re}`);
        for (const value of values) {
          const m = re.exec(value.length > MAX_REGEX_INPUT ? value.slice(0, MAX_REGEX_INPUT) : value);
          if (m !== null) return { matched: true, captures: Array.from(m, (x) => x ?? '') };
        }
      }
      return NO_MATCH;
    case 'matches':
      for (const value of values) {
        for (const key of keys) {
          const captures = matchGlob(globs.get(key, casemap), value, casemap);
          if (captures !== null) return { matched: true, captures: [value, ...captures] };
        }
      }
      return NO_MATCH;
  }
}
