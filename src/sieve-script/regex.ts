/**
 * The :regex match type (draft-ietf-sieve-regex, as Cyrus has it): keys are POSIX extended regular
 * expressions (ERE), translated here into JavaScript RegExps. Only ERE is accepted: a construct that
 * is not ERE (\d, \w, back-references, lazy or possessive quantifiers, (?...) groups, lookaround) is
 * refused with a message saying what to write instead.
 *
 * A backtracking engine can take exponential time on a pattern like (a+)+, and polynomial time
 * (n³ for a*a*b searched anywhere) on others. Three guards keep a script from stalling delivery:
 * - the RegExps run on V8's linear-time engine (the "l" flag, which needs the V8 option
 *   --enable-experimental-regexp-engine: set here when the process lacks it). ERE needs nothing that
 *   engine lacks (no back-references, no lookaround); i;ascii-casemap is done by the translation
 *   ([aA]) since that engine takes no "i" flag. Where the engine cannot be had, or refuses an
 *   expression (it takes no large bounds like {2,255}), the ordinary one runs;
 * - at translation, a repeated group (*, +, {m,n} with n > 1) may not hold a repetition itself
 *   ((a+)+, (a?b)*) nor an alternation whose branches could start alike ((a|ab)*); a repeated
 *   alternation of plain words with distinct first letters ((com|net|org)+) is fine;
 * - when matching, only the first MAX_REGEX_INPUT characters of a value are tested.
 */
import { setFlagsFromString } from 'node:v8';

/** How many characters of a value a :regex key is tested against. */
export const MAX_REGEX_INPUT = 4096;
/** The largest count in a bound {m,n} (POSIX's RE_DUP_MAX). */
const DUP_MAX = 255;

/** Whether RegExps with the "l" flag (linear time, no backtracking) can be made in this process. */
export const LINEAR_REGEX = ((): boolean => {
  const works = (): boolean => {
    try {
      new RegExp('a', 'l');
      return true;
    } catch {
      return false;
    }
  };
  if (works()) return true;
  try {
    setFlagsFromString('--enable-experimental-regexp-engine');
  } catch {
    return false;
  }
  return works();
})();

export type EreTranslation = { ok: true; source: string } | { ok: false; error: string };

const CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z', digit: '0-9', alnum: 'a-zA-Z0-9', upper: 'A-Z', lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v', blank: ' \\t', punct: '\\x21-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7e',
  print: '\\x20-\\x7e', graph: '\\x21-\\x7e', cntrl: '\\x00-\\x1f\\x7f', xdigit: '0-9A-Fa-f',
};

const ESCAPE_HINTS: Record<string, string> = {
  d: 'use [[:digit:]]', D: 'use [^[:digit:]]', w: 'use [[:alnum:]_]', W: 'use [^[:alnum:]_]',
  s: 'use [[:space:]]', S: 'use [^[:space:]]', b: 'POSIX has no word boundary', B: 'POSIX has no word boundary',
  n: 'header values are unfolded; use [[:space:]]', t: 'use [[:blank:]] or a real tab',
};

class EreError extends Error {}

/** A :regex key built at run time (from variables) that is not a valid ERE. */
export class RegexKeyError extends Error {}

/** What a piece of pattern holds, for the backtracking guard. */
interface Piece {
  source: string;
  /** It holds a repetition (*, +, {m,n} with n > 1). */
  repeats: boolean;
  /** It holds an alternation that is not a list of plain words with distinct first characters. */
  riskyAlternation: boolean;
  /** The literal text it matches, when it is a plain word (no operators); null otherwise. */
  literal: string | null;
}

const JS_SYNTAX = new Set([...'^$\\.*+?()[]{}|/']);
const escapeInClass = (c: string): string => ('\\]^-['.includes(c) ? `\\${c}` : c);
const isLower = (c: string): boolean => c >= 'a' && c <= 'z';
const isUpper = (c: string): boolean => c >= 'A' && c <= 'Z';
const otherCase = (c: string): string => (isLower(c) ? c.toUpperCase() : c.toLowerCase());

/** One character outside a bracket: escaped, [xX] for a letter under i;ascii-casemap, a group for one beyond U+FFFF. */
function literalJs(c: string, casemap: boolean): string {
  if (JS_SYNTAX.has(c)) return `\\${c}`;
  if (casemap && (isLower(c) || isUpper(c))) return `[${c}${otherCase(c)}]`;
  return c.length > 1 ? `(?:${c})` : c;
}

