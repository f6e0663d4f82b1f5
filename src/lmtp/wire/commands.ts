/**
 * LMTP command lines (RFC 2033, with the SMTP grammar of RFC 5321 section 4.1) parsed into typed
 * commands. A line is given as latin1 text (one char per byte); no I/O here. Failures are
 * CommandError values carrying the reply to send.
 */
import { REPLIES, type Reply } from './replies.js';

/** An envelope address as sent: local part (unquoted) and domain (null when none was given). */
export interface EnvelopeAddress {
  readonly localPart: string;
  readonly domain: string | null;
}

export interface MailParameters {
  /** SIZE= (RFC 1870): the client's estimate, in bytes. */
  readonly size: number | null;
  /** BODY= (RFC 6152 / 3030). */
  readonly body: '7BIT' | '8BITMIME' | 'BINARYMIME' | null;
  /** SMTPUTF8 (RFC 6531). */
  readonly smtputf8: boolean;
  /** AUTH= (RFC 4954): the xtext-decoded authorisation identity; null for "<>" or absent. */
  readonly auth: string | null;
}

export interface RcptParameters {
  /** IGNOREQUOTA (Cyrus): deliver even when the mailbox is over quota. */
  readonly ignoreQuota: boolean;
  /** NOTIFY= and ORCPT= (RFC 3461): accepted, kept for logging. */
  readonly notify: string | null;
  readonly originalRecipient: string | null;
}

export type LmtpCommand =
  | { readonly verb: 'LHLO'; readonly host: string }
  | { readonly verb: 'MAIL'; readonly sender: EnvelopeAddress | null; readonly params: MailParameters }
  | { readonly verb: 'RCPT'; readonly recipient: EnvelopeAddress; readonly params: RcptParameters }
  | { readonly verb: 'DATA' }
  | { readonly verb: 'BDAT'; readonly size: number; readonly last: boolean }
  | { readonly verb: 'RSET' }
  | { readonly verb: 'NOOP' }
  | { readonly verb: 'QUIT' }
  | { readonly verb: 'HELP' }
  | { readonly verb: 'VRFY'; readonly argument: string }
  | { readonly verb: 'STARTTLS' }
  | { readonly verb: 'AUTH'; readonly mechanism: string; readonly initialResponse: string | null };

export type Verb = LmtpCommand['verb'];

/** A command that cannot be parsed, with the reply that says why. */
export class CommandError extends Error {
  constructor(readonly reply: Reply) {
    super(reply.text);
    this.name = 'CommandError';
  }
}

/** Largest BDAT chunk size we will parse (anything bigger is refused as too big anyway). */
const MAX_CHUNK_DIGITS = 15;

/** Parse one command line (without CRLF). */
export function parseCommand(line: string): LmtpCommand {
  const space = line.indexOf(' ');
  const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
  const rest = space < 0 ? '' : line.slice(space + 1);
  const noArguments = <T extends LmtpCommand>(command: T): T => {
    if (rest.trim() !== '') throw new CommandError(REPLIES.syntax);
    return command;
  };
  switch (verb) {
    case 'LHLO': {
      const host = rest.trim();
      if (host === '' || /\s/.test(host)) throw new CommandError(REPLIES.syntax);
      return { verb, host };
    }
    case 'MAIL':
      return parseMail(rest);
    case 'RCPT':
      return parseRcpt(rest);
    case 'DATA':
    case 'RSET':
    case 'QUIT':
    case 'STARTTLS':
      return noArguments({ verb });
    case 'NOOP':
    case 'HELP':
      return { verb };
    case 'VRFY':
      if (rest.trim() === '') throw new CommandError(REPLIES.syntax);
      return { verb, argument: rest.trim() };
    case 'BDAT':
      return parseBdat(rest);
    case 'AUTH': {
      const words = rest.trim().split(/ +/);
      if (words[0] === '' || words.length > 2) throw new CommandError(REPLIES.syntax);
      return { verb, mechanism: words[0]!.toUpperCase(), initialResponse: words[1] ?? null };
    }
    default:
      throw new CommandError(REPLIES.unknownCommand);
  }
}

function parseBdat(rest: string): LmtpCommand {
  const words = rest.trim().split(/ +/);
  const digits = words[0] ?? '';
  if (!/^\d+$/.test(digits) || digits.length > MAX_CHUNK_DIGITS || words.length > 2) throw new CommandError(REPLIES.syntax);
  if (words.length === 2 && words[1]!.toUpperCase() !== 'LAST') throw new CommandError(REPLIES.syntax);
  return { verb: 'BDAT', size: Number(digits), last: words.length === 2 };
}

