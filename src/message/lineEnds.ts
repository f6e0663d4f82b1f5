/**
 * Line-end normalisation applied before a message is stored: every bare LF and every bare CR
 * becomes CRLF, so the stored file is RFC 5322 with CRLF line ends throughout.
 * The scan uses Buffer.indexOf (native) per line end; no per-byte JavaScript loop.
 */
import { isAscii } from 'node:buffer';
import { scanHeader } from './header.js';
import { utf8SequenceLength } from './rawText.js';

const CR = 0x0d;
const LF = 0x0a;
const CRLF = Buffer.from('\r\n', 'latin1');

/** Positions of line-end bytes that are not part of a CRLF pair, in ascending order. */
function bareLineEnds(content: Buffer): number[] {
  const bare: number[] = [];
  let cr = content.indexOf(CR);
  let lf = content.indexOf(LF);
  while (cr !== -1 || lf !== -1) {
    if (cr !== -1 && (lf === -1 || cr < lf)) {
      if (lf === cr + 1) {
        // a proper CRLF: step past both
        cr = content.indexOf(CR, lf + 1);
        lf = content.indexOf(LF, lf + 1);
      } else {
        bare.push(cr);
        cr = content.indexOf(CR, cr + 1);
      }
    } else {
      bare.push(lf);
      lf = content.indexOf(LF, lf + 1);
    }
  }
  return bare;
}

/** Bare LF and bare CR become CRLF, as Cyrus stores messages. Returns `content` itself when already clean. */
export function normalizeLineEnds(content: Buffer): Buffer {
  const bare = bareLineEnds(content);
  if (bare.length === 0) return content;
  const out = Buffer.allocUnsafe(content.length + bare.length);
  let from = 0;
  let to = 0;
  for (const position of bare) {
    to += content.copy(out, to, from, position);
    to += CRLF.copy(out, to);
    from = position + 1;
  }
  content.copy(out, to, from);
  return out;
}

/** One past the top-level header block (its blank line excluded), in stored or unnormalised bytes. */
function headerEnd(content: Buffer): number {
  return scanHeader(content, 0, content.length).headerEnd;
}

/**
 * Cyrus's munge8bit exactly (imapd.conf, default on when reject8bit is off): every 8-bit byte in the
 * top-level header becomes 'X', UTF-8 included. Returns `content` itself when the header is 7-bit.
 * The store applies mungeLegacy8bitHeader() instead (munge8bit: yes), which keeps UTF-8 (RFC 6532).
 */
export function munge8bitHeader(content: Buffer): Buffer {
  const end = headerEnd(content);
  let copy: Buffer | null = null;
  for (let i = 0; i < end; i++) {
    if (content[i]! >= 0x80) {
      copy ??= Buffer.from(content);
      copy[i] = 0x58;
    }
  }
  return copy ?? content;
}

/**
 * munge8bit as this server applies it: every byte of the top-level header that is 8-bit and not part
 * of a well-formed UTF-8 sequence (a Latin-1 "\xe9", a stray continuation byte) becomes 'X'; UTF-8
 * header text is kept, as RFC 6532 allows. Returns `content` itself when nothing changes.
 */
export function mungeLegacy8bitHeader(content: Buffer): Buffer {
  // No 8-bit byte anywhere (one native scan): nothing to munge, and no header scan to find its end.
  if (isAscii(content)) return content;
  const end = headerEnd(content);
  let copy: Buffer | null = null;
  let pos = 0;
  while (pos < end) {
    if (content[pos]! < 0x80) {
      pos++;
      continue;
    }
    const length = utf8SequenceLength(content, pos, end);
    if (length > 0) {
      pos += length;
      continue;
    }
    copy ??= Buffer.from(content);
    copy[pos++] = 0x58;
  }
  return copy ?? content;
}
