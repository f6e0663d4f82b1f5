/**
 * A raw IMAP client for the peer differential (test/imap/peer-diff/run.ts): sends commands with
 * synchronizing literals and returns every response up to the tagged one, each response whole (its
 * literals inline, as `{n}\r\n` followed by the n bytes). Bytes are kept as latin1 text.
 */
import { createConnection, type Socket } from 'node:net';

/** A command: text, with Buffers where a literal goes (sent as `{n}` and waited for with `+`). */
export type CommandParts = Array<string | Buffer>;

export class PeerClient {
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private closed = false;
  private tagCounter = 0;
  greeting = '';

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<PeerClient> {
    const socket = createConnection({ port, host });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new PeerClient(socket);
    client.greeting = await client.readResponse();
    return client;
  }

  private async wait(deadline: number): Promise<void> {
    if (this.closed) throw new Error(`connection closed; left: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 300))}`);
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timeout; buffer: ${JSON.stringify(this.buffer.toString('latin1').slice(0, 300))}`);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, left);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** One whole response: a line, and for each literal it announces, the literal and the line's rest. */
  async readResponse(timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let offset = 0;
    for (;;) {
      const crlf = this.buffer.indexOf('\r\n', offset, 'latin1');
      if (crlf < 0) {
        await this.wait(deadline);
        continue;
      }
      const segment = this.buffer.subarray(offset, crlf).toString('latin1');
      const literal = /\{(\d+)\+?\}$/.exec(segment);
      if (literal && !segment.startsWith('+')) {
        const size = Number(literal[1]);
        const end = crlf + 2 + size;
        while (this.buffer.length < end) await this.wait(deadline);
        offset = end;
        continue;
      }
      const text = this.buffer.subarray(0, crlf).toString('latin1');
      this.buffer = this.buffer.subarray(crlf + 2);
      return text;
    }
  }

  /** Send a command under a fresh tag; returns [tag, responses up to and including the tagged one]. */
  async command(command: string | CommandParts, timeoutMs = 10_000): Promise<{ tag: string; lines: string[] }> {
    const tag = `D${String(++this.tagCounter).padStart(4, '0')}`;
    const parts = typeof command === 'string' ? [command] : command;
    const lines: string[] = [];
    let pending = `${tag} `;
    for (const part of parts) {
      if (typeof part === 'string') {
        pending += part;
        continue;
      }
      this.socket.write(Buffer.from(`${pending}{${part.length}}\r\n`, 'latin1'));
      pending = '';
      for (;;) {
        const line = await this.readResponse(timeoutMs);
        if (line.startsWith('+')) break;
        lines.push(line);
        if (line.startsWith(`${tag} `)) return { tag, lines }; // refused before the literal
      }
      this.socket.write(part);
    }
    this.socket.write(Buffer.from(`${pending}\r\n`, 'latin1'));
    for (;;) {
      const line = await this.readResponse(timeoutMs);
      lines.push(line);
      if (line.startsWith(`${tag} `)) return { tag, lines };
    }
  }

  /**
   * IDLE: runs `during` once the server's continuation arrived, waits `settleMs` for pushes, sends
   * DONE and returns everything up to the tagged response (the continuation line included).
   */
  async idle(during: () => Promise<void>, settleMs: number, timeoutMs = 10_000): Promise<{ tag: string; lines: string[] }> {
    const tag = `D${String(++this.tagCounter).padStart(4, '0')}`;
    this.socket.write(`${tag} IDLE\r\n`);
    const lines: string[] = [];
    for (;;) {
      const line = await this.readResponse(timeoutMs);
      lines.push(line);
      if (line.startsWith('+')) break;
      if (line.startsWith(`${tag} `)) return { tag, lines };
    }
    await during();
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    this.socket.write('DONE\r\n');
    for (;;) {
      const line = await this.readResponse(timeoutMs);
      lines.push(line);
      if (line.startsWith(`${tag} `)) return { tag, lines };
    }
  }

  /** Send raw bytes (a continuation, DONE after IDLE) without a tag. */
  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  close(): void {
    this.socket.destroy();
  }
}
