/**
 * RFC 2045 / RFC 2183 structured MIME fields: Content-Type, Content-Disposition, Content-Language,
 * Content-Transfer-Encoding. Parsing is lenient in the way Cyrus is: comments are skipped, a broken
 * parameter ends the list, names are upper-cased, values are kept as written (quotes removed).
 */
import type { BodyParams } from './types.js';

/** RFC 2045 tspecials plus whitespace end a token (indexed by char code). */
const TOKEN_END: boolean[] = [];
for (const c of '()<>@,;:\\"/[]?= \t\r\n\f\v') TOKEN_END[c.charCodeAt(0)] = true;

class FieldReader {
  pos = 0;
  constructor(readonly text: string) {}

  /** Skip whitespace and (nested) comments. */
  skipSpace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text[this.pos]!;
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
        this.pos++;
      } else if (c === '(') {
        let depth = 0;
        while (this.pos < text.length) {
          const d = text[this.pos]!;
          if (d === '\\') this.pos++;
          else if (d === '(') depth++;
          else if (d === ')' && --depth === 0) {
            this.pos++;
            break;
          }
          this.pos++;
        }
      } else return;
    }
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  token(): string | null {
    const start = this.pos;
    const text = this.text;
    while (this.pos < text.length && !TOKEN_END[text.charCodeAt(this.pos)]) this.pos++;
    return this.pos > start ? text.slice(start, this.pos) : null;
  }

  /** A quoted string's content (backslash escapes resolved); null if unterminated. */
  quoted(): string | null {
    const text = this.text;
    let out = '';
    this.pos++; // opening quote
    while (this.pos < text.length) {
      const c = text[this.pos++]!;
      if (c === '"') return out;
      if (c === '\\' && this.pos < text.length) out += text[this.pos++]!;
      else out += c;
    }
    return null;
  }

  /** A parameter value: token or quoted string. */
  value(): string | null {
    return this.peek() === '"' ? this.quoted() : this.token();
  }
}

/** `;name=value` pairs after the main value. Names are upper-cased; RFC 2231 forms are kept as written. */
function readParams(reader: FieldReader): BodyParams {
  const params: Array<[string, string]> = [];
  for (;;) {
    reader.skipSpace();
    if (reader.peek() !== ';') break;
    reader.pos++;
    reader.skipSpace();
    if (reader.pos >= reader.text.length) break;
    const name = reader.token();
    if (name === null) break;
    reader.skipSpace();
    if (reader.peek() !== '=') break;
    reader.pos++;
    reader.skipSpace();
    const value = reader.value();
    if (value === null) break;
    params.push([name.toUpperCase(), value]);
  }
  return params.length > 0 ? params : null;
}

export interface ContentType {
  type: string;
  subtype: string;
  params: BodyParams;
}

/** Content-Type value → upper-cased type and subtype with parameters; null when the syntax is unusable. */
export function parseContentType(value: string): ContentType | null {
  const reader = new FieldReader(value);
  reader.skipSpace();
  const type = reader.token();
  if (type === null) return null;
  reader.skipSpace();
  if (reader.peek() !== '/') return null;
  reader.pos++;
  reader.skipSpace();
  const subtype = reader.token();
  if (subtype === null) return null;
  return { type: type.toUpperCase(), subtype: subtype.toUpperCase(), params: readParams(reader) };
}

export interface ParsedDisposition {
  type: string;
  params: BodyParams;
}

/**
 * Content-Disposition value → upper-cased disposition type with parameters; null when empty.
 * A missing type before the parameters gives type "" (as Cyrus reports it).
 */
export function parseDisposition(value: string): ParsedDisposition | null {
  const reader = new FieldReader(value);
  reader.skipSpace();
  if (reader.pos >= value.length) return null;
  const type = reader.token() ?? '';
  return { type: type.toUpperCase(), params: readParams(reader) };
}

/** Content-Language value → upper-cased language tags (comma or space separated), as Cyrus reports them; null when empty. */
export function parseLanguage(value: string): string[] | null {
  const reader = new FieldReader(value);
  const tags: string[] = [];
  for (;;) {
    reader.skipSpace();
    if (reader.peek() === ',') {
      reader.pos++;
      continue;
    }
    const tag = reader.token();
    if (tag === null) break;
    tags.push(tag.toUpperCase());
  }
  return tags.length > 0 ? tags : null;
}

/** Content-Transfer-Encoding value → upper-cased token; null when absent or unusable. */
export function parseEncoding(value: string): string | null {
  const reader = new FieldReader(value);
  reader.skipSpace();
  const token = reader.token();
  return token === null ? null : token.toUpperCase();
}

/** Look up a parameter by (upper-case) name. */
export function paramValue(params: BodyParams, name: string): string | undefined {
  if (params === null) return undefined;
  for (const [key, value] of params) if (key === name) return value;
  return undefined;
}

/** RFC 2231 attribute-char: what may stay unescaped in an extended parameter value. */
const ATTRIBUTE_CHAR = /[!#$&+\-.0-9A-Z^_`a-z{|}~]/;

function percentEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && ATTRIBUTE_CHAR.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Join RFC 2231 continuations (NAME*0, NAME*1*, ...) into one parameter at the first segment's place,
 * as Cyrus does: when any segment is extended the result is NAME* with the plain segments
 * percent-encoded; otherwise NAME with the segments concatenated. Values are not charset-decoded.
 */
export function mergeContinuations(params: BodyParams): BodyParams {
  if (params === null || !params.some(([name]) => /\*\d+\*?$/.test(name))) return params;
  const groups = new Map<string, Array<{ index: number; extended: boolean; value: string }>>();
  const out: Array<[string, string] | string> = [];
  for (const [name, value] of params) {
    const match = /^(.*)\*(\d+)(\*?)$/.exec(name);
    if (!match) {
      out.push([name, value]);
      continue;
    }
    const base = match[1]!;
    let segments = groups.get(base);
    if (!segments) {
      segments = [];
      groups.set(base, segments);
      out.push(base);
    }
    segments.push({ index: Number(match[2]), extended: match[3] === '*', value });
  }
  return out.map((entry) => {
    if (typeof entry !== 'string') return entry;
    const segments = groups.get(entry)!.sort((a, b) => a.index - b.index);
    const extended = segments.some((segment) => segment.extended);
    const value = segments.map((s) => (extended && !s.extended ? percentEncode(s.value) : s.value)).join('');
    return [extended ? `${entry}*` : entry, value];
  });
}
