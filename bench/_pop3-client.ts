// A minimal POP3 client for the POP3 benches (raw socket, pipelining-free), and an LMTP client to
// fill the peers' maildrops. Bytes are counted, not copied: RETR of 50 MB keeps only a small tail.
import { createConnection, type Socket } from 'node:net';

const CRLF = Buffer.from('\r\n');
const END = Buffer.from('\r\n.\r\n');

export class PopBenchClient {
  private chunks: Buffer[] = [];
  private size = 0;
  private wake: (() => void) | null = null;
  private closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.size += chunk.length;
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<PopBenchClient> {
    const socket = createConnection({ port, host });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new PopBenchClient(socket);
    await client.line();
    return client;
  }

  private joined(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.size)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private take(n: number): Buffer {
    const all = this.joined();
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.size = rest.length;
    return out;
  }

  private async more(): Promise<void> {
    if (this.closed) throw new Error('connection closed');
    await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = null;
  }

  async line(): Promise<string> {
    for (;;) {
      const at = this.joined().indexOf(CRLF);
      if (at >= 0) return this.take(at + 2).toString('latin1', 0, at);
      await this.more();
    }
  }

  /** Read a multi-line body to its terminator; returns its size in bytes (stuffing included). */
  async body(): Promise<number> {
    let counted = 0;
    for (;;) {
      const all = this.joined();
      if (counted === 0 && all.subarray(0, 3).equals(Buffer.from('.\r\n'))) {
        this.take(3);
        return 0;
      }
      const at = all.indexOf(END);
      if (at >= 0) {
        this.take(at + END.length);
        return counted + at + 2;
      }
      // Keep a tail that may hold the start of the terminator; count and drop the rest.
      if (all.length > 8) {
        counted += all.length - 4;
        this.take(all.length - 4);
      }
      await this.more();
    }
  }

  async command(text: string): Promise<string> {
    this.socket.write(`${text}\r\n`);
    const answer = await this.line();
    if (!answer.startsWith('+')) throw new Error(`${text.split(' ')[0]}: ${answer}`);
    return answer;
  }

  async login(user: string, pass: string): Promise<void> {
    await this.command(`USER ${user}`);
    await this.command(`PASS ${pass}`);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Deliver `messages` to `recipient` over LMTP (one transaction per message). */
export async function lmtpDeliver(port: number, recipient: string, messages: Iterable<Buffer>, host = '127.0.0.1'): Promise<number> {
  const socket = createConnection({ port, host });
  let buffer = '';
  const waiters: Array<() => void> = [];
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    buffer += d;
    for (const w of waiters.splice(0)) w();
  });
  const reply = async (): Promise<string> => {
    for (;;) {
      const m = /^(\d{3}) .*\r\n/m.exec(buffer);
      if (m) {
        buffer = buffer.slice(m.index + m[0].length);
        return m[0].trim();
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  await reply();
  socket.write('LHLO bench\r\n');
  await reply();
  let delivered = 0;
  for (const message of messages) {
    socket.write(`MAIL FROM:<bench@example.com>\r\nRCPT TO:<${recipient}>\r\nDATA\r\n`);
    await reply();
    await reply();
    const data = await reply();
    if (!data.startsWith('354')) throw new Error(`LMTP DATA: ${data}`);
    const stuffed = message.toString('latin1').replace(/(^|\r\n)\./g, '$1..');
    socket.write(stuffed.endsWith('\r\n') ? stuffed : `${stuffed}\r\n`);
    socket.write('.\r\n');
    const done = await reply();
    if (!done.startsWith('250')) throw new Error(`LMTP: ${done}`);
    delivered++;
  }
  socket.end('QUIT\r\n');
  return delivered;
}
