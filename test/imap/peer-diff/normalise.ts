/**
 * Turns IMAP responses into text that is the same on two servers whenever the answers mean the same:
 * tags, UIDVALIDITY / modseq / object ids masked; free text after OK/NO/BAD dropped (the response
 * code kept, except the advisory RFC 5530 codes of a tagged NO/BAD); untagged OK without a code
 * dropped; quoted and literal strings written alike; FETCH items, STATUS items, ESEARCH data and
 * flag lists in one order; the case-insensitive strings of BODY/BODYSTRUCTURE upper-cased; NIL and
 * "" alike for a section's data; the UID ours adds to a flags-only FETCH of a non-UID command
 * dropped; CAPABILITY lists and server-specific untagged codes dropped. run.ts also compares the
 * untagged responses of a step as a set unless EXPUNGE (or STATUS) makes their order matter.
 */

type Token = { kind: 'atom'; text: string } | { kind: 'string'; text: string } | { kind: 'list'; items: Token[] };

/** Untagged OK codes only one kind of server sends, with nothing to compare. */
const DROPPED_CODES = new Set(['URLMECH', 'ANNOTATIONS', 'MAILBOXID', 'HIGHESTMODSEQ', 'NOMODSEQ', 'CAPABILITY']);

/** Codes on a tagged NO kept in the comparison: the RFCs ask for these. */
const KEPT_FAILURE_CODES = new Set(['TRYCREATE', 'BADCHARSET']);

/** Items whose values are a server's own numbering. */
const MASKED_ITEMS = new Set(['MODSEQ', 'EMAILID', 'THREADID', 'MAILBOXID', 'SAVEDATE', 'HIGHESTMODSEQ', 'UIDVALIDITY', 'X-GUID']);

class Tokens {
  private i = 0;
  constructor(private readonly s: string) {}

  get done(): boolean {
    return this.i >= this.s.length;
  }

  rest(): string {
    return this.s.slice(this.i);
  }

  private skipSpaces(): void {
    while (this.s[this.i] === ' ') this.i++;
  }

  /** Tokens up to the end or a closing paren. */
  sequence(): Token[] {
    const out: Token[] = [];
    for (;;) {
      this.skipSpaces();
      if (this.done || this.s[this.i] === ')') return out;
      out.push(this.one());
    }
  }

  one(): Token {
    const c = this.s[this.i];
    if (c === '(') {
      this.i++;
      const items = this.sequence();
      if (this.s[this.i] === ')') this.i++;
      return { kind: 'list', items };
    }
    if (c === '"') {
      let text = '';
      this.i++;
      while (this.i < this.s.length && this.s[this.i] !== '"') {
        if (this.s[this.i] === '\\') this.i++;
        text += this.s[this.i++] ?? '';
      }
      this.i++;
      return { kind: 'string', text };
    }
    const literal = /^~?\{(\d+)\+?\}\r\n/.exec(this.s.slice(this.i));
    if (literal) {
      const size = Number(literal[1]);
      const start = this.i + literal[0].length;
      this.i = start + size;
      return { kind: 'string', text: this.s.slice(start, start + size) };
    }
    let text = '';
    let depth = 0;
    while (this.i < this.s.length) {
      const ch = this.s[this.i]!;
      if (depth === 0 && (ch === ' ' || ch === '(' || ch === ')')) break;
      if (ch === '[') depth++;
      if (ch === ']') depth = Math.max(0, depth - 1);
      text += ch;
      this.i++;
    }
    if (text === '') {
      text = this.s[this.i]!;
      this.i++;
    }
    return { kind: 'atom', text };
  }
}

