// The smmapd session on a socket of our own making (no network, no timing): its flow control (it
// stops reading while more than maxQueuedRequests requests wait for their answers, and while its
// answers are not written, and reads on once they have gone), the idle timeout, and a shutdown.
import type net from 'node:net';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/index.js';
import type { Recipients } from '../../src/recipients/index.js';
import type { SmmapDeps } from '../../src/smmap/deps.js';
import { SmmapSession } from '../../src/smmap/session.js';
import { netstring } from '../../src/smmap/wire/netstring.js';

/** A socket whose writes complete only when the test says so (when `holdWrites`). */
class TestSocket extends Duplex {
  readonly written: string[] = [];
  private held: Array<() => void> = [];

  constructor(private readonly holdWrites: boolean) {
    super({ writableHighWaterMark: holdWrites ? 1 : 1 << 20 });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.written.push(chunk.toString());
    if (this.holdWrites) this.held.push(done);
    else done();
  }

  /** Let every write finish (the client read them), until none is left. */
  async release(): Promise<void> {
    while (this.held.length > 0 || this.writableLength > 0) {
      const held = this.held;
      this.held = [];
      for (const done of held) done();
      await turns();
    }
  }

  /** The session's idle timer: the test fires it. */
  onIdle: (() => void) | null = null;

  setTimeout(_ms: number, onIdle: () => void): this {
    this.onIdle = onIdle;
    return this;
  }
}

const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** A recipient decision that takes everyone, each answer waiting for `gate` when one is set. */
function fakeDeps(maxQueuedRequests: number): { deps: SmmapDeps; asked: string[]; open: () => void; gate: (on: boolean) => void } {
  const asked: string[] = [];
  let gated = false;
  let waiters: Array<() => void> = [];
  const recipients = {
    async decide(address: { localPart: string }) {
      asked.push(address.localPart);
      if (gated) await new Promise<void>((resolve) => waiters.push(resolve));
      return { kind: 'local', recipient: { address: address.localPart, userid: address.localPart, mailbox: { name: `user.${address.localPart}` } } };
    },
  } as unknown as Recipients;
  const deps: SmmapDeps = {
    serviceName: 'smmap',
    logger: silentLogger(),
    recipients,
    policy: { overQuotaPermanent: false },
    limits: { maxRequestLength: 4096, maxQueuedRequests, idleTimeoutMs: 60_000 },
  };
  return {
    deps,
    asked,
    gate: (on) => (gated = on),
    open: () => {
      gated = false;
      const w = waiters;
      waiters = [];
      for (const wake of w) wake();
    },
  };
}

function startSession(deps: SmmapDeps, socket: TestSocket): SmmapSession {
  const session = new SmmapSession(deps, socket as unknown as net.Socket, { tls: false, unixSocket: true, localAddress: undefined, remoteAddress: undefined });
  session.start();
  return session;
}

describe('smmapd session', () => {
  it('stops reading while its answers are not written, and reads on once they are', async () => {
    const socket = new TestSocket(true);
    const { deps, asked } = fakeDeps(64);
    startSession(deps, socket);
    socket.push(netstring('cyrus fred'));
    await turns();
    expect(socket.written).toEqual(['7:OK fred,']);
    expect(socket.isPaused()).toBe(true);
    socket.push(netstring('cyrus joe'));
    await turns();
    expect(asked).toEqual(['fred']); // not read: the first answer is still unwritten
    await socket.release();
    await turns();
    expect(asked).toEqual(['fred', 'joe']);
    await socket.release();
    expect(socket.written).toEqual(['7:OK fred,', '6:OK joe,']);
    expect(socket.isPaused()).toBe(false);
  });

  it('stops reading while more than maxQueuedRequests wait, and reads on as they are answered', async () => {
    const socket = new TestSocket(false);
    const { deps, asked, gate, open } = fakeDeps(4);
    gate(true);
    startSession(deps, socket);
    socket.push(Buffer.concat(Array.from({ length: 10 }, (_, i) => netstring(`cyrus u${i}`))));
    await turns();
    expect(asked).toEqual(['u0']);
    expect(socket.isPaused()).toBe(true);
    open();
    await turns(20);
    expect(asked).toHaveLength(10);
    expect(socket.written).toHaveLength(10);
    expect(socket.isPaused()).toBe(false);
  });

  it('closes an idle connection when its idle timer fires', async () => {
    const socket = new TestSocket(false);
    startSession(fakeDeps(64).deps, socket);
    socket.push(netstring('cyrus fred'));
    await turns();
    expect(socket.writableEnded).toBe(false);
    socket.onIdle!();
    expect(socket.writableEnded).toBe(true);
  });

  it('a shutdown closes an idle session at once, and a busy one right after its answer', async () => {
    const idle = new TestSocket(false);
    startSession(fakeDeps(64).deps, idle).shutdown();
    expect(idle.writableEnded).toBe(true);

    const busy = new TestSocket(false);
    const { deps, gate, open } = fakeDeps(64);
    gate(true);
    const session = startSession(deps, busy);
    busy.push(Buffer.concat([netstring('cyrus fred'), netstring('cyrus joe')]));
    await turns();
    expect(session.busy).toBe(true);
    session.shutdown();
    expect(busy.writableEnded).toBe(false);
    open();
    await turns();
    expect(busy.written).toEqual(['7:OK fred,']); // the answer under way goes out; the next request is dropped
    expect(busy.writableEnded).toBe(true);
  });

  it('tells the master at once that the connection needs no login (not counted among those waiting to)', () => {
    const socket = new TestSocket(false);
    let passed = 0;
    const loginGate = { passed: () => void passed++, loggedIn: () => Promise.reject(new Error('never asked')) };
    new SmmapSession(fakeDeps(64).deps, socket as unknown as net.Socket, { tls: false, unixSocket: false, localAddress: '127.0.0.1', remoteAddress: '127.0.0.1', loginGate }).start();
    expect(passed).toBe(1);
  });
});
