/**
 * Buffered output: response lines and strings accumulate and go out in one write per flush;
 * `flush` waits for the socket to drain past a window so a slow reader holds little memory.
 */
import type { Duplex } from 'node:stream';
import { drained } from '../../common/index.js';
import { responseLine, type ResponseCode, type ResponseKind } from '../wire/response.js';

const WINDOW = 256 * 1024;

export class ResponseWriter {
  private parts: Buffer[] = [];

  /** The session's telemetry trace (src/common/telemetry.ts): sees each write, before TLS. */
  private trace: ((data: string | Buffer) => void) | null = null;

  constructor(private socket: Duplex) {}

  /** Hand each write from now on to `trace` as well (null: stop). */
  traceWrites(trace: ((data: string | Buffer) => void) | null): void {
    this.trace = trace;
  }

  replaceSocket(socket: Duplex): void {
    this.socket = socket;
  }

  /** A whole line; CRLF is added. */
  line(text: string): void {
    this.parts.push(Buffer.from(`${text}\r\n`, 'utf8'));
  }

  bytes(data: Buffer): void {
    if (data.length > 0) this.parts.push(data);
  }

  /** OK / NO / BYE with an optional response code and text. */
  response(kind: ResponseKind, code: ResponseCode | null = null, text: string | null = null): void {
    this.parts.push(responseLine(kind, code, text));
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const data = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    this.parts = [];
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return;
    this.trace?.(data);
    if (socket.write(data) || socket.writableLength < WINDOW) return;
    await drained(socket);
  }
}
