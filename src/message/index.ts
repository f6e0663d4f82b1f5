// Entry points of the message layer. (Placeholder signatures; src/message is being filled in.)
import type { MessageSummary } from './types.js';
export type * from './types.js';

/** Bare LF and bare CR become CRLF, as Cyrus stores messages. */
export function normalizeLineEnds(content: Buffer): Buffer {
  if (!content.includes(0x0a) && !content.includes(0x0d)) return content;
  const out: number[] = [];
  for (let i = 0; i < content.length; i++) {
    const c = content[i]!;
    if (c === 0x0d) {
      out.push(0x0d, 0x0a);
      if (content[i + 1] === 0x0a) i++;
    } else if (c === 0x0a) {
      out.push(0x0d, 0x0a);
    } else out.push(c);
  }
  return Buffer.from(out);
}

/** Parse a stored (CRLF) message once: envelope, body structure with byte ranges, raw header. */
export declare function summarizeMessage(content: Buffer): MessageSummary;
