/**
 * Buffered response output with backpressure: serialized responses and literal bytes accumulate and go
 * out in large writes; `flush` waits for the socket to drain so a FETCH of many messages never
 * holds more than a window of output in memory.
 */
import type { Duplex } from 'node:stream';

const FLUSH_AT = 64 * 1024;

export class ResponseWriter {
  private parts: Array<string | Buffer> = [];
  private size = 0;

  constructor(private socket: Duplex) {}

  /** Switch to a new transport (after STARTTLS). */
  replaceSocket(socket: Duplex): void {
    this.socket = socket;
  }

  /** Whole responses made by the serializers (src/imap/wire/serialize), CRLF included. */
  send(responses: string): void {
    if (responses.length === 0) return;
    this.parts.push(responses);
    this.size += responses.length;
  }

  /** Raw text or bytes (FETCH: serialized parts of a response around a streamed literal). */
  raw(data: string | Buffer): void {
    this.parts.push(data);
    this.size += data.length;
  }

  get pending(): number {
    return this.size;
  }

  /** What is not written yet: buffered here, and queued in the socket (its writableLength). */
  get queued(): number {
    return this.size + this.socket.writableLength;
  }

  /** Flush when a window's worth is buffered (call inside long loops). */
  async maybeFlush(): Promise<void> {
    if (this.size >= FLUSH_AT) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const parts = this.parts;
    this.parts = [];
    this.size = 0;
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return;
    const data = parts.length === 1 ? parts[0]! : joined(parts);
    if (!socket.write(data)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    }
  }
}

/**
 * The parts as one write: text only as one string (the socket encodes it as UTF-8 without a Buffer
 * per part), else one Buffer the parts are written into (no Buffer per string and no concat copy).
 */
function joined(parts: ReadonlyArray<string | Buffer>): string | Buffer {
  let bytes = 0;
  let text = true;
  for (const p of parts) {
    if (typeof p === 'string') bytes += Buffer.byteLength(p, 'utf8');
    else {
      text = false;
      bytes += p.length;
    }
  }
  if (text) return parts.join('');
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const p of parts) at += typeof p === 'string' ? out.write(p, at, 'utf8') : p.copy(out, at);
  return out;
}
