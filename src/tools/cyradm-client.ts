/**
 * The small IMAP client under our cyradm: one connection, one command at a time, responses read
 * into tokens (atoms, quoted strings, literals, NIL, parenthesised lists). It speaks only what an
 * administrator's shell needs; the server side is ours or any RFC 3501 server.
 */
import { connect as connectTcp, type Socket } from 'node:net';

/** A response token: an atom or string, NIL (null), or a parenthesised list. */
export type Token = string | null | Token[];

export interface Reply {
  status: 'OK' | 'NO' | 'BAD';
  /** The tagged response's text, response code included ("[NOPERM] Permission denied"). */
  text: string;
  /** Untagged responses as tokens, without the leading "*". */
  untagged: Token[][];
}

/** Tokens of one response (its literals already inlined as strings). */
export function tokenize(line: string): Token[] {
  let i = 0;
  const parseList = (close: string | null): Token[] => {
    const out: Token[] = [];
    while (i < line.length) {
      const c = line[i]!;
      if (c === ' ') i++;
      else if (close !== null && c === close) {
        i++;
        return out;
      } else if (c === '(' || c === '[') {
        i++;
        out.push(parseList(c === '(' ? ')' : ']'));
      } else if (c === '"') {
        let value = '';
        for (i++; i < line.length && line[i] !== '"'; i++) value += line[i] === '\\' ? line[++i] ?? '' : line[i];
        i++;
        out.push(value);
      } else if (c === '\u0000') {
        // A literal, inlined by the reader as NUL length NUL bytes.
        const end = line.indexOf('\u0000', i + 1);
        const length = Number(line.slice(i + 1, end));
        out.push(line.slice(end + 1, end + 1 + length));
        i = end + 1 + length;
      } else {
        let atom = '';
        while (i < line.length && !' ()[]'.includes(line[i]!) && !(close !== null && line[i] === close)) atom += line[i++];
        out.push(atom.toUpperCase() === 'NIL' ? null : atom);
      }
    }
    return out;
  };
  return parseList(null);
}

export class AdminClient {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  private closed = false;
  private tagCount = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
    socket.on('error', () => undefined);
  }

  /** Connect and read the greeting (a BYE greeting is an error). */
  static async connect(host: string, port: number): Promise<AdminClient> {
    const socket = connectTcp({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new AdminClient(socket);
    const greeting = await client.readResponse();
    if (!greeting.startsWith('* OK') && !greeting.startsWith('* PREAUTH')) throw new Error(`server refused: ${greeting}`);
    return client;
  }

  /** One whole response: a line, with each literal inlined as NUL length NUL bytes. */
  private async readResponse(): Promise<string> {
    let out = '';
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end < 0) {
        await this.more();
        continue;
      }
      const line = this.buffer.subarray(0, end).toString('utf8');
      const literal = /\{(\d+)\+?\}$/.exec(line);
      if (!literal) {
        this.buffer = this.buffer.subarray(end + 2);
        return out + line;
      }
      const length = Number(literal[1]);
      while (this.buffer.length < end + 2 + length) await this.more();
      const bytes = this.buffer.subarray(end + 2, end + 2 + length).toString('utf8');
      this.buffer = this.buffer.subarray(end + 2 + length);
      out += `${line.slice(0, literal.index)}\u0000${bytes.length}\u0000${bytes}`;
    }
  }

  private more(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('connection closed by the server'));
    return new Promise((resolve) => {
      this.waiting = () => {
        this.waiting = null;
        resolve();
      };
    });
  }

  /** Send one command (its arguments already quoted) and collect its responses. */
  async command(text: string): Promise<Reply> {
    const tag = `A${++this.tagCount}`;
    this.socket.write(`${tag} ${text}\r\n`);
    const untagged: Token[][] = [];
    for (;;) {
      const response = await this.readResponse();
      if (response.startsWith('* ')) untagged.push(tokenize(response.slice(2)));
      else if (response.startsWith(`${tag} `)) {
        const rest = response.slice(tag.length + 1);
        const space = rest.indexOf(' ');
        const status = (space < 0 ? rest : rest.slice(0, space)).toUpperCase();
        if (status !== 'OK' && status !== 'NO' && status !== 'BAD') throw new Error(`unexpected response: ${response}`);
        return { status, text: space < 0 ? '' : rest.slice(space + 1), untagged };
      }
    }
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }
}

/** An IMAP quoted string (a literal for text a quoted string cannot hold). */
export function quote(text: string): string {
  if (/[\r\n\u0000]/.test(text) || /[^\x20-\x7e]/.test(text)) return `{${Buffer.byteLength(text)}+}\r\n${text}`;
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
