/**
 * The message's header block as a script sees it: fields by lower-cased name, unfolded, and RFC 2047
 * encoded words decoded to Unicode (RFC 5228 2.7.2 asks comparisons to happen on decoded text).
 */

export interface HeaderField {
  /** The value after the colon, unfolded, without leading or trailing blanks; not decoded. */
  raw: string;
}

/** Decode the bytes of a header block: UTF-8 when it is valid (RFC 6532), else Latin-1. */
function headerText(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/** Split a header block into fields by lower-cased name, in order. */
export function parseHeaderBlock(bytes: Buffer): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  const text = headerText(bytes);
  const lines = text.split(/\r?\n/);
  let name: string | null = null;
  let value = '';
  const flush = (): void => {
    if (name === null) return;
    const list = fields.get(name);
    const trimmed = value.replace(/^[ \t]+|[ \t]+$/g, '');
    if (list === undefined) fields.set(name, [trimmed]);
    else list.push(trimmed);
    name = null;
  };
  for (const line of lines) {
    if (line === '') break;
    if ((line[0] === ' ' || line[0] === '\t') && name !== null) {
      value += line; // unfolding removes only the line break (RFC 5322 2.2.3)
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    name = line.slice(0, colon).replace(/[ \t]+$/, '').toLowerCase();
    value = line.slice(colon + 1);
  }
  flush();
  return fields;
}

const encodedWord = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;

function decodeWord(charset: string, encoding: string, text: string): string | null {
  let bytes: Buffer;
  if (encoding.toLowerCase() === 'b') {
    bytes = Buffer.from(text, 'base64');
  } else {
    const replaced = text.replace(/_/g, ' ');
    const out: number[] = [];
    for (let i = 0; i < replaced.length; i += 1) {
      const c = replaced[i]!;
      if (c === '=' && /^[0-9a-fA-F]{2}$/.test(replaced.slice(i + 1, i + 3))) {
        out.push(parseInt(replaced.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        out.push(c.charCodeAt(0) & 0xff);
      }
    }
    bytes = Buffer.from(out);
  }
  const label = charset.replace(/\*.*$/, ''); // RFC 2231 language suffix
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return null;
  }
}

/** Decode RFC 2047 encoded words; blanks between two adjacent encoded words are dropped. */
export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let last = 0;
  let previousWasWord = false;
  for (const m of value.matchAll(encodedWord)) {
    const between = value.slice(last, m.index);
    const decoded = decodeWord(m[1]!, m[2]!, m[3]!);
    if (decoded === null) {
      out += between + m[0];
      previousWasWord = false;
    } else {
      if (!(previousWasWord && /^[ \t\r\n]*$/.test(between))) out += between;
      out += decoded;
      previousWasWord = true;
    }
    last = m.index + m[0].length;
  }
  return out + value.slice(last);
}