/** "FROM:<path> params"; the keyword may be followed by spaces (lenient, as most servers are). */
function splitPath(rest: string, keyword: 'FROM:' | 'TO:', bad: Reply): { path: string; params: string[] } {
  if (rest.slice(0, keyword.length).toUpperCase() !== keyword) throw new CommandError(REPLIES.syntax);
  const text = rest.slice(keyword.length).trimStart();
  if (!text.startsWith('<')) throw new CommandError(bad);
  const end = closingBracket(text);
  if (end < 0) throw new CommandError(bad);
  const after = text.slice(end + 1);
  if (after !== '' && !after.startsWith(' ')) throw new CommandError(bad);
  const params = after.trim() === '' ? [] : after.trim().split(/ +/);
  return { path: text.slice(1, end), params };
}

/** The index of the ">" closing a path, skipping quoted strings; -1 when none. */
function closingBracket(text: string): number {
  let quoted = false;
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '>') return i;
  }
  return -1;
}

/** A path's mailbox: optional source route "@a,@b:" dropped, quoted local part unquoted. */
export function parseAddress(path: string, bad: Reply, domainRequired: boolean): EnvelopeAddress {
  let text = path;
  if (text.startsWith('@')) {
    const colon = text.indexOf(':');
    if (colon < 0) throw new CommandError(bad);
    text = text.slice(colon + 1);
  }
  let localPart: string;
  let afterLocal: string;
  if (text.startsWith('"')) {
    let i = 1;
    localPart = '';
    for (; i < text.length && text[i] !== '"'; i++) {
      if (text[i] === '\\') i++;
      if (i >= text.length) throw new CommandError(bad);
      localPart += text[i];
    }
    if (i >= text.length) throw new CommandError(bad);
    afterLocal = text.slice(i + 1);
  } else {
    const at = text.lastIndexOf('@');
    localPart = at < 0 ? text : text.slice(0, at);
    afterLocal = at < 0 ? '' : text.slice(at);
    // eslint-disable-next-line no-control-regex
    if (localPart === '' || /[\x00-\x20\x7f<>()[\]\\,;:"]/.test(localPart) || /^\.|\.\.|\.$/.test(localPart)) throw new CommandError(bad);
  }
  if (afterLocal === '') {
    if (domainRequired) throw new CommandError(bad);
    return { localPart, domain: null };
  }
  if (!afterLocal.startsWith('@')) throw new CommandError(bad);
  const domain = afterLocal.slice(1);
  // eslint-disable-next-line no-control-regex
  if (domain === '' || /[\x00-\x20\x7f<>()\\,;:"@]/.test(domain)) throw new CommandError(bad);
  return { localPart, domain };
}

/** Decode RFC 3461 xtext ("+2B" is "+"). */
export function decodeXtext(text: string): string {
  return text.replace(/\+([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** "KEY=VALUE" or "KEY" → [KEY upper-cased, VALUE | null]. */
function splitParameter(word: string): [string, string | null] {
  const eq = word.indexOf('=');
  return eq < 0 ? [word.toUpperCase(), null] : [word.slice(0, eq).toUpperCase(), word.slice(eq + 1)];
}

function parseMail(rest: string): LmtpCommand {
  const { path, params } = splitPath(rest, 'FROM:', REPLIES.badSender);
  const sender = path === '' ? null : parseAddress(path, REPLIES.badSender, false);
  let size: number | null = null;
  let body: MailParameters['body'] = null;
  let smtputf8 = false;
  let auth: string | null = null;
  for (const word of params) {
    const [key, value] = splitParameter(word);
    if (key === 'SIZE') {
      if (value === null || !/^\d{1,15}$/.test(value)) throw new CommandError(REPLIES.syntax);
      size = Number(value);
    } else if (key === 'BODY') {
      const v = value?.toUpperCase();
      if (v !== '7BIT' && v !== '8BITMIME' && v !== 'BINARYMIME') throw new CommandError(REPLIES.syntax);
      body = v;
    } else if (key === 'SMTPUTF8') {
      if (value !== null) throw new CommandError(REPLIES.syntax);
      smtputf8 = true;
    } else if (key === 'AUTH') {
      if (value === null) throw new CommandError(REPLIES.syntax);
      auth = value === '<>' ? null : decodeXtext(value);
    } else {
      throw new CommandError(REPLIES.unknownParameter);
    }
  }
  return { verb: 'MAIL', sender, params: { size, body, smtputf8, auth } };
}

function parseRcpt(rest: string): LmtpCommand {
  const { path, params } = splitPath(rest, 'TO:', REPLIES.badRecipient);
  const recipient = parseAddress(path, REPLIES.badRecipient, false);
  let ignoreQuota = false;
  let notify: string | null = null;
  let originalRecipient: string | null = null;
  for (const word of params) {
    const [key, value] = splitParameter(word);
    if (key === 'IGNOREQUOTA' && value === null) ignoreQuota = true;
    else if (key === 'NOTIFY' && value !== null) notify = value.toUpperCase();
    else if (key === 'ORCPT' && value !== null) originalRecipient = decodeXtext(value);
    else throw new CommandError(REPLIES.unknownParameter);
  }
  return { verb: 'RCPT', recipient, params: { ignoreQuota, notify, originalRecipient } };
}
