// Issue 17, "a flood of wrong logins starves honest ones": while `connections` clients send wrong
// LOGINs as fast as they are answered (reconnecting when the server hangs up), one honest client
// logs in and out again and again; the figure is the time of its LOGIN. Runs against any IMAP
// port (this server, Cyrus, Dovecot). On loopback the attackers connect from 127.0.0.2 by
// default, so that the honest client (127.0.0.1) is another address, as it is on the Internet.
import { createConnection, type Socket } from 'node:net';

export interface LoginFloodOptions {
  port: number;
  host?: string;
  honestUser: string;
  attackerUser: string;
  password: string;
  connections?: number;
  seconds: number;
  /** Source address of the attacking connections (default 127.0.0.2 on loopback, else the system's choice). */
  attackerFrom?: string;
}

export interface LoginFloodResult {
  /** The honest LOGIN's times in ms, sorted. */
  honestMs: number[];
  /** Honest LOGINs that did not succeed. */
  honestFailed: number;
  /** Attacker's answers by kind (NO [AUTHENTICATIONFAILED], NO [UNAVAILABLE], hang-ups, ...). */
  attackerAnswers: Map<string, number>;
}

/** One IMAP connection that sends a tagged command and waits for its answer (null: the server hung up). */
class LineConnection {
  private buffer = '';
  private waiter: ((line: string | null) => void) | null = null;
  private tag = '';
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let i: number;
      while ((i = this.buffer.indexOf('\r\n')) >= 0) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 2);
        if (this.waiter && (line.startsWith(`${this.tag} `) || (this.tag === '' && line.startsWith('* ')))) this.settle(line);
      }
    });
    socket.on('close', () => {
      this.closed = true;
      this.settle(null);
    });
  }

  private settle(line: string | null): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.(line);
  }

  /** Connected and greeted; null when refused or hung up before the greeting. */
  static async open(port: number, host: string, from: string | undefined): Promise<LineConnection | null> {
    const socket = createConnection({ port, host, ...(from ? { localAddress: from } : {}) });
    const c = new LineConnection(socket);
    const greeting = await new Promise<string | null>((resolve) => (c.waiter = resolve));
    if (greeting === null || !greeting.startsWith('* OK')) {
      socket.destroy();
      return null;
    }
    return c;
  }

  command(tag: string, text: string): Promise<string | null> {
    if (this.closed) return Promise.resolve(null);
    this.tag = tag;
    const answer = new Promise<string | null>((resolve) => (this.waiter = resolve));
    this.socket.write(`${tag} ${text}\r\n`);
    return answer;
  }
}

const isLoopback = (host: string): boolean => host === 'localhost' || host.startsWith('127.') || host === '::1';

export async function loginFlood(options: LoginFloodOptions): Promise<LoginFloodResult> {
  const host = options.host ?? '127.0.0.1';
  const from = options.attackerFrom ?? (isLoopback(host) ? '127.0.0.2' : undefined);
  const until = Date.now() + options.seconds * 1000;
  const stop = (): boolean => Date.now() >= until;
  const attackerAnswers = new Map<string, number>();
  const count = (key: string): void => void attackerAnswers.set(key, (attackerAnswers.get(key) ?? 0) + 1);

  const attacker = async (n: number): Promise<void> => {
    let guess = 0;
    while (!stop()) {
      const c = await LineConnection.open(options.port, host, from);
      if (c === null) {
        count('refused at connect');
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      while (!stop() && !c.closed) {
        const answer = await c.command(`a${guess}`, `LOGIN ${options.attackerUser} wrong-${n}-${guess++}`);
        count(answer === null ? 'hung up' : answer.replace(/^\S+ /, '').replace(/\].*$/, ']').slice(0, 40));
      }
      c.socket.destroy();
    }
  };

  const honestMs: number[] = [];
  let honestFailed = 0;
  const honest = async (): Promise<void> => {
    // Let the flood fill the server's queues first.
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, options.seconds * 200)));
    while (!stop()) {
      const c = await LineConnection.open(options.port, host, undefined);
      if (c === null) {
        honestFailed++;
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const t0 = performance.now();
      const answer = await c.command('h', `LOGIN ${options.honestUser} ${options.password}`);
      const ms = performance.now() - t0;
      if (answer?.startsWith('h OK')) honestMs.push(ms);
      else honestFailed++;
      await c.command('z', 'LOGOUT');
      c.socket.destroy();
    }
  };

  await Promise.all([honest(), ...Array.from({ length: options.connections ?? 20 }, (_, n) => attacker(n))]);
  honestMs.sort((a, b) => a - b);
  return { honestMs, honestFailed, attackerAnswers };
}

/** One printable paragraph of a result. */
export function describeLoginFlood(result: LoginFloodResult): string {
  const ms = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(1));
  const at = (p: number): number | undefined => result.honestMs[Math.min(result.honestMs.length - 1, Math.floor((p / 100) * result.honestMs.length))];
  const attacker = [...result.attackerAnswers].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} x ${k}`).join('; ');
  return [
    `  honest LOGIN: ${result.honestMs.length} ok, ${result.honestFailed} failed; p50 ${ms(at(50))} ms, max ${ms(result.honestMs.at(-1))} ms`,
    `  attacker: ${attacker || 'nothing answered'}`,
  ].join('\n');
}