/** A range of a bracket expression, and under i;ascii-casemap the other case of its ASCII letters. */
function rangeJs(low: string, high: string, casemap: boolean): string {
  let out = low === high ? escapeInClass(low) : `${escapeInClass(low)}-${escapeInClass(high)}`;
  if (!casemap) return out;
  const lo = low.charCodeAt(0);
  const hi = high.charCodeAt(0);
  for (const [from, to] of [[97, 122], [65, 90]] as const) {
    const a = Math.max(lo, from);
    const b = Math.min(hi, to);
    if (a <= b) out += `${otherCase(String.fromCharCode(a))}-${otherCase(String.fromCharCode(b))}`;
  }
  return out;
}

/**
 * Translate a POSIX ERE into a JavaScript RegExp source for the flag "s" (and "l"), the
 * i;ascii-casemap comparator (`casemap`) written into it.
 */
export function translateEre(pattern: string, casemap = false): EreTranslation {
  try {
    const parser = new EreParser(Array.from(pattern), casemap);
    const piece = parser.alternation();
    if (parser.pos < parser.chars.length) throw new EreError('unmatched ")"');
    return { ok: true, source: piece.source };
  } catch (e) {
    if (e instanceof EreError) return { ok: false, error: e.message };
    throw e;
  }
}

class EreParser {
  pos = 0;
  constructor(readonly chars: string[], private readonly casemap: boolean) {}

  private peek(offset = 0): string | undefined {
    return this.chars[this.pos + offset];
  }

  alternation(): Piece {
    const branches = [this.sequence()];
    while (this.peek() === '|') {
      this.pos += 1;
      branches.push(this.sequence());
    }
    if (branches.length === 1) return branches[0]!;
    const firsts = branches.map((b) => (b.literal === null || b.literal === '' ? null : b.literal[0]!.toLowerCase()));
    const plain = firsts.every((f) => f !== null) && new Set(firsts).size === firsts.length;
    return {
      source: branches.map((b) => b.source).join('|'),
      repeats: branches.some((b) => b.repeats),
      riskyAlternation: !plain || branches.some((b) => b.riskyAlternation),
      literal: null,
    };
  }

