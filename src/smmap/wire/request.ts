/**
 * The socketmap request and reply (Sendmail's socket map, Postfix's socketmap_table(5)): a request
 * is "<mapname> <key>", a reply "OK <value>", "NOTFOUND ", "TEMP <reason>" or "PERM <reason>", each
 * one netstring. No I/O.
 */
import { netstring } from './netstring.js';

export interface MapRequest {
  /** The map the MTA names (Postfix: the last field of socketmap:inet:HOST:PORT:NAME); any name is served. */
  readonly mapName: string;
  /** What is looked up: a recipient address. */
  readonly key: string;
}

export type MapReply =
  | { readonly status: 'OK'; readonly value: string }
  | { readonly status: 'NOTFOUND' }
  | { readonly status: 'TEMP' | 'PERM'; readonly reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A request's payload as map name and key, or why it is not one. */
export function parseRequest(payload: Buffer): MapRequest | { readonly error: string } {
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return { error: 'request is not UTF-8' };
  }
  const space = text.indexOf(' ');
  if (space < 0) return { error: 'request is not "MAPNAME KEY" (no space)' };
  const mapName = text.slice(0, space);
  const key = text.slice(space + 1);
  if (mapName === '') return { error: 'request is not "MAPNAME KEY" (empty map name)' };
  if (key === '') return { error: 'request is not "MAPNAME KEY" (empty key)' };
  if (CONTROL.test(text)) return { error: 'control character in the request' };
  return { mapName, key };
}

/** The netstring of one reply. */
export function serializeReply(reply: MapReply): Buffer {
  switch (reply.status) {
    case 'OK':
      return netstring(`OK ${reply.value}`);
    case 'NOTFOUND':
      return netstring('NOTFOUND ');
    default:
      return netstring(`${reply.status} ${reply.reason}`);
  }
}
