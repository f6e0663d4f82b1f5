/**
 * What goes on the mupdate wire (RFC 3656), for both sides: strings as `{N+}` literals (as Cyrus
 * writes every string in data lines), or quoted where a short text fits (status texts, the
 * greeting, AUTHENTICATE's arguments). No I/O.
 */
import type { MupdateEvent } from '../types.js';

/** A string as a non-synchronizing literal: `{N+}` CRLF and the octets. */
export function literal(value: string): string {
  return `{${Buffer.byteLength(value, 'utf8')}+}\r\n${value}`;
}

/** A string quoted when it can be (no CR, LF, NUL, not too long), else a literal. */
export function quoted(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (value.length > 1024 || /[\r\n\0]/.test(value)) return literal(value);
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** One data line of FIND / LIST / UPDATE: `TAG MAILBOX name location acl`, `TAG RESERVE ...`, `TAG DELETE name`. */
export function eventLine(tag: string, event: MupdateEvent): string {
  switch (event.kind) {
    case 'mailbox':
      return `${tag} MAILBOX ${literal(event.name)} ${literal(event.location)} ${literal(event.acl)}\r\n`;
    case 'reserve':
      return `${tag} RESERVE ${literal(event.name)} ${literal(event.location)}\r\n`;
    case 'delete':
      return `${tag} DELETE ${literal(event.name)}\r\n`;
  }
}

export type StatusKind = 'OK' | 'NO' | 'BAD' | 'BYE';

/** `TAG OK "text"` (or `* BYE "text"`); the text loses control characters. */
export function statusLine(tag: string, kind: StatusKind, text: string): string {
  // eslint-disable-next-line no-control-regex
  return `${tag} ${kind} ${quoted(text.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 1000))}\r\n`;
}

/** A command line: the tag, the command and its arguments as strings (quoted or literal). */
export function commandLine(tag: string, command: string, args: readonly string[]): string {
  return [tag, command, ...args.map((a) => (/^[\x20-\x7e]*$/.test(a) && a.length <= 1024 ? quoted(a) : literal(a)))].join(' ') + '\r\n';
}
