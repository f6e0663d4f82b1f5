/**
 * Status responses (tagged, untagged, continuation) and the response codes of RFC 3501, RFC 5530
 * and the extensions (UIDPLUS APPENDUID/COPYUID, CONDSTORE HIGHESTMODSEQ, BINARY, ...).
 */
import { formatSequenceSet } from '../sequence.js';
import { flagList, imapString, responseText } from './strings.js';

type Status = 'OK' | 'NO' | 'BAD';

function withCode(code: string | null, text: string): string {
  return code ? `[${code}] ${responseText(text)}` : responseText(text);
}

/** `tag OK|NO|BAD [code] text` CRLF. */
export function tagged(tag: string, status: Status, code: string | null, text: string): string {
  return `${tag} ${status} ${withCode(code, text)}\r\n`;
}

/** `* OK|NO|BAD|PREAUTH|BYE [code] text` CRLF. */
export function untaggedStatus(status: Status | 'PREAUTH' | 'BYE', code: string | null, text: string): string {
  return `* ${status} ${withCode(code, text)}\r\n`;
}

/** Any untagged response: `* ` + data + CRLF. */
export function untagged(data: string): string {
  return `* ${data}\r\n`;
}

/** A command continuation request `+ text` (base64 challenges go here too). */
export function continuation(text = 'go ahead'): string {
  return `+ ${responseText(text)}\r\n`;
}

/** Response code texts (the part between brackets). */
export const codes = {
  alert: (): string => 'ALERT',
  parse: (): string => 'PARSE',
  readOnly: (): string => 'READ-ONLY',
  readWrite: (): string => 'READ-WRITE',
  tryCreate: (): string => 'TRYCREATE',
  tooBig: (): string => 'TOOBIG',
  closed: (): string => 'CLOSED',
  noModseq: (): string => 'NOMODSEQ',
  uidNotSticky: (): string => 'UIDNOTSTICKY',
  unknownCte: (): string => 'UNKNOWN-CTE',
  uidValidity: (n: number): string => `UIDVALIDITY ${n}`,
  uidNext: (n: number): string => `UIDNEXT ${n}`,
  unseen: (n: number): string => `UNSEEN ${n}`,
  highestModseq: (n: number | bigint): string => `HIGHESTMODSEQ ${n}`,
  appendLimit: (n: number | null): string => (n === null ? 'APPENDLIMIT' : `APPENDLIMIT ${n}`),
  permanentFlags: (flags: Iterable<string>, newKeywords: boolean): string =>
    `PERMANENTFLAGS ${flagList(newKeywords ? [...flags, '\\*'] : flags)}`,
  capability: (capabilities: readonly string[]): string => `CAPABILITY ${capabilities.join(' ')}`,
  badCharset: (charsets: readonly string[] = []): string =>
    charsets.length ? `BADCHARSET (${charsets.map(imapString).join(' ')})` : 'BADCHARSET',
  /** APPENDUID uidvalidity uid-set (UIDPLUS, RFC 4315); MULTIAPPEND lists several UIDs. */
  appendUid: (uidValidity: number, uids: readonly number[]): string => `APPENDUID ${uidValidity} ${formatSequenceSet(uids)}`,
  /** COPYUID uidvalidity source-set dest-set, both in corresponding order. */
  copyUid: (uidValidity: number, sourceUids: readonly number[], destinationUids: readonly number[]): string =>
    `COPYUID ${uidValidity} ${formatSequenceSet(sourceUids)} ${formatSequenceSet(destinationUids)}`,
  /** Any RFC 5530 code without arguments: UNAVAILABLE AUTHENTICATIONFAILED ... NONEXISTENT SERVERBUG. */
  plain: (code: string): string => code,
} as const;
