/**
 * IMAP URLs (RFC 5092) as CATENATE (RFC 4469) and URLAUTH (RFC 4467) use them: a message or a part
 * of one, `imap://user@host/mailbox;UIDVALIDITY=v/;UID=u/;SECTION=s/;PARTIAL=o.l` with the
 * URLAUTH tail `;EXPIRE=date-time;URLAUTH=access:mechanism:token`. Keywords compare
 * case-insensitively; the user, mailbox and section are percent-decoded (the mailbox into UTF-8).
 *
 * Relative references (CATENATE) are resolved against a base path first: "/INBOX/;UID=3" stands
 * alone, "Sent/;UID=3" and ";UID=3" are relative to the selected mailbox's "/<mailbox>/" (or "/").
 * URLs naming a server, a mailbox list, a whole mailbox or a search are refused: URLAUTH and
 * CATENATE apply only to messages and their parts. A refusal is an UrlError (the answer is
 * BADURL or NIL, never BAD: the URL sits inside a well-formed command).
 */

export class UrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UrlError';
  }
}

/** Who may redeem a URLAUTH URL (RFC 4467 section 3). */
export type UrlAccess =
  | { kind: 'anonymous' }
  | { kind: 'authuser' }
  | { kind: 'user'; userid: string }
  | { kind: 'submit'; userid: string };

export interface UrlAuth {
  /** Until when the URL may be redeemed (;EXPIRE=); null: no limit. */
  expire: Date | null;
  access: UrlAccess;
  /** The URL as sent up to and including `;URLAUTH=<access>`: what the token signs. */
  rump: string;
  /** Mechanism (upper-cased) and token (lower-cased hex); null for a rump URL (GENURLAUTH's argument). */
  mechanism: string | null;
  token: string | null;
}

export interface ImapUrl {
  /** Absolute (`imap://`) or resolved from a relative reference. */
  absolute: boolean;
  /** The userid of the iserver part (percent-decoded); null when absent. */
  user: string | null;
  /** Host as written (lower-cased); null for a relative URL. */
  host: string | null;
  port: number | null;
  /** Mailbox name in UTF-8 ("/" as written, the server's separator). */
  mailbox: string;
  uidValidity: number | null;
  uid: number;
  /** The section text (e.g. "1.2.HEADER"), null for the whole message. */
  section: string | null;
  partial: { offset: number; length: number | null } | null;
  urlauth: UrlAuth | null;
}

const NUMBER_MAX = 0xffffffff;

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new UrlError(`Invalid percent-encoding in ${what}`);
  }
}

function nzNumber(text: string, what: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(text) || Number(text) > NUMBER_MAX) throw new UrlError(`Invalid ${what}`);
  return Number(text);
}

/** RFC 3339 date-time, e.g. 2030-01-01T00:00:00Z or 2030-01-01T01:00:00.5+01:00. */
export function parseUrlDateTime(text: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.exec(text);
  if (!m) throw new UrlError('Invalid EXPIRE date-time');
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const fields = [Number(mo), Number(d), Number(h), Number(mi), Number(s)];
  if (fields[0]! < 1 || fields[0]! > 12 || fields[1]! < 1 || fields[1]! > 31 || fields[2]! > 23 || fields[3]! > 59 || fields[4]! > 60) {
    throw new UrlError('Invalid EXPIRE date-time');
  }
  let ms = Date.UTC(Number(y), fields[0]! - 1, fields[1]!, fields[2]!, fields[3]!, fields[4]!) + (frac ? Math.floor(Number(frac) * 1000) : 0);
  if (zone!.toUpperCase() !== 'Z') {
    const sign = zone![0] === '-' ? -1 : 1;
    ms -= sign * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6))) * 60_000;
  }
  return new Date(ms);
}

function parseAccess(text: string): UrlAccess {
  const lower = text.toLowerCase();
  if (lower === 'anonymous') return { kind: 'anonymous' };
  if (lower === 'authuser') return { kind: 'authuser' };
  const m = /^(submit|user)\+(.+)$/i.exec(text);
  if (m) return { kind: m[1]!.toLowerCase() as 'submit' | 'user', userid: decode(m[2]!, 'access identifier') };
  if (/^(submit|user)\+$/i.test(text)) throw new UrlError('Empty userid in access identifier');
  throw new UrlError(`Unknown access identifier ${text}`);
}

// After the mailbox reference: ;UID=u [/;SECTION=s] [/;PARTIAL=o[.l]] [;EXPIRE=t] [;URLAUTH=a[:m:token]]
const MESSAGE_PART =
  /^;UID=([^/;]*)(?:\/;SECTION=([^;]+?))?(?:\/;PARTIAL=([^;/]*))?(?:;EXPIRE=([^;]*))?(?:;URLAUTH=([^:;]*)(?::([^:;]*):([^:;]*))?)?$/i;

