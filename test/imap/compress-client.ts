/**
 * A line client for wire tests that can switch to raw DEFLATE both ways (COMPRESS=DEFLATE, RFC 4978)
 * with Node's zlib, as a real client does after COMPRESS's tagged OK.
 */
import { createConnection, type Socket } from 'node:net';
import { constants, createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from 'node:zlib';

export const last = (lines: string[]): string => lines.at(-1)!;

/** A line client that can switch to raw DEFLATE both ways, as a real client does after COMPRESS's OK. */
export class CompressClient {
  private text = '';
  private waiters: Array<() => void> = [];
  private inflate: InflateRaw | null = null;
  private deflate: DeflateRaw | null = null;
  closed = false;
  /** Bytes received on the wire. */
  wireBytes = 0;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.wireBytes += chunk.length;
      if (this.inflate) this.inflate.write(chunk);
      else if (this.switchTag !== null) this.beforeSwitch(chunk);
      else this.take(chunk);
    });
    socket.on('close', () => {
      const inflate = this.inflate;
      const closed = () => {
        this.closed = true;
        this.wake();
      };
      // What is still being inflated comes first (zlib works off the event loop).
      if (inflate) inflate.end(() => setImmediate(closed));
      else closed();
    });
  }

  static async connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<CompressClient> {
    const socket = createConnection({ port, host, localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new CompressClient(socket);
    await client.readUntil(() => true);
    return client;
  }

  private take(data: Buffer): void {
    this.text += data.toString('latin1');
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** The tag of a COMPRESS sent: the bytes after its tagged OK line are compressed (they may come in the OK's chunk). */
  private switchTag: string | null = null;
  private plain = Buffer.alloc(0);

  private beforeSwitch(chunk: Buffer): void {
    this.plain = Buffer.concat([this.plain, chunk]);
    for (let start = 0; ; ) {
      const end = this.plain.indexOf('\r\n', start);
      if (end < 0) return;
      const line = this.plain.subarray(start, end).toString('latin1');
      if (line.startsWith(`${this.switchTag} `)) {
        const rest = this.plain.subarray(end + 2);
        this.take(this.plain.subarray(0, end + 2));
        this.plain = Buffer.alloc(0);
        this.switchTag = null;
        if (line.startsWith(`${line.split(' ')[0]} OK`)) {
          this.compress();
          if (rest.length > 0) this.inflate!.write(rest);
        } else if (rest.length > 0) this.take(rest);
        return;
      }
      start = end + 2;
    }
  }

  /** Send COMPRESS DEFLATE as `tag` (behind `before`, in one write) and switch at its OK; returns the tagged answer. */
  async startCompression(tag: string, early?: Buffer, before = ''): Promise<string> {
    this.switchTag = tag;
    this.socket.write(Buffer.concat([Buffer.from(`${before}${tag} COMPRESS DEFLATE\r\n`), early ?? Buffer.alloc(0)]));
    return last(await this.readUntil((l) => l.startsWith(`${tag} `)));
  }

  /** From now on, inflate what comes and deflate what goes. */
  compress(): void {
    this.inflate = createInflateRaw();
    this.inflate.on('data', (d: Buffer) => this.take(d));
    this.inflate.on('error', () => {});
    this.deflate = createDeflateRaw();
    this.deflate.on('data', (d: Buffer) => this.socket.write(d));
  }

  write(data: string | Buffer): void {
    if (this.deflate) {
      this.deflate.write(data);
      this.deflate.flush(constants.Z_SYNC_FLUSH);
    } else this.socket.write(data);
  }

  async readUntil(done: (line: string) => boolean, timeoutMs = 10_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = this.text.split('\r\n');
      for (let i = 0; i < lines.length - 1; i++) {
        if (done(lines[i]!)) {
          this.text = lines.slice(i + 1).join('\r\n');
          return lines.slice(0, i + 1);
        }
      }
      if (this.closed) throw new Error(`connection closed; got: ${JSON.stringify(this.text.slice(0, 300))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout; got: ${JSON.stringify(this.text.slice(0, 300))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async command(tag: string, command: string): Promise<string[]> {
    this.write(`${tag} ${command}\r\n`);
    return this.readUntil((line) => line.startsWith(`${tag} `));
  }

  async closedByServer(): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.socket.destroy();
  }
}

