/**
 * The responses of a backend IMAP server, framed from its byte stream (no I/O): each whole response,
 * literals included (`{n}` and `~{n}` at a line's end), as the bytes the backend sent, and what kind
 * it is. The proxy relays untagged responses byte for byte and reads only the tagged ones.
 */

export type BackendResponse =
  | { kind: 'untagged'; bytes: Buffer }
  | { kind: 'continuation'; text: string }
  | { kind: 'tagged'; tag: string; status: 'OK' | 'NO' | 'BAD'; code: string | null; text: string };

const LF = 0x0a;

export class ResponseFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The parts of the response being framed (lines and literals) and how far it has been read. */
  private parts: Buffer[] = [];
  /** Bytes of literal still wanted before the response's next line. */
  private literalLeft = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next whole response, or null when more bytes are needed. */
  next(): BackendResponse | null {
    for (;;) {
      if (this.literalLeft > 0) {
        if (this.buffered === 0) return null;
        const taken = this.take(Math.min(this.literalLeft, this.buffered));
        this.parts.push(taken);
        this.literalLeft -= taken.length;
        continue;
      }
      const line = this.takeLine();
      if (line === null) return null;
      this.parts.push(line);
      const size = literalAtEnd(line);
      if (size !== null) {
        this.literalLeft = size;
        continue;
      }
      const bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
      this.parts = [];
      return classify(bytes);
    }
  }

  private take(count: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length <= count) {
      this.chunks.shift();
      this.buffered -= first.length;
      return first;
    }
    this.chunks[0] = first.subarray(count);
    this.buffered -= count;
    return first.subarray(0, count);
  }

  /** A line with its CRLF, or null when no whole line is buffered. */
  private takeLine(): Buffer | null {
    let length = 0;
    for (let i = 0; i < this.chunks.length; i++) {
      const chunk = this.chunks[i]!;
      const lf = chunk.indexOf(LF);
      if (lf < 0) {
        length += chunk.length;
        continue;
      }
      length += lf + 1;
      if (i === 0) return this.take(length);
      const pieces: Buffer[] = [];
      let left = length;
      while (left > 0) {
        const piece = this.take(Math.min(left, this.chunks[0]!.length));
        pieces.push(piece);
        left -= piece.length;
      }
      return Buffer.concat(pieces);
    }
    return null;
  }
}

/** The size of the literal a line (CRLF included) announces at its end, or null. */
function literalAtEnd(line: Buffer): number | null {
  let end = line.length;
  if (end > 0 && line[end - 1] === LF) end--;
  if (end > 0 && line[end - 1] === 0x0d) end--;
  if (end < 3 || line[end - 1] !== 0x7d /* } */) return null;
  let i = end - 2;
  if (line[i] === 0x2b /* + */) i--;
  const digitsEnd = i + 1;
  while (i >= 0 && line[i]! >= 0x30 && line[i]! <= 0x39) i--;
  if (i < 0 || line[i] !== 0x7b /* { */ || digitsEnd === i + 1) return null;
  return Number(line.toString('latin1', i + 1, digitsEnd));
}

const TAGGED = /^(\S+) (OK|NO|BAD)(?: \[([^\]]*)\])? ?(.*)$/i;

function classify(bytes: Buffer): BackendResponse {
  if (bytes[0] === 0x2a /* * */) return { kind: 'untagged', bytes };
  const text = bytes.toString('utf8').replace(/\r?\n$/, '');
  if (bytes[0] === 0x2b /* + */) return { kind: 'continuation', text: text.slice(2) };
  const m = TAGGED.exec(text);
  if (!m) return { kind: 'tagged', tag: text.split(' ')[0] ?? '', status: 'BAD', code: null, text: 'Malformed response from backend' };
  return { kind: 'tagged', tag: m[1]!, status: m[2]!.toUpperCase() as 'OK' | 'NO' | 'BAD', code: m[3] ?? null, text: m[4] ?? '' };
}
