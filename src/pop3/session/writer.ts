/**
 * Buffered response output with backpressure: response lines and message bytes accumulate and go
 * out in large writes; `flush` waits for the socket to drain, so a RETR of a 50 MB message never
 * holds more than a window of it in memory.
 */
import type { Duplex } from 'node:stream';
import { drained } from '../../common/index.js';

const FLUSH_AT = 64 * 1024;
/** Output queued in the socket before a flush waits for it to drain. */
const WINDOW = 256 * 1024;

export class ResponseWriter {
  private parts: Buffer[] = [];
  private size = 0;

  /** The session's telemetry trace (src/common/telemetry.ts): sees each write, before TLS. */
  private trace: ((data: string | Buffer) => void) | null = null;

  constructor(private socket: Duplex) {}

  /** Hand each write from now on to `trace` as well (null: stop). */
  traceWrites(trace: ((data: string | Buffer) => void) | null): void {
    this.trace = trace;
  }

  /** Switch to a new transport (after STLS). */
  replaceSocket(socket: Duplex): void {
    this.socket = socket;
  }

  /** A whole response line; CRLF is added. */
  line(text: string): void {
    this.bytes(Buffer.from(`${text}\r\n`, 'utf8'));
  }

  bytes(data: Buffer): void {
    if (data.length === 0) return;
    this.parts.push(data);
    this.size += data.length;
  }

  /** The connection is gone: stop producing output. */
  get broken(): boolean {
    return this.socket.destroyed || !this.socket.writable;
  }

  get pending(): number {
    return this.size;
  }

  /** Flush when a window's worth is buffered (call inside long loops). */
  async maybeFlush(): Promise<void> {
    if (this.size >= FLUSH_AT) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const data = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return;
    this.trace?.(data);
    // Wait for the socket only past a window: the kernel keeps sending while the next chunk is read.
    if (socket.write(data) || socket.writableLength < WINDOW) return;
    await drained(socket);
  }
}