/** The message-part path after "/" (mailbox reference, then "/;UID=..."), resolved. */
function parsePath(path: string, url: string, base: Omit<ImapUrl, 'mailbox' | 'uidValidity' | 'uid' | 'section' | 'partial' | 'urlauth'>): ImapUrl {
  if (path.includes('?')) throw new UrlError('Search URLs are not supported here');
  if (/^;UID=/i.test(path)) throw new UrlError('URL does not name a mailbox');
  const uidAt = path.search(/\/;UID=/i);
  if (uidAt < 0) throw new UrlError('URL does not name a message');
  let mailboxRef = path.slice(0, uidAt);
  let uidValidity: number | null = null;
  const validity = /;UIDVALIDITY=([^;/]*)$/i.exec(mailboxRef);
  if (validity) {
    uidValidity = nzNumber(validity[1]!, 'UIDVALIDITY');
    mailboxRef = mailboxRef.slice(0, validity.index);
  }
  if (mailboxRef.includes(';')) throw new UrlError('Unexpected ";" in mailbox');
  const mailbox = decode(mailboxRef, 'mailbox');
  if (mailbox === '') throw new UrlError('URL does not name a mailbox');
  const rest = path.slice(uidAt + 1);
  const m = MESSAGE_PART.exec(rest);
  if (!m) throw new UrlError('Unrecognized URL component');
  const [, uidText, sectionText, partialText, expireText, accessText, mechanism, token] = m;
  const uid = nzNumber(uidText!, 'UID');
  const section = sectionText === undefined ? null : decode(sectionText, 'section');
  let partial: ImapUrl['partial'] = null;
  if (partialText !== undefined) {
    const p = /^(0|[1-9][0-9]{0,9})(?:\.([1-9][0-9]{0,9}))?$/.exec(partialText);
    if (!p || Number(p[1]) > NUMBER_MAX || (p[2] !== undefined && Number(p[2]) > NUMBER_MAX)) throw new UrlError('Invalid PARTIAL');
    partial = { offset: Number(p[1]), length: p[2] === undefined ? null : Number(p[2]) };
  }
  let urlauth: UrlAuth | null = null;
  if (accessText !== undefined) {
    const expire = expireText === undefined ? null : parseUrlDateTime(expireText);
    const rumpEnd = url.length - (mechanism === undefined ? 0 : mechanism.length + token!.length + 2);
    let hexToken: string | null = null;
    if (token !== undefined) {
      if (!/^[0-9a-f]{32,}$/i.test(token)) throw new UrlError('Invalid URLAUTH token');
      hexToken = token.toLowerCase();
    }
    if (mechanism !== undefined && !/^[A-Za-z0-9\-.]+$/.test(mechanism)) throw new UrlError('Invalid URLAUTH mechanism');
    urlauth = { expire, access: parseAccess(accessText), rump: url.slice(0, rumpEnd), mechanism: mechanism?.toUpperCase() ?? null, token: hexToken };
  } else if (expireText !== undefined) {
    throw new UrlError('EXPIRE without URLAUTH');
  }
  return { ...base, mailbox, uidValidity, uid, section, partial, urlauth };
}

/**
 * Parse an IMAP URL. `basePath` resolves a relative reference: the selected mailbox's
 * "/<encoded mailbox>/" or "/" (an absolute URL ignores it). Throws UrlError.
 */
export function parseImapUrl(url: string, basePath = '/'): ImapUrl {
  // eslint-disable-next-line no-control-regex
  if (url === '' || /[\x00-\x20\x7f-\uffff"]/.test(url)) throw new UrlError('Invalid characters in URL');
  if (url.toLowerCase().startsWith('imap://')) {
    const rest = url.slice(7);
    const slash = rest.indexOf('/');
    if (slash < 0) throw new UrlError('URL does not name a message');
    const server = parseServer(rest.slice(0, slash));
    return parsePath(rest.slice(slash + 1), url, { absolute: true, ...server });
  }
  if (url.startsWith('//')) throw new UrlError('Network-path references are not supported');
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url)) throw new UrlError('Not an IMAP URL');
  const resolved = url.startsWith('/') ? url : basePath + url;
  return parsePath(resolved.slice(1), url, { absolute: false, user: null, host: null, port: null });
}

function parseServer(text: string): Pick<ImapUrl, 'user' | 'host' | 'port'> {
  let user: string | null = null;
  let hostPort = text;
  const at = text.lastIndexOf('@');
  if (at >= 0) {
    let userinfo = text.slice(0, at);
    hostPort = text.slice(at + 1);
    const auth = /;AUTH=([^;]*)$/i.exec(userinfo);
    if (auth) {
      if (auth[1] === '') throw new UrlError('Empty AUTH mechanism');
      userinfo = userinfo.slice(0, auth.index);
    }
    if (/[;@:]/.test(userinfo)) throw new UrlError('Invalid user in URL');
    user = userinfo === '' ? null : decode(userinfo, 'user');
  }
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,=%]+)(?::([0-9]{1,5}))?$/.exec(hostPort);
  if (!m) throw new UrlError('Invalid host in URL');
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && (port === 0 || port > 65535)) throw new UrlError('Invalid port in URL');
  return { user, host: decode(m[1]!, 'host').toLowerCase(), port };
}

/** The base path relative references resolve against: "/<mailbox>/" when one is selected, else "/". */
export function urlBasePath(selectedMailbox: string | null): string {
  return selectedMailbox === null ? '/' : `/${encodeUrlMailbox(selectedMailbox)}/`;
}

/** A mailbox name (UTF-8) as a URL path: "/" kept, everything not safe in bchar percent-encoded. */
export function encodeUrlMailbox(mailbox: string): string {
  return encodeURIComponent(mailbox).replace(/%2F/gi, '/').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
