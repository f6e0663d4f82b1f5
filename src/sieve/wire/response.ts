/**
 * The server's side of the grammar (RFC 5804 section 4): strings as quoted strings when they can
 * be (escaping " and \), else as literals {N}; and the OK / NO / BYE lines with their optional
 * response code and human-readable text. Every response goes through here. No I/O.
 */

/** Longest string sent quoted; longer ones (and any with CR, LF or NUL) go as literals. */
const MAX_QUOTED = 1024;

/** A string as the server sends it. */
export function serializeString(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  if (bytes.length <= MAX_QUOTED && !bytes.includes(0x0d) && !bytes.includes(0x0a) && !bytes.includes(0)) {
    const text = bytes.toString('utf8');
    // Bytes that are not UTF-8 cannot go quoted (SAFE-UTF8-CHAR): send them as a literal.
    if (Buffer.from(text, 'utf8').equals(bytes)) return Buffer.from(`"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`, 'utf8');
  }
  return Buffer.concat([Buffer.from(`{${bytes.length}}\r\n`, 'latin1'), bytes]);
}

export function quoted(value: string): string {
  return serializeString(value).toString('utf8');
}

/** Response codes of RFC 5804 section 1.3 (and TAG / SASL with their string). */
export type ResponseCode =
  | 'AUTH-TOO-WEAK'
  | 'ENCRYPT-NEEDED'
  | 'QUOTA'
  | 'QUOTA/MAXSCRIPTS'
  | 'QUOTA/MAXSIZE'
  | 'TRANSITION-NEEDED'
  | 'TRYLATER'
  | 'ACTIVE'
  | 'NONEXISTENT'
  | 'ALREADYEXISTS'
  | 'WARNINGS'
  | { code: 'TAG' | 'SASL'; value: Buffer | string };

export type ResponseKind = 'OK' | 'NO' | 'BYE';

/** Human-readable text is plain UTF-8 without controls (a compiler's message may carry any). */
function cleanText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 1000);
}

/**
 * One response line. Successful answers are sent as a bare OK (with a code only for SASL success
 * data and NOOP's TAG), as Cyrus's timsieved does: Cyrus's own client (sieveshell) refuses text
 * after OK and any OK code but SASL. NO and BYE carry a code when one applies and a text.
 */
export function responseLine(kind: ResponseKind, code: ResponseCode | null, text: string | null): Buffer {
  const parts: Buffer[] = [Buffer.from(kind, 'latin1')];
  if (code !== null) {
    if (typeof code === 'string') parts.push(Buffer.from(` (${code})`, 'latin1'));
    else parts.push(Buffer.from(` (${code.code} `, 'latin1'), serializeString(code.value), Buffer.from(')', 'latin1'));
  }
  if (text !== null) parts.push(Buffer.from(' ', 'latin1'), serializeString(cleanText(text)));
  parts.push(Buffer.from('\r\n', 'latin1'));
  return Buffer.concat(parts);
}
