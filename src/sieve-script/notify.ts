/**
 * enotify (RFC 5435) with its one method, mailto (RFC 5436): reading a mailto URI (RFC 6068), which
 * URIs a notify can use, the methods' capabilities, and the :encodeurl modifier. Pure: the caller
 * builds and sends the notification.
 */
import { addrSpecOf } from './address.js';

export interface MailtoUri {
  /** The recipients: the URI's path and its "to" fields. */
  to: string[];
  cc: string[];
  bcc: string[];
  /** The other header fields the URI gives, by lower-case name, in order (body is one of them). */
  fields: Array<[string, string]>;
}

/**
 * The header fields of a mailto URI a notification may carry (RFC 5436 2.7: the others, such as From,
 * Received or Auto-Submitted, are ignored); to, cc and bcc become recipients.
 */
const SAFE_FIELDS = new Set(['subject', 'body', 'keywords', 'comments', 'in-reply-to', 'references']);

function decode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

function addresses(list: string): string[] | null {
  const out: string[] = [];
  for (const part of list.split(',')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const address = addrSpecOf(trimmed);
    if (address === null) return null;
    out.push(address);
  }
  return out;
}

/** A mailto URI as RFC 6068 writes it, or null when it is not one a notification can go to (no valid recipient). */
export function parseMailto(uri: string): MailtoUri | null {
  if (!/^mailto:/i.test(uri)) return null;
  const rest = uri.slice(7);
  const q = rest.indexOf('?');
  const path = decode(q < 0 ? rest : rest.slice(0, q));
  if (path === null) return null;
  const to = addresses(path);
  if (to === null) return null;
  const out: MailtoUri = { to, cc: [], bcc: [], fields: [] };
  if (q >= 0) {
    for (const pair of rest.slice(q + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const name = decode(eq < 0 ? pair : pair.slice(0, eq))?.toLowerCase();
      const value = decode(eq < 0 ? '' : pair.slice(eq + 1));
      if (name === undefined || value === null) return null;
      if (name === 'to' || name === 'cc' || name === 'bcc') {
        const list = addresses(value);
        if (list === null) return null;
        out[name].push(...list);
      } else if (SAFE_FIELDS.has(name)) {
        out.fields.push([name, value]);
      }
    }
  }
  if (out.to.length + out.cc.length + out.bcc.length === 0) return null;
  return out;
}

/** Whether a notify may use this method URI (valid_notify_method): a mailto URI with a recipient. */
export function validNotifyMethod(uri: string): boolean {
  return parseMailto(uri) !== null;
}

/**
 * notify_method_capability: a method's capability, or null when the method or the capability is
 * unknown. mailto knows "online" only as "maybe" (RFC 5436 2.2).
 */
export function notifyMethodCapability(uri: string, capability: string): string | null {
  if (!validNotifyMethod(uri)) return null;
  return capability.toLowerCase() === 'online' ? 'maybe' : null;
}

/** :encodeurl (RFC 5435 4.1): every octet of the UTF-8 text but the URI's unreserved characters percent-encoded. */
export function encodeUrl(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
