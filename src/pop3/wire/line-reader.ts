/**
 * Splits the client's bytes into command lines (CRLF or a bare LF ends a line) with a length
 * limit. A line over the limit is never held in memory: its bytes are dropped as they come and,
 * once its end arrives, the reader reports it as too long, so the session can answer it and go on.
 * No I/O here: the session pushes chunks and pulls events.
 */

export type LineEvent = { kind: 'line'; text: string } | { kind: 'tooLong' };

const LF = 0x0a;
const CR = 0x0d;

export class LineReader {
  private buffer: Buffer = Buffer.alloc(0);
  private start = 0;
  /** Inside an over-long line: its bytes are being dropped until its end. */
  private discarding = false;

  constructor(private readonly maxLineLength: number) {}

  /** Bytes held and not yet returned as lines. */
  get bufferedBytes(): number {
    return this.buffer.length - this.start;
  }

  push(chunk: Buffer): void {
    if (this.start >= this.buffer.length) {
      this.buffer = chunk;
      this.start = 0;
    } else {
      this.buffer = Buffer.concat([this.buffer.subarray(this.start), chunk]);
      this.start = 0;
    }
  }

  /** Whether a whole line is waiting (the session flushes its answers only when none is). */
  hasLine(): boolean {
    return this.buffer.indexOf(LF, this.start) >= 0;
  }

  /** Everything buffered and not yet returned as lines, as raw bytes (a proxied session hands them to the backend). */
  takeRest(): Buffer {
    const rest = this.discarding ? Buffer.alloc(0) : this.buffer.subarray(this.start);
    this.clear();
    return rest;
  }

  /** Drop everything buffered (after STLS: nothing sent in plaintext survives the upgrade). */
  clear(): void {
    this.buffer = Buffer.alloc(0);
    this.start = 0;
    this.discarding = false;
  }

  /** The next complete line, or null when more bytes are needed. */
  next(): LineEvent | null {
    for (;;) {
      const end = this.buffer.indexOf(LF, this.start);
      if (end < 0) {
        // The limit plus one byte: the CR of a line of exactly the limit may come before its LF.
        if (this.bufferedBytes > this.maxLineLength + 1) {
          this.discarding = true;
          this.buffer = Buffer.alloc(0);
          this.start = 0;
        }
        return null;
      }
      const lineStart = this.start;
      this.start = end + 1;
      if (this.discarding) {
        this.discarding = false;
        return { kind: 'tooLong' };
      }
      const stop = end > lineStart && this.buffer[end - 1] === CR ? end - 1 : end;
      if (stop - lineStart > this.maxLineLength) return { kind: 'tooLong' };
      return { kind: 'line', text: this.buffer.toString('utf8', lineStart, stop) };
    }
  }
}
