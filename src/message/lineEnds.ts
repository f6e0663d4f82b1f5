/**
 * Line-end normalisation applied before a message is stored: every bare LF and every bare CR
 * becomes CRLF, so the stored file is RFC 5322 with CRLF line ends throughout.
 * The scan uses Buffer.indexOf (native) per line end; no per-byte JavaScript loop.
 */

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

/** True when every line end in `content` is CRLF. */
export function hasCleanLineEnds(content: Buffer): boolean {
  return bareLineEnds(content).length === 0;
}

/**
 * Cyrus's munge8bit (imapd.conf, default on when reject8bit is off): every 8-bit byte in the header
 * block becomes 'X' before the message is stored. Returns `content` itself when the header is 7-bit.
 * Whether to apply it is the store's choice; we keep UTF-8 headers (RFC 6532) unless asked.
 */
export function munge8bitHeader(content: Buffer): Buffer {
  let headerEnd = content.indexOf('\r\n\r\n');
  headerEnd = headerEnd === -1 ? content.length : headerEnd;
  let copy: Buffer | null = null;
  for (let i = 0; i < headerEnd; i++) {
    if (content[i]! >= 0x80) {
      copy ??= Buffer.from(content);
      copy[i] = 0x58;
    }
  }
  return copy ?? content;
}
