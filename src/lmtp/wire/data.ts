/**
 * The message after DATA (RFC 5321 section 4.5.2): lines up to "<CRLF>.<CRLF>", a leading dot of
 * a line removed (dot-unstuffing). Fed any split of the bytes; resumable; no I/O. A bare LF ends
 * a line too, so ".\n" also ends the message (lenient, as Cyrus). Bytes beyond `limit` are
 * counted and dropped, so a too-big message is read to its end without being kept.
 */

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const CR_BYTE = Buffer.from([CR]);

const enum State {
  LineStart,
  Dot, // a line began with "." (dropped)
  DotCr, // ... then "\r" (held back)
  Middle,
}

export interface DataResult {
  /** The message, unstuffed; empty when `tooBig`. */
  bytes: Buffer;
  /** Bytes of the message (unstuffed) seen, kept or not. */
  size: number;
  tooBig: boolean;
}

export class DotDataReader {
  private state: State = State.LineStart;
  private parts: Buffer[] = [];
  private size = 0;
  private tooBig = false;
  private finished = false;

  constructor(private readonly limit: number) {}

  get done(): boolean {
    return this.finished;
  }

  /** Take bytes from `chunk`; returns how many were consumed (less than all once the end is found). */
  push(chunk: Buffer): number {
    let i = 0;
    let start = 0;
    while (i < chunk.length) {
      if (this.state === State.LineStart) {
        if (chunk[i] === DOT) {
          this.keep(chunk, start, i);
          i++;
          start = i;
          this.state = State.Dot;
          continue;
        }
        this.state = State.Middle;
      } else if (this.state === State.Dot) {
        if (chunk[i] === CR) {
          i++;
          start = i;
          this.state = State.DotCr;
          continue;
        }
        if (chunk[i] === LF) return this.finish(i + 1);
        this.state = State.Middle;
      } else if (this.state === State.DotCr) {
        if (chunk[i] === LF) return this.finish(i + 1);
        this.keep(CR_BYTE, 0, 1);
        this.state = State.Middle;
      }
      const nl = chunk.indexOf(LF, i);
      if (nl < 0) {
        i = chunk.length;
        break;
      }
      i = nl + 1;
      this.state = State.LineStart;
    }
    this.keep(chunk, start, i);
    return chunk.length;
  }

  private finish(consumed: number): number {
    this.finished = true;
    return consumed;
  }

  private keep(chunk: Buffer, start: number, end: number): void {
    if (end <= start) return;
    this.size += end - start;
    if (this.tooBig) return;
    if (this.size > this.limit) {
      this.tooBig = true;
      this.parts = [];
      return;
    }
    // Copy: the socket may reuse its buffer.
    this.parts.push(Buffer.from(chunk.subarray(start, end)));
  }

  result(): DataResult {
    return { bytes: this.tooBig ? Buffer.alloc(0) : Buffer.concat(this.parts), size: this.size, tooBig: this.tooBig };
  }
}

/** The bytes of BDAT chunks (RFC 3030): exactly `size` bytes per chunk, no unstuffing. */
export class ChunkCollector {
  private parts: Buffer[] = [];
  private size = 0;
  private tooBig = false;

  constructor(private readonly limit: number) {}

  add(bytes: Buffer): void {
    this.size += bytes.length;
    if (this.tooBig) return;
    if (this.size > this.limit) {
      this.tooBig = true;
      this.parts = [];
      return;
    }
    this.parts.push(bytes);
  }

  /** A chunk read but not kept (it would pass the limit): the message is too big. */
  addDropped(size: number): void {
    this.size += size;
    this.tooBig = true;
    this.parts = [];
  }

  /** Whether another `size` bytes would pass the limit (the chunk is then read and dropped). */
  wouldOverflow(size: number): boolean {
    return this.tooBig || this.size + size > this.limit;
  }

  result(): DataResult {
    return { bytes: this.tooBig ? Buffer.alloc(0) : Buffer.concat(this.parts), size: this.size, tooBig: this.tooBig };
  }
}