  private sequence(): Piece {
    const out: Piece = { source: '', repeats: false, riskyAlternation: false, literal: '' };
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') return out;
      let atom = this.atom();
      atom = this.quantified(atom);
      out.source += atom.source;
      out.repeats ||= atom.repeats;
      out.riskyAlternation ||= atom.riskyAlternation;
      out.literal = out.literal !== null && atom.literal !== null ? out.literal + atom.literal : null;
    }
  }

  private atom(): Piece {
    const c = this.peek()!;
    this.pos += 1;
    const plain = (source: string, literal: string | null = null): Piece => ({ source, repeats: false, riskyAlternation: false, literal });
    switch (c) {
      case '*':
      case '+':
      case '?':
        throw new EreError(`"${c}" has nothing to repeat (write \\\\${c} for the character itself)`);
      case '{':
        throw new EreError('"{" has nothing to repeat (write \\\\{ for the character itself)');
      case '.':
        return plain('.');
      case '^':
      case '$':
        return plain(c);
      case '[':
        return plain(this.bracket());
      case '(': {
        if (this.peek() === ')') {
          this.pos += 1;
          return plain('()', '');
        }
        const inner = this.alternation();
        if (this.peek() !== ')') throw new EreError('missing ")"');
        this.pos += 1;
        return { ...inner, source: `(${inner.source})`, literal: null };
      }
      case ')':
        throw new EreError('unmatched ")"');
      case '\\': {
        const next = this.peek();
        if (next === undefined) throw new EreError('the pattern ends with a lone "\\\\"');
        this.pos += 1;
        if (/[0-9]/.test(next)) throw new EreError(`"\\\\${next}": back-references are not POSIX extended regular expressions`);
        if (/[A-Za-z]/.test(next)) {
          const hint = ESCAPE_HINTS[next];
          throw new EreError(`"\\\\${next}" is not a POSIX extended regular expression${hint === undefined ? '' : ` (${hint})`}`);
        }
        return plain(literalJs(next, this.casemap), next);
      }
      default:
        return plain(literalJs(c, this.casemap), c);
    }
  }

  /** The repetition after an atom, if any, with the backtracking guard. */
  private quantified(atom: Piece): Piece {
    const c = this.peek();
    let min: number;
    let max: number | null;
    let source: string;
    if (c === '*' || c === '+' || c === '?') {
      this.pos += 1;
      source = c;
      [min, max] = c === '*' ? [0, null] : c === '+' ? [1, null] : [0, 1];
    } else if (c === '{') {
      const rest = this.chars.slice(this.pos).join('');
      const m = /^\{([0-9]+)(,([0-9]*))?\}/.exec(rest);
      if (m === null) throw new EreError('"{" must start a bound like {2}, {2,} or {2,5} (write \\\\{ for the character itself)');
      this.pos += Array.from(m[0]).length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? null : Number(m[3]);
      if (min > DUP_MAX || (max !== null && max > DUP_MAX)) throw new EreError(`a bound may not exceed ${DUP_MAX}`);
      if (max !== null && max < min) throw new EreError(`bad bound ${m[0]}: the second number is smaller than the first`);
      source = m[0];
    } else {
      return atom;
    }
    const next = this.peek();
    if (next === '*' || next === '+' || next === '?' || next === '{') {
      throw new EreError(`two repetitions in a row ("${c}${next}"): lazy and possessive repetitions are not POSIX; use parentheses to repeat a repetition`);
    }
    if (atom.source === '^' || atom.source === '$') throw new EreError(`"${c}" cannot repeat an anchor`);
    const many = max === null || max > 1;
    if (many && atom.repeats) {
      throw new EreError('a repetition inside a repeated group (like (a+)+) can take exponential time; it is not allowed');
    }
    if (many && atom.riskyAlternation) {
      throw new EreError('a repeated alternation whose branches can start alike (like (a|ab)*) can take exponential time; it is not allowed');
    }
    // Any repetition (even "?") counts inside a group repeated again: (a?)+ is refused too.
    return { source: atom.source + source, repeats: true, riskyAlternation: atom.riskyAlternation, literal: null };
  }

  /** A bracket expression, after its "[": POSIX rules (a leading "]" is literal, "\\" is not special). */
  private bracket(): string {
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.pos += 1;
    }
    const items: string[] = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw new EreError('missing "]"');
      if (c === ']' && !first) {
        this.pos += 1;
        break;
      }
      first = false;
      if (c === '[' && this.peek(1) === ':') {
        const end = this.findClose(':');
        const name = this.chars.slice(this.pos + 2, end).join('');
        let members = CLASSES[name];
        if (members === undefined) throw new EreError(`unknown character class "[:${name}:]"`);
        // Under i;ascii-casemap a class of one case holds the other too (as POSIX's REG_ICASE has it).
        if (this.casemap && name === 'upper') members += 'a-z';
        if (this.casemap && name === 'lower') members += 'A-Z';
        items.push(members);
        this.pos = end + 2;
        continue;
      }
      const low = this.bracketChar();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.pos += 1;
        const high = this.bracketChar();
        if (high.codePointAt(0)! < low.codePointAt(0)!) throw new EreError(`bad range "${low}-${high}" in a bracket expression`);
        items.push(rangeJs(low, high, this.casemap));
      } else {
        items.push(rangeJs(low, low, this.casemap));
      }
    }
    return `[${negate ? '^' : ''}${items.join('')}]`;
  }

  /** One character of a bracket expression: itself, [.c.] or [=c=]. */
  private bracketChar(): string {
    const c = this.peek()!;
    if (c.length > 1) throw new EreError(`"${c}": characters beyond U+FFFF are not supported in a bracket expression`);
    if (c === '[' && (this.peek(1) === '.' || this.peek(1) === '=')) {
      const kind = this.peek(1)!;
      const end = this.findClose(kind);
      const inner = this.chars.slice(this.pos + 2, end);
      if (inner.length !== 1 || inner[0]!.length > 1) throw new EreError(`"[${kind}${inner.join('')}${kind}]": only single characters are supported`);
      this.pos = end + 2;
      return inner[0]!;
    }
    this.pos += 1;
    return c;
  }

  /** Where the closing "X]" of a "[X" starting at pos is. */
  private findClose(kind: string): number {
    for (let i = this.pos + 2; i + 1 < this.chars.length; i += 1) {
      if (this.chars[i] === kind && this.chars[i + 1] === ']') return i;
    }
    throw new EreError(`missing "${kind}]" in a bracket expression`);
  }
}

/**
 * A translated ERE as a RegExp: on the linear engine when it takes it (it refuses large bounds such
 * as {2,255}), else on the ordinary one, where the translation's guards and the input cap apply.
 */
function compiledRegExp(source: string): RegExp | string {
  if (LINEAR_REGEX) {
    try {
      return new RegExp(source, 'ls');
    } catch {
      // falls through to the backtracking engine
    }
  }
  try {
    return new RegExp(source, 's');
  } catch (e) {
    return `cannot be compiled (${e instanceof Error ? e.message : String(e)})`;
  }
}

/** Compiled :regex keys, kept with the script. */
export class RegexCache {
  private readonly cache = new Map<string, RegExp | string>();
  constructor(private readonly limit = 500) {}

  /** The RegExp of a key, or why it is not a valid ERE. */
  get(pattern: string, casemap: boolean): RegExp | string {
    const key = (casemap ? 'c' : 'o') + pattern;
    let re = this.cache.get(key);
    if (re === undefined) {
      const t = translateEre(pattern, casemap);
      re = t.ok ? compiledRegExp(t.source) : t.error;
      if (this.cache.size >= this.limit) this.cache.clear();
      this.cache.set(key, re);
    }
    return re;
  }
}
