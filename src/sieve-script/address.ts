/**
 * RFC 5322 address lists as the address test needs them: groups (their members), display names,
 * quoted local parts, comments, source routes. Lenient: whatever looks like an address is kept.
 */
import { decodeEncodedWords } from './headers.js';

export interface ParsedAddress {
  /** The display name, encoded words decoded; "" when there is none. */
  name: string;
  /** The local part, quoting removed. */
  localPart: string;
  /** The domain; "" when the address has none. */
  domain: string;
}

type Lexeme = { kind: 'atom' | 'quoted' | 'literal'; text: string } | { kind: 'special'; text: string };

function lexAddresses(value: string): Lexeme[] {
  const out: Lexeme[] = [];
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') { i += 1; continue; }
    if (c === '(') {
      let depth = 0;
      while (i < value.length) {
        const d = value[i]!;
        if (d === '\\') { i += 2; continue; }
        if (d === '(') depth += 1;
        if (d === ')') { depth -= 1; if (depth === 0) { i += 1; break; } }
        i += 1;
      }
      continue;
    }
    if (c === '"') {
      let text = '';
      i += 1;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < value.length) i += 1;
        text += value[i];
        i += 1;
      }
      i += 1;
      out.push({ kind: 'quoted', text });
      continue;
    }
    if (c === '[') {
      const end = value.indexOf(']', i);
      const stop = end < 0 ? value.length : end + 1;
      out.push({ kind: 'literal', text: value.slice(i, stop) });
      i = stop;
      continue;
    }
    if ('<>@,;:.'.includes(c)) { out.push({ kind: 'special', text: c }); i += 1; continue; }
    let j = i;
    while (j < value.length && !' \t\r\n()"[<>@,;:.'.includes(value[j]!)) j += 1;
    out.push({ kind: 'atom', text: value.slice(i, j) });
    i = j;
  }
  return out;
}

const textOf = (items: readonly Lexeme[]): string => items.map((l) => l.text).join('');

/** One mailbox from its lexemes: `name <addr-spec>` or a bare addr-spec. */
function mailbox(items: Lexeme[]): ParsedAddress | null {
  if (items.length === 0) return null;
  const open = items.findIndex((l) => l.kind === 'special' && l.text === '<');
  let spec = items;
  let name = '';
  if (open >= 0) {
    let close = items.findIndex((l, k) => k > open && l.kind === 'special' && l.text === '>');
    if (close < 0) close = items.length;
    spec = items.slice(open + 1, close);
    name = decodeEncodedWords(items.slice(0, open).map((l) => l.text).join(' ').replace(/ ?\. ?/g, '.'));
    // A source route "@a,@b:" before the address is dropped.
    const colon = spec.findIndex((l) => l.kind === 'special' && l.text === ':');
    if (colon >= 0 && spec[0]?.kind === 'special' && spec[0].text === '@') spec = spec.slice(colon + 1);
    if (spec.length === 0) return { name, localPart: '', domain: '' };
  }
  let at = -1;
  for (let k = spec.length - 1; k >= 0; k -= 1) {
    if (spec[k]!.kind === 'special' && spec[k]!.text === '@') { at = k; break; }
  }
  if (at < 0) return { name, localPart: textOf(spec), domain: '' };
  return { name, localPart: textOf(spec.slice(0, at)), domain: textOf(spec.slice(at + 1)) };
}

/** Every mailbox of an address-list header value; a group contributes its members. */
export function parseAddressList(value: string): ParsedAddress[] {
  const lexemes = lexAddresses(value);
  const out: ParsedAddress[] = [];
  let current: Lexeme[] = [];
  let inAngle = false;
  const flush = (): void => {
    const parsed = mailbox(current);
    if (parsed !== null) out.push(parsed);
    current = [];
  };
  for (const l of lexemes) {
    if (l.kind === 'special') {
      if (l.text === '<') inAngle = true;
      if (l.text === '>') inAngle = false;
      if (!inAngle && l.text === ',') { flush(); continue; }
      if (!inAngle && l.text === ';') { flush(); continue; }
      if (!inAngle && l.text === ':') { current = []; continue; } // a group's display name
    }
    current.push(l);
  }
  flush();
  return out;
}

/** The address of an envelope path (no display name, no groups): split at the last "@". */
export function parseEnvelopeAddress(value: string): ParsedAddress | null {
  const list = parseAddressList(value);
  return list[0] ?? null;
}
