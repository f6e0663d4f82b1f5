/**
 * Byte-level pieces of command framing shared by the reader: the tag and command name at the start
 * of a command, and the literal marker (`{n}`, `{n+}`, `~{n}`) that may end a line.
 */

/** A literal announced at the end of a line. */
export interface LiteralMarker {
  /** Index in the line where the marker starts (the `{`, or the `~` of a literal8). */
  start: number;
  size: number;
  /** `{n+}`: the data follows without waiting for a continuation. */
  nonSync: boolean;
  /** `~{n}`: literal8 (RFC 3516), may hold NUL bytes. */
  binary: boolean;
}

/** Literal sizes above this are refused as too big whatever the limits (and kept exact in a double). */
const MAX_DIGITS = 15;

/** Find a literal marker ending the line (CRLF already removed), or null. */
export function findLiteralMarker(line: Buffer): LiteralMarker | null {
  let i = line.length - 1;
  if (i < 2 || line[i] !== 0x7d /* } */) return null;
  i--;
  let nonSync = false;
  if (line[i] === 0x2b /* + */) {
    nonSync = true;
    i--;
  }
  const digitsEnd = i + 1;
  while (i >= 0 && line[i]! >= 0x30 && line[i]! <= 0x39) i--;
  const digits = digitsEnd - (i + 1);
  if (digits === 0 || i < 0 || line[i] !== 0x7b /* { */) return null;
  let start = i;
  let binary = false;
  if (i > 0 && line[i - 1] === 0x7e /* ~ */) {
    binary = true;
    start = i - 1;
  }
  const size = digits > MAX_DIGITS ? Number.MAX_SAFE_INTEGER : Number(line.toString('latin1', i + 1, digitsEnd));
  return { start, size, nonSync, binary };
}

/** A tag character: any ASTRING-CHAR except "+" (RFC 3501 formal syntax). */
function isTagChar(byte: number): boolean {
  if (byte <= 0x20 || byte >= 0x7f) return false;
  switch (byte) {
    case 0x28: // (
    case 0x29: // )
    case 0x7b: // {
    case 0x25: // %
    case 0x2a: // *
    case 0x22: // "
    case 0x5c: // \
    case 0x2b: // +
      return false;
    default:
      return true;
  }
}

interface CommandStart {
  /** Null when the line does not start with a valid tag. */
  tag: string | null;
  /** Upper-cased command name, '' when missing. */
  name: string;
  /** Where the arguments start (just after the name). */
  argsStart: number;
}

/** Read `tag SP name` at the start of a command line. */
export function parseCommandStart(line: Buffer): CommandStart {
  let i = 0;
  while (i < line.length && isTagChar(line[i]!)) i++;
  if (i === 0 || (i < line.length && line[i] !== 0x20)) return { tag: null, name: '', argsStart: line.length };
  const tag = line.toString('latin1', 0, i);
  if (i >= line.length) return { tag, name: '', argsStart: line.length };
  const nameStart = ++i;
  while (i < line.length && isNameChar(line[i]!)) i++;
  if (i === nameStart || (i < line.length && line[i] !== 0x20)) return { tag, name: '', argsStart: line.length };
  return { tag, name: line.toString('latin1', nameStart, i).toUpperCase(), argsStart: i };
}

function isNameChar(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x2d || byte === 0x5f;
}
