/**
 * The Sieve lexer (RFC 5228 section 8.1): identifiers, tags, numbers with K/M/G quantifiers,
 * quoted strings with backslash escapes, multi-line `text:` strings with dot-stuffing, the
 * punctuation of the grammar, and hash and bracket comments (skipped). Never throws: a malformed
 * input gives an error with the line it is on.
 */

export type Token =
  | { kind: 'identifier'; value: string; line: number }
  | { kind: 'tag'; value: string; line: number }
  | { kind: 'number'; value: number; line: number }
  | { kind: 'string'; value: string; line: number; multiline: boolean }
  | { kind: 'punct'; value: '[' | ']' | '(' | ')' | ',' | ';' | '{' | '}'; line: number };

export type LexResult = { ok: true; tokens: Token[] } | { ok: false; error: string };

/** The largest number a script may write (RFC 5228 asks for at least 2^31 - 1). */
export const MAX_NUMBER = 2 ** 53 - 1;

const quantifiers: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isDigit = (c: string): boolean => c >= '0' && c <= '9';

export function lexSieve(source: string): LexResult {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  const fail = (at: number, message: string): LexResult => ({ ok: false, error: `line ${at}: ${message}` });

  while (i < source.length) {
    const c = source[i]!;
    if (c === '\n') { line += 1; i += 1; continue; }
    if (c === ' ' || c === '\t' || c === '\r') { i += 1; continue; }
    if (c === '#') {
      while (i < source.length && source[i] !== '\n') i += 1;
      continue;
    }
    if (c === '/' && source[i + 1] === '*') {
      const start = line;
      const end = source.indexOf('*/', i + 2);
      if (end < 0) return fail(start, 'unterminated comment (missing "*/")');
      for (let j = i; j < end; j += 1) if (source[j] === '\n') line += 1;
      i = end + 2;
      continue;
    }
    if ('[](),;{}'.includes(c)) {
      tokens.push({ kind: 'punct', value: c as '[', line });
      i += 1;
      continue;
    }
    if (c === '"') {
      const start = line;
      let value = '';
      i += 1;
      for (;;) {
        if (i >= source.length) return fail(start, 'unterminated string (missing closing ")');
        const d = source[i]!;
        if (d === '"') { i += 1; break; }
        if (d === '\\') {
          // "\\" and "\"" are the escapes; any other backslash is dropped (RFC 5228 2.4.2).
          if (i + 1 >= source.length) return fail(start, 'unterminated string (missing closing ")');
          const e = source[i + 1]!;
          if (e === '\n') line += 1;
          value += e;
          i += 2;
          continue;
        }
        if (d === '\n') line += 1;
        value += d;
        i += 1;
      }
      tokens.push({ kind: 'string', value, line: start, multiline: false });
      continue;
    }
    if (isDigit(c)) {
      let j = i;
      while (j < source.length && isDigit(source[j]!)) j += 1;
      let value = Number(source.slice(i, j));
      const q = source[j]?.toLowerCase();
      if (q !== undefined && q in quantifiers) {
        value *= quantifiers[q]!;
        j += 1;
      }
      if (j < source.length && (isAlpha(source[j]!) || isDigit(source[j]!))) {
        return fail(line, `bad number "${source.slice(i, j + 1)}"`);
      }
      if (!Number.isSafeInteger(value) || value > MAX_NUMBER) return fail(line, `number too large "${source.slice(i, j)}"`);
      tokens.push({ kind: 'number', value, line });
      i = j;
      continue;
    }
    if (c === ':') {
      let j = i + 1;
      if (j >= source.length || !isAlpha(source[j]!)) return fail(line, 'a tag needs a name after ":"');
      while (j < source.length && (isAlpha(source[j]!) || isDigit(source[j]!))) j += 1;
      tokens.push({ kind: 'tag', value: source.slice(i + 1, j).toLowerCase(), line });
      i = j;
      continue;
    }
    if (isAlpha(c)) {
      let j = i;
      while (j < source.length && (isAlpha(source[j]!) || isDigit(source[j]!))) j += 1;
      const word = source.slice(i, j);
      if (word.toLowerCase() === 'text' && source[j] === ':') {
        const result = readMultiline(source, j + 1, line);
        if (!result.ok) return fail(line, result.error);
        tokens.push({ kind: 'string', value: result.value, line, multiline: true });
        line += result.lines;
        i = result.end;
        continue;
      }
      tokens.push({ kind: 'identifier', value: word.toLowerCase(), line });
      i = j;
      continue;
    }
    const shown = c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c;
    return fail(line, `unexpected character "${shown}"`);
  }
  return { ok: true, tokens };
}

type Multiline = { ok: true; value: string; end: number; lines: number } | { ok: false; error: string };

/** After `text:`: blanks, an optional hash comment, the line end, then lines up to a lone ".". */
function readMultiline(source: string, from: number, _line: number): Multiline {
  let i = from;
  while (i < source.length && (source[i] === ' ' || source[i] === '\t')) i += 1;
  if (source[i] === '#') while (i < source.length && source[i] !== '\n') i += 1;
  if (source[i] === '\r') i += 1;
  if (source[i] !== '\n') return { ok: false, error: 'text: must be followed by the end of the line' };
  i += 1;
  let lines = 1;
  let value = '';
  for (;;) {
    if (i >= source.length) return { ok: false, error: 'unterminated text: string (missing a line with a single ".")' };
    let end = source.indexOf('\n', i);
    if (end < 0) end = source.length;
    let text = source.slice(i, end);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const hasEnd = end < source.length;
    if (text === '.') {
      return { ok: true, value, end: hasEnd ? end + 1 : end, lines: lines + (hasEnd ? 1 : 0) };
    }
    if (!hasEnd) return { ok: false, error: 'unterminated text: string (missing a line with a single ".")' };
    value += (text.startsWith('..') ? text.slice(1) : text) + '\r\n';
    lines += 1;
    i = end + 1;
  }
}
