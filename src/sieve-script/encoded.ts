import type { CommandNode, TestNode } from './parser.js';

/**
 * encoded-character (RFC 5228 2.4.2.4): "${hex:41 42}" and "${unicode:263a}" in every string of
 * the script, after the require. A malformed sequence stays as written; a code point that is not a
 * Unicode scalar value is an error.
 */
const encodedCharacter = /\$\{(hex|unicode):([\s0-9A-Fa-f]*)\}/gi;

function decodeCharacters(value: string, line: number, err: (line: number, message: string) => void): string {
  if (!value.includes('${')) return value;
  return value.replace(encodedCharacter, (whole, kind: string, body: string) => {
    const items = body.trim() === '' ? [] : body.trim().split(/\s+/);
    if (kind.toLowerCase() === 'hex') {
      if (items.some((h) => h.length > 2)) return whole;
      const bytes = Buffer.from(items.map((h) => parseInt(h, 16)));
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        err(line, `encoded-character: "${whole}" is not UTF-8`);
        return whole;
      }
    }
    let out = '';
    for (const item of items) {
      const code = parseInt(item, 16);
      if (item.length > 8 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        err(line, `encoded-character: ${item} is not a Unicode character`);
        return whole;
      }
      out += String.fromCodePoint(code);
    }
    return out;
  });
}

export function decodeCharactersIn(node: CommandNode | TestNode, err: (line: number, message: string) => void): void {
  for (const arg of node.args) {
    if (arg.kind === 'strings') arg.values = arg.values.map((v) => decodeCharacters(v, arg.line, err));
  }
  for (const t of node.tests) decodeCharactersIn(t, err);
  if ('block' in node && node.block !== null) for (const c of node.block) decodeCharactersIn(c, err);
}
