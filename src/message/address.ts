/**
 * RFC 5322 address lists into ENVELOPE addresses (RFC 3501 7.4.2): (name adl mailbox host),
 * with a group written as a start marker (NIL NIL group-name NIL) and an end marker (NIL NIL NIL NIL).
 * Lenient like Cyrus: a missing domain gives the host "unspecified-domain", a comment after an
 * addr-spec serves as the display name, stray brackets and unterminated quotes do not throw.
 */
import type { Address } from './types.js';

/** Host given to an address written without a domain (what Cyrus reports). */
export const MISSING_DOMAIN = 'unspecified-domain';

type Token =
  | { kind: 'word'; text: string; quoted: boolean; spaced: boolean }
  | { kind: 'special'; text: string; spaced: boolean }
  | { kind: 'comment'; text: string; spaced: boolean };

const SPECIALS = '<>@,:;.';

/** Characters that end an atom (indexed by char code; non-ASCII never ends one). */
const ATOM_END: boolean[] = [];
for (const c of ' \t\r\n"()[<>@,:;.') ATOM_END[c.charCodeAt(0)] = true;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let spaced = false;
  while (pos < text.length) {
    const c = text[pos]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      spaced = true;
      pos++;
      continue;
    }
    if (c === '"') {
      pos++;
      // Up to the closing quote in one slice when no backslash comes first (nearly every display
      // name); else character by character, a backslash quoting the next one.
      let end = pos;
      while (end < text.length && text.charCodeAt(end) !== 0x22 && text.charCodeAt(end) !== 0x5c) end++;
      let out: string;
      if (end >= text.length || text.charCodeAt(end) === 0x22) {
        out = text.slice(pos, end);
        pos = end;
      } else {
        out = '';
        while (pos < text.length && text[pos] !== '"') {
          if (text[pos] === '\\' && pos + 1 < text.length) pos++;
          out += text[pos++]!;
        }
      }
      pos++;
      tokens.push({ kind: 'word', text: out, quoted: true, spaced });
    } else if (c === '(') {
      let depth = 0;
      const start = pos;
      while (pos < text.length) {
        const d = text[pos]!;
        if (d === '\\') pos++;
        else if (d === '(') depth++;
        else if (d === ')' && --depth === 0) break;
        pos++;
      }
      tokens.push({ kind: 'comment', text: text.slice(start + 1, pos).trim(), spaced });
      pos++;
    } else if (c === '[') {
      const close = text.indexOf(']', pos);
      const stop = close === -1 ? text.length : close + 1;
      tokens.push({ kind: 'word', text: text.slice(pos, stop), quoted: false, spaced });
      pos = stop;
    } else if (SPECIALS.includes(c)) {
      tokens.push({ kind: 'special', text: c, spaced });
      pos++;
    } else {
      const start = pos;
      while (pos < text.length && !ATOM_END[text.charCodeAt(pos)]) pos++;
      tokens.push({ kind: 'word', text: text.slice(start, pos), quoted: false, spaced });
    }
    spaced = false;
  }
  return tokens;
}

class AddressReader {
  pos = 0;
  readonly comments: string[] = [];
  constructor(readonly tokens: Token[]) {}

  /** Next non-comment token, remembering comments passed over. */
  peek(): Token | undefined {
    while (this.pos < this.tokens.length && this.tokens[this.pos]!.kind === 'comment') {
      this.comments.push(this.tokens[this.pos]!.text);
      this.pos++;
    }
    return this.tokens[this.pos];
  }

  isSpecial(text: string): boolean {
    const token = this.peek();
    return token !== undefined && token.kind === 'special' && token.text === text;
  }

  /** Words and dots up to the next special that is not a dot, as display text (single spaces). */
  phrase(stopAtDot = false): string {
    let out = '';
    for (let token = this.peek(); token !== undefined; token = this.peek()) {
      if (token.kind === 'special' && (token.text !== '.' || stopAtDot)) break;
      if (out !== '' && token.spaced) out += ' ';
      out += token.text;
      this.pos++;
    }
    return out;
  }