function showString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\r') out += '\\r';
    else if (ch === '\n') out += '\\n';
    else if (code < 0x20 || code >= 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function show(token: Token): string {
  if (token.kind === 'atom') return token.text;
  if (token.kind === 'string') return showString(token.text);
  return `(${token.items.map(show).join(' ')})`;
}

const isFlagList = (t: Token): boolean => t.kind === 'list' && t.items.every((x) => x.kind === 'atom' && /^(\\|\$)?[^\s()"]*$/.test(x.text));

function sortedFlags(t: Token): Token {
  if (t.kind !== 'list') return t;
  return { kind: 'list', items: [...t.items].sort((a, b) => show(a).toLowerCase().localeCompare(show(b).toLowerCase())) };
}

const upper = (t: Token | undefined): Token | undefined => (t && t.kind === 'string' ? { kind: 'string', text: t.text.toUpperCase() } : t);

/** Parameter names upper-cased (their values as sent). */
function normaliseParams(t: Token | undefined): Token | undefined {
  if (!t || t.kind !== 'list') return t;
  return { kind: 'list', items: t.items.map((x, i) => (i % 2 === 0 ? upper(x)! : x)) };
}

/**
 * A BODY / BODYSTRUCTURE with the case-insensitive strings (RFC 2045: type, subtype, parameter
 * names, transfer encoding; RFC 2183 disposition type) upper-cased.
 */
function normaliseBody(t: Token): Token {
  if (t.kind !== 'list') return t;
  const items = [...t.items];
  if (items[0]?.kind === 'list') {
    let k = 0;
    while (items[k]?.kind === 'list') {
      items[k] = normaliseBody(items[k]!);
      k++;
    }
    items[k] = upper(items[k])!;
    if (items[k + 1]) items[k + 1] = normaliseParams(items[k + 1])!;
    if (items[k + 2]) items[k + 2] = normaliseDisposition(items[k + 2]!);
    return { kind: 'list', items };
  }
  items[0] = upper(items[0])!;
  items[1] = upper(items[1])!;
  items[2] = normaliseParams(items[2])!;
  if (items[5]) items[5] = upper(items[5])!;
  const type = items[0]?.kind === 'string' ? items[0].text : '';
  const subtype = items[1]?.kind === 'string' ? items[1].text : '';
  let ext = 7;
  if (type === 'TEXT') ext = 8;
  else if (type === 'MESSAGE' && (subtype === 'RFC822' || subtype === 'GLOBAL')) {
    if (items[8]) items[8] = normaliseBody(items[8]);
    ext = 10;
  }
  if (items[ext + 1]) items[ext + 1] = normaliseDisposition(items[ext + 1]!);
  return { kind: 'list', items };
}

function normaliseDisposition(t: Token): Token {
  if (t.kind !== 'list') return t;
  return { kind: 'list', items: [upper(t.items[0])!, normaliseParams(t.items[1])!].filter(Boolean) };
}

/**
 * A FETCH of flags alone (a STORE's answer, an unsolicited change) without its UID: ours adds the
 * UID to every such FETCH (allowed; RFC 7162 asks for it under QRESYNC), the peers only for UID
 * commands. Applied to answers of commands that are not UID commands.
 */
function withoutFlagUid(items: Token[]): Token[] {
  const names = new Set<string>();
  for (let k = 0; k < items.length; k += 2) names.add(show(items[k]!).toUpperCase());
  if (!names.has('UID') || !names.has('FLAGS') || [...names].some((n) => n !== 'UID' && n !== 'FLAGS' && n !== 'MODSEQ')) return items;
  const out: Token[] = [];
  for (let k = 0; k < items.length; k += 2) if (show(items[k]!).toUpperCase() !== 'UID') out.push(items[k]!, items[k + 1]!);
  return out;
}

/** name value pairs of a FETCH or STATUS list, sorted by name, masked where masked. */
function normalisePairs(items: Token[]): Token {
  const pairs: Array<[Token, Token | undefined]> = [];
  for (let k = 0; k < items.length; k += 2) pairs.push([items[k]!, items[k + 1]]);
  const out: Token[] = [];
  for (const [name, value] of pairs.sort((a, b) => show(a[0]).toUpperCase().localeCompare(show(b[0]).toUpperCase()))) {
    const key = show(name).toUpperCase();
    out.push({ kind: 'atom', text: key });
    if (!value) continue;
    if (MASKED_ITEMS.has(key)) out.push({ kind: 'atom', text: '<masked>' });
    else if (key === 'FLAGS') out.push(sortedFlags(value));
    else if (key === 'BODY' || key === 'BODYSTRUCTURE') out.push(normaliseBody(value));
    else if ((key.startsWith('BODY[') || key.startsWith('BINARY[')) && value.kind === 'atom' && value.text === 'NIL') out.push({ kind: 'string', text: '' });
    else out.push(value);
  }
  return { kind: 'list', items: out };
}

/** The response code of `[...]` at the start of `s`, and the rest of the line. */
function splitCode(s: string): { code: string | null; rest: string } {
  if (!s.startsWith('[')) return { code: null, rest: s };
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '[') depth++;
    if (s[i] === ']' && --depth === 0) return { code: s.slice(1, i), rest: s.slice(i + 1) };
  }
  return { code: s.slice(1), rest: '' };
}

function normaliseCode(code: string): string {
  const tokens = new Tokens(code).sequence();
  const name = tokens[0] && tokens[0].kind === 'atom' ? tokens[0].text.toUpperCase() : '';
  const args = tokens.slice(1);
  if (name === 'UIDVALIDITY' || name === 'HIGHESTMODSEQ' || name === 'MAILBOXID') return `${name} <masked>`;
  if (name === 'APPENDUID' || name === 'COPYUID') return [name, '<masked>', ...args.slice(1).map(show)].join(' ');
  if (name === 'PERMANENTFLAGS' && args[0]) return `${name} ${show(sortedFlags(args[0]))}`;
  if (name === 'CAPABILITY') return name;
  return [name, ...args.map(show)].join(' ');
}

/** One response, normalised; null when it says nothing to compare. */
export function normaliseResponse(line: string, tag: string, byUid = false): string | null {
  let rest = line;
  let head: string;
  if (line.startsWith(`${tag} `)) {
    head = 'TAG';
    rest = line.slice(tag.length + 1);
  } else if (line.startsWith('* ')) {
    head = '*';
    rest = line.slice(2);
  } else if (line.startsWith('+')) {
    return '+';
  } else {
    return line;
  }
  const status = /^(OK|NO|BAD|BYE|PREAUTH)(?: |$)(.*)$/i.exec(rest);
  if (status) {
    const { code } = splitCode(status[2]!);
    const codeName = code?.split(/[\s]/)[0]?.toUpperCase() ?? '';
    const word = status[1]!.toUpperCase();
    if (head === '*' && (DROPPED_CODES.has(codeName) || (code === null && word === 'OK'))) return null;
    // RFC 5530 codes on failures (and Dovecot's CLIENTBUG) are advice only one server gives here.
    const advisory = (head === 'TAG' && (word === 'NO' || word === 'BAD') && !KEPT_FAILURE_CODES.has(codeName)) || codeName === 'CLIENTBUG';
    return `${head} ${word}${code !== null && !advisory ? ` [${normaliseCode(code)}]` : ''}`;
  }
  const tokens = new Tokens(rest).sequence();
  const words = tokens.map((t) => (t.kind === 'atom' ? t.text.toUpperCase() : ''));
  if (words[0] === 'CAPABILITY' || words[0] === 'ENABLED') return `${head} ${words[0]}`;
  if (words[1] === 'FETCH' && tokens[2]?.kind === 'list') {
    return `${head} ${words[0]} FETCH ${show(normalisePairs(byUid ? tokens[2].items : withoutFlagUid(tokens[2].items)))}`;
  }
  if (words[0] === 'STATUS' && tokens[2]?.kind === 'list') {
    return `${head} STATUS ${show(tokens[1]!)} ${show(normalisePairs(tokens[2].items))}`;
  }
  if (words[0] === 'FLAGS' && tokens[1]) return `${head} FLAGS ${show(sortedFlags(tokens[1]))}`;
  if ((words[0] === 'LIST' || words[0] === 'LSUB' || words[0] === 'XLIST') && tokens[1]) {
    return `${head} ${[words[0], show(sortedFlags(tokens[1])), ...tokens.slice(2).map(show)].join(' ')}`;
  }
  if (words[0] === 'ESEARCH') {
    // ESEARCH [(TAG x)] [UID] (name value)*: return data in one order (RFC 4731 gives none).
    let k = 1;
    const out: string[] = ['ESEARCH'];
    if (tokens[k]?.kind === 'list') {
      out.push('(TAG <tag>)');
      k++;
    }
    if (words[k] === 'UID') {
      out.push('UID');
      k++;
    }
    const pairs: string[] = [];
    for (; k < tokens.length; k += 2) {
      const name = show(tokens[k]!).toUpperCase();
      pairs.push(`${name} ${name === 'MODSEQ' ? '<masked>' : tokens[k + 1] ? show(tokens[k + 1]!) : ''}`);
    }
    return `${head} ${[...out, ...pairs.sort()].join(' ')}`;
  }
  if (words[0] === 'SEARCH' || words[0] === 'SORT') {
    const numbers = tokens.slice(1).map(show);
    const modseq = numbers.findIndex((n) => n.startsWith('('));
    if (modseq >= 0) numbers[modseq] = '(MODSEQ <masked>)';
    return `${head} ${[words[0], ...numbers].join(' ')}`;
  }
  if (tokens.some((t) => isFlagList(t))) return `${head} ${tokens.map(show).join(' ')}`;
  return `${head} ${tokens.map(show).join(' ')}`;
}

export function normaliseResponses(lines: string[], tag: string, command: string | Array<string | Buffer> = ''): string[] {
  const first = typeof command === 'string' ? command : typeof command[0] === 'string' ? command[0] : '';
  const byUid = /^UID /i.test(first);
  const out: string[] = [];
  for (const line of lines) {
    const n = normaliseResponse(line, tag, byUid);
    if (n !== null) out.push(n);
  }
  return out;
}

/** A command as the report shows it: literals as `{n}` with their first bytes. */
export function showCommand(command: string | Array<string | Buffer>): string {
  if (typeof command === 'string') return command;
  return command
    .map((p) => (typeof p === 'string' ? p : `{${p.length}}<${showString(p.toString('latin1').slice(0, 40)).slice(1, -1)}${p.length > 40 ? '…' : ''}>`))
    .join('');
}
