/**
 * Helpers of the login-penalty wire tests: a line client that connects FROM a chosen loopback
 * address (127.0.0.2, ...: Linux routes all of 127/8 to lo), and a fake saslauthd whose answers
 * wait until the test releases them, so that the order of password checks can be watched.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export class LineClient {
  private buffer = '';
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  static async connect(port: number, from = '127.0.0.1'): Promise<LineClient> {
    const socket = net.createConnection({ port, host: '127.0.0.1', localAddress: from });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new LineClient(socket);
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  /** Lines received and not yet taken. */
  get pending(): string[] {
    return this.buffer.split('\r\n').slice(0, -1);
  }

  /** Wait for a line matching `done`; returns it (the lines before it are dropped). */
  async line(done: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = this.buffer.split('\r\n');
      for (let i = 0; i < lines.length - 1; i++) {
        if (done(lines[i]!)) {
          this.buffer = lines.slice(i + 1).join('\r\n');
          return lines[i]!;
        }
      }
      if (this.closed) throw new Error(`connection closed; got: ${JSON.stringify(this.buffer.slice(0, 300))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout; got: ${JSON.stringify(this.buffer.slice(0, 300))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Send a line and wait for the reply line starting with `prefix`. */
  async ask(line: string, prefix: string): Promise<string> {
    this.send(line);
    return this.line((l) => l.startsWith(prefix));
  }

  close(): void {
    this.socket.destroy();
  }
}

interface Held {
  login: string;
  answer: () => void;
}

/** A saslauthd on a UNIX socket: "OK" for password "pass", "NO" otherwise, each when released. */
export class HeldSaslauthd {
  readonly requests: string[] = [];
  private readonly held: Held[] = [];
  private readonly server: net.Server;

  private constructor(readonly socketPath: string) {
    this.server = net.createServer((socket) => {
      let data = Buffer.alloc(0);
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        const fields: string[] = [];
        let at = 0;
        while (fields.length < 4 && at + 2 <= data.length) {
          const length = data.readUInt16BE(at);
          if (at + 2 + length > data.length) return;
          fields.push(data.subarray(at + 2, at + 2 + length).toString('utf8'));
          at += 2 + length;
        }
        if (fields.length < 4) return;
        const [login, password] = fields as [string, string];
        const reply = password === 'pass' ? 'OK' : 'NO';
        const out = Buffer.alloc(2 + reply.length);
        out.writeUInt16BE(reply.length, 0);
        out.write(reply, 2);
        this.requests.push(login);
        this.held.push({ login, answer: () => socket.end(out) });
      });
    });
  }

  static async start(dir: string): Promise<HeldSaslauthd> {
    const fake = new HeldSaslauthd(path.join(dir, 'mux'));
    fs.rmSync(fake.socketPath, { force: true });
    await new Promise<void>((resolve) => fake.server.listen(fake.socketPath, resolve));
    return fake;
  }

  /** Answer the oldest request still held; its login. */
  releaseOne(): string {
    const next = this.held.shift();
    if (!next) throw new Error('no request held');
    next.answer();
    return next.login;
  }

  /** Answer every request held now. */
  releaseAll(): void {
    while (this.held.length > 0) this.releaseOne();
  }

  close(): Promise<void> {
    this.releaseAll();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Poll `probe` until it returns true (state, not time: the timeout only ends a hung test). */
export async function until(probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