  /** Tokens up to one of `stops`, concatenated without spaces (local parts, domains, routes). */
  compact(stops: string): string {
    let out = '';
    for (let token = this.peek(); token !== undefined; token = this.peek()) {
      if (token.kind === 'special' && stops.includes(token.text)) break;
      out += token.text;
      this.pos++;
    }
    return out;
  }
}

function orNull(text: string): string | null {
  return text === '' ? null : text;
}

/** The `<[route:]local@domain>` part, with the reader just past `<`. */
function readAngleAddress(reader: AddressReader, name: string | null): Address {
  let adl: string | null = null;
  if (reader.isSpecial('@')) {
    adl = reader.compact(':>');
    if (reader.isSpecial(':')) reader.pos++;
  }
  const mailbox = reader.compact('@>,;');
  let host: string | null = null;
  if (reader.isSpecial('@')) {
    reader.pos++;
    host = orNull(reader.compact('>,;'));
  }
  if (reader.isSpecial('>')) reader.pos++;
  if (mailbox !== '' && host === null) host = MISSING_DOMAIN;
  return { name, adl: orNull(adl ?? ''), mailbox: orNull(mailbox), host };
}

/** One mailbox (or a group start) into `out`; returns true when a group was opened. */
function readMailbox(reader: AddressReader, out: Address[]): boolean {
  const commentsBefore = reader.comments.length;
  const start = reader.pos;
  const phrase = reader.phrase();
  if (reader.isSpecial(':')) {
    reader.pos++;
    out.push({ name: null, adl: null, mailbox: phrase, host: null });
    return true;
  }
  if (reader.isSpecial('<')) {
    reader.pos++;
    out.push(readAngleAddress(reader, orNull(phrase)));
    reader.compact(',;'); // junk after '>'
    return false;
  }
  // a bare addr-spec: re-read the words as a local part without spaces
  reader.pos = start;
  reader.comments.length = commentsBefore;
  const mailbox = reader.compact('@,;<>:');
  let host: string | null = null;
  if (reader.isSpecial('@')) {
    reader.pos++;
    host = orNull(reader.compact(',;<>:'));
  }
  const comment = reader.comments.length > commentsBefore ? reader.comments[reader.comments.length - 1]! : '';
  if (mailbox !== '' || host !== null) {
    out.push({ name: orNull(comment), adl: null, mailbox: orNull(mailbox), host: host ?? MISSING_DOMAIN });
  }
  if (reader.isSpecial('<') || reader.isSpecial('>') || reader.isSpecial(':')) reader.pos++;
  return false;
}

/** Parse an address-list header value (unfolded); null when it holds no address. */
export function parseAddressList(value: string): Address[] | null {
  const reader = new AddressReader(tokenize(value));
  const out: Address[] = [];
  let inGroup = false;
  for (let token = reader.peek(); token !== undefined; token = reader.peek()) {
    if (token.kind === 'special' && token.text === ',') {
      reader.pos++;
    } else if (token.kind === 'special' && token.text === ';') {
      reader.pos++;
      if (inGroup) out.push({ name: null, adl: null, mailbox: null, host: null });
      inGroup = false;
    } else {
      const before = reader.pos;
      if (readMailbox(reader, out)) {
        if (inGroup) out.push({ name: null, adl: null, mailbox: null, host: null });
        inGroup = true;
      }
      if (reader.pos === before) reader.pos++; // never stall on a stray special
    }
  }
  if (inGroup) out.push({ name: null, adl: null, mailbox: null, host: null });
  return out.length > 0 ? out : null;
}

/**
 * The addresses of an address-list header value as SEARCH compares them besides the raw text:
 * `local@domain` for each mailbox, written without the comments and folding white space RFC 5322
 * allows inside an addr-spec (so `fred (x) @ example.org` is found as fred@example.org).
 */
export function addressSearchForms(value: string): string[] {
  const forms: string[] = [];
  for (const address of parseAddressList(value) ?? []) {
    if (address.mailbox === null || address.host === null) continue;
    forms.push(address.host === MISSING_DOMAIN ? address.mailbox : `${address.mailbox}@${address.host}`);
  }
  return forms;
}
