// A TCP relay for Murder tests: listens where a backend's service is expected and passes every
// byte to where it really listens, so a test can play the network between two backends: hold what
// a client sends from a given command on (the command is not delivered until released), let it go,
// or cut the connection as a crash or a lost link would.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

interface Pair {
  client: Socket;
  server: Socket;
  /** Client bytes not forwarded yet (held from the matching chunk on). */
  held: Buffer[] | null;
  /** The client side is gone; the held bytes may still go to the server (release) before it ends. */
  clientGone: boolean;
  /** What the server sends is dropped (an answer lost on the way). */
  muted: boolean;
}

export class Relay {
  private readonly pairs = new Set<Pair>();
  private holdPattern: RegExp | null = null;
  private waiters: Array<() => void> = [];

  private constructor(private readonly server: Server) {}

  static async start(listen: { host: string; port: number }, to: { host: string; port: number }): Promise<Relay> {
    let relay: Relay | null = null;
    const server = createServer((client) => relay!.accept(client, to));
    relay = new Relay(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, () => resolve());
    });
    return relay;
  }

  private accept(client: Socket, to: { host: string; port: number }): void {
    const server = createConnection(to);
    const pair: Pair = { client, server, held: null, clientGone: false, muted: false };
    this.pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      if (pair.held === null && this.holdPattern !== null && this.holdPattern.test(chunk.toString('latin1'))) {
        pair.held = [];
        this.wake();
      }
      if (pair.held !== null) pair.held.push(chunk);
      else server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      if (!client.destroyed && !pair.muted) client.write(chunk);
    });
    const clientClosed = () => {
      pair.clientGone = true;
      // Held bytes wait for release() (which then ends the server side); otherwise end it now.
      if (pair.held === null) {
        server.end();
        this.pairs.delete(pair);
      }
    };
    client.on('close', clientClosed);
    client.on('error', () => undefined);
    server.on('close', () => {
      client.destroy();
      this.pairs.delete(pair);
    });
    server.on('error', () => client.destroy());
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** From now on, a client chunk matching `pattern` and all that follows on its connection are held. */
  holdFrom(pattern: RegExp): void {
    this.holdPattern = pattern;
  }

  /** Resolves once a connection is holding. */
  async holding(ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (![...this.pairs].some((p) => p.held !== null)) {
      if (Date.now() > deadline) throw new Error('no connection held in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * Deliver what was held and pass everything again; a connection whose client is gone then ends.
   * `muteAnswers`: what the server answers on those connections never reaches their client.
   */
  release(opts: { muteAnswers?: boolean } = {}): void {
    this.holdPattern = null;
    for (const pair of this.pairs) {
      if (pair.held === null) continue;
      if (opts.muteAnswers) pair.muted = true;
      for (const chunk of pair.held) pair.server.write(chunk);
      pair.held = null;
      if (pair.clientGone) pair.server.end();
    }
  }

  /** Cut every held connection, both ways, without delivering what was held (a dead link or host). */
  cutHeld(): void {
    this.holdPattern = null;
    for (const pair of this.pairs) {
      if (pair.held === null) continue;
      pair.held = null;
      pair.client.destroy();
      pair.server.destroy();
    }
  }

  /** Cut every muted connection (after its answers were lost): its client sees the link die. */
  cutMuted(): void {
    for (const pair of this.pairs) {
      if (!pair.muted) continue;
      pair.client.destroy();
      pair.server.destroy();
    }
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.server.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
