/**
 * The body of a multi-line response (RFC 1939 section 3): a "." at the start of a line is doubled,
 * and the response ends with ".\r\n" on a line of its own. A line starts after every LF (as Cyrus
 * counts lines), so a client that splits on LF or on CRLF never takes a message line for the end.
 * Octets are sent as stored: LIST's size is exactly what RETR delivers once the client removes
 * the stuffing; only a message whose last line has no line end gets a CRLF before the final dot.
 * Streaming: chunks in, slices out, nothing held beyond the current chunk.
 */

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const LF_DOT = Buffer.from('\n.', 'latin1');
const EXTRA_DOT = Buffer.from('.', 'latin1');
const END = Buffer.from('.\r\n', 'latin1');
const LINE_END_AND_END = Buffer.from('\r\n.\r\n', 'latin1');
const EMPTY = Buffer.alloc(0);

export class DotStuffer {
  private atLineStart = true;

  /** The pieces to send for the next chunk of the message, in order. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length === 0) return [];
    const parts: Buffer[] = [];
    if (this.atLineStart && chunk[0] === DOT) parts.push(EXTRA_DOT);
    let from = 0;
    for (let i = chunk.indexOf(LF_DOT); i >= 0; i = chunk.indexOf(LF_DOT, i + 1)) {
      parts.push(chunk.subarray(from, i + 1), EXTRA_DOT);
      from = i + 1;
    }
    parts.push(from === 0 ? chunk : chunk.subarray(from));
    this.atLineStart = chunk[chunk.length - 1] === LF;
    return parts;
  }

  /** The end of the response: ".\r\n", after a CRLF when the message did not end a line. */
  end(): Buffer {
    return this.atLineStart ? END : LINE_END_AND_END;
  }
}

/**
 * TOP's cut (RFC 1939 section 7): the header, the empty line after it, then `lines` lines of the
 * body. The empty line is CRLF (or a bare LF); a message without one is sent whole.
 */
export class TopCutter {
  private inHeader = true;
  private bodyLines = 0;
  /** Bytes of the current line seen so far (before its LF), across chunks. */
  private lineLength = 0;
  private firstByte = -1;
  private finished = false;

  constructor(private readonly lines: number) {}

  /** True once the last wanted line has been passed on: read no more. */
  get done(): boolean {
    return this.finished;
  }

  /** The part of `chunk` to send. */
  take(chunk: Buffer): Buffer {
    if (this.finished) return EMPTY;
    let pos = 0;
    for (;;) {
      const lf = chunk.indexOf(LF, pos);
      if (lf < 0) {
        if (pos < chunk.length) {
          if (this.lineLength === 0) this.firstByte = chunk[pos]!;
          this.lineLength += chunk.length - pos;
        }
        return chunk;
      }
      if (this.lineLength === 0 && lf > pos) this.firstByte = chunk[pos]!;
      const length = this.lineLength + (lf - pos);
      const empty = length === 0 || (length === 1 && this.firstByte === CR);
      this.lineLength = 0;
      pos = lf + 1;
      if (this.inHeader) {
        if (!empty) continue;
        this.inHeader = false;
        if (this.lines > 0) continue;
      } else if (++this.bodyLines < this.lines) continue;
      this.finished = true;
      return chunk.subarray(0, pos);
    }
  }
}
