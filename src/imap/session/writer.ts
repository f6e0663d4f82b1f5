/**
 * Buffered response output with backpressure: serialized responses and literal bytes accumulate and go
 * out in large writes; `flush` waits for the socket to drain so a FETCH of many messages never
 * holds more than a window of output in memory.
 */
import type { Duplex } from 'node:stream';
import { drained } from '../../common/index.js';

const FLUSH_AT = 64 * 1024;
const DONE: Promise<void> = Promise.resolve();
/** A parts array longer than this (a FETCH's output) is not kept after its write. */
const KEEP_PARTS = 64;
const NOTHING = Buffer.alloc(0);

export class ResponseWriter {
  /**
   * parts[0..count) wait to be written. The array is kept from answer to answer (an array and its
   * backing store per answer otherwise; `length = 0` would drop the store), its slots cleared after
   * each write; one grown past KEEP_PARTS (a FETCH) is dropped.
   */
  private parts: Array<string | Buffer> = [];
  private count = 0;
  private size = 0;

  /** The session's telemetry trace (src/common/telemetry.ts): sees each write, before compression and TLS. */
  private trace: ((data: string | Buffer) => void) | null = null;

  constructor(private socket: Duplex) {}

  /** Hand each write from now on to `trace` as well (null: stop). */
  traceWrites(trace: ((data: string | Buffer) => void) | null): void {
    this.trace = trace;
  }

  /** Switch to a new transport (after STARTTLS). */
  replaceSocket(socket: Duplex): void {
    this.socket = socket;
  }

  /** Whole responses made by the serializers (src/imap/wire/serialize), CRLF included. */
  send(responses: string): void {
    if (responses.length === 0) return;
    this.parts[this.count++] = responses;
    this.size += responses.length;
  }

  /** Raw text or bytes (FETCH: serialized parts of a response around a streamed literal). */
  raw(data: string | Buffer): void {
    this.parts[this.count++] = data;
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

  /** maybeFlush; null when nothing had to wait. */
  maybeFlushNow(): Promise<void> | null {
    return this.size >= FLUSH_AT ? this.flushNow() : null;
  }

  /** Take what is buffered instead of writing it (a session moving to another process takes it along). */
  take(): Buffer {
    const count = this.count;
    const parts = count === 0 ? '' : joined(this.parts, count);
    const data = typeof parts === 'string' ? Buffer.from(parts, 'utf8') : parts;
    this.parts = [];
    this.count = 0;
    this.size = 0;
    return data;
  }

  /**
   * Call `then` once all the socket holds now is written, or the socket failed (a zero-length write
   * marks the spot: its callback runs after those of every write before it). The socket emits
   * 'drain' only after a write that went past its high-water mark, never for a short answer stuck
   * behind a full kernel buffer. The function returned drops the call (the empty write stays).
   */
  whenWritten(then: () => void): () => void {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return noop;
    let wanted = true;
    socket.write(NOTHING, () => {
      if (!wanted) return;
      wanted = false;
      then();
    });
    return () => {
      wanted = false;
    };
  }

  flush(): Promise<void> {
    return this.flushNow() ?? DONE;
  }

  /**
   * Write what is buffered; null when the socket took it (no promise for the usual short answer),
   * else a promise that resolves when the socket drained (or closed).
   */
  flushNow(): Promise<void> | null {
    const parts = this.parts;
    const count = this.count;
    if (count === 0) return null;
    const socket = this.socket;
    const data = socket.destroyed || !socket.writable ? null : count === 1 ? parts[0]! : joined(parts, count);
    if (count > KEEP_PARTS) this.parts = [];
    else for (let i = 0; i < count; i++) parts[i] = '';
    this.count = 0;
    this.size = 0;
    if (data !== null) this.trace?.(data);
    if (data === null || socket.write(data)) return null;
    return drained(socket);
  }
}

function noop(): void {}

/**
 * The parts as one write: text only as one string (the socket encodes it as UTF-8 without a Buffer
 * per part), else one Buffer the parts are written into (no Buffer per string and no concat copy).
 */
function joined(parts: ReadonlyArray<string | Buffer>, count: number): string | Buffer {
  let bytes = 0;
  let text = true;
  for (let i = 0; i < count; i++) {
    const p = parts[i]!;
    if (typeof p === 'string') bytes += Buffer.byteLength(p, 'utf8');
    else {
      text = false;
      bytes += p.length;
    }
  }
  // The slots from `count` on are all empty strings (cleared after each write).
  if (text) return parts.join('');
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const p = parts[i]!;
    at += typeof p === 'string' ? out.write(p, at, 'utf8') : p.copy(out, at);
  }
  return out;
}
