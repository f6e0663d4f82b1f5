import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginGate, MovedSession } from '../../src/common/index.js';
import { RawClient, startTestServer, type TestServer } from './harness.js';

// A session the master asks to move home while its socket still holds answers (a slow reader) cannot
// go yet: the answers would be lost with this process's copy of the socket. It goes the moment they
// are written. The server's socket is corked here to hold them: the state a slow reader leaves (a
// short answer queued behind a full kernel buffer), which emits no 'drain'.
describe('a session asked to move home while its output is queued', () => {
  let server: TestServer;
  let listener: Server;
  let port: number;
  /** The server side of the last connection, and what the gate saw of its session. */
  let socket: Socket;
  let ask: () => void;
  let outcome: Promise<'moved' | 'stayed'>;
  let moved: MovedSession[];

  beforeAll(async () => {
    server = await startTestServer({ users: ['fred'] });
    listener = createServer((s) => {
      socket = s;
      moved = [];
      let settle: (how: 'moved' | 'stayed') => void = () => undefined;
      outcome = new Promise((resolve) => (settle = resolve));
      const gate: LoginGate = {
        loggedIn: () => Promise.resolve({ refusal: null, move: false }),
        passed: () => undefined,
        move: (m) => {
          moved.push(m);
          settle('moved');
          return true;
        },
        onMoveAsked: (asked) => (ask = asked),
        stay: () => settle('stayed'),
      };
      server.imap.handleConnection(s, { tls: false, unixSocket: false, localAddress: s.localAddress, remoteAddress: s.remoteAddress, loginGate: gate });
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    await server.close();
  });

  /** Until `socket` holds unwritten output (a turn at a time: no clock). */
  async function queued(): Promise<void> {
    while (socket.writableLength === 0) await new Promise((resolve) => setImmediate(resolve));
  }

  async function loggedIn(): Promise<RawClient> {
    const client = await RawClient.connect(port);
    expect((await client.command('a', 'LOGIN fred pass')).at(-1)).toMatch(/^a OK/);
    expect((await client.command('b', 'SELECT INBOX')).at(-1)).toMatch(/^b OK/);
    return client;
  }

  it('moves once the queued answers are written, with nothing left unwritten', async () => {
    const client = await loggedIn();
    socket.cork();
    client.write('n NOOP\r\n');
    await queued();
    ask();
    expect(moved).toEqual([]);
    // A command answered meanwhile, still held: the move waits on (one wait, whatever asks it again).
    client.write('m NOOP\r\n');
    while (socket.writableLength < 'n OK NOOP completed\r\nm OK NOOP completed\r\n'.length) await new Promise((resolve) => setImmediate(resolve));
    expect(moved).toEqual([]);
    socket.uncork();
    expect(await outcome).toBe('moved');
    expect(moved).toHaveLength(1);
    expect(moved[0]!.written).toBe('');
    expect(moved[0]!.unread).toBe('');
    expect(JSON.parse(moved[0]!.state!).selected.name).toBe('user.fred');
    expect(socket.writableLength).toBe(0);
    const lines = await client.readUntil((l) => l.startsWith('m '));
    expect(lines).toEqual(['n OK NOOP completed', 'm OK NOOP completed']);
    // The socket is this test's now (the master's, in a worker).
    socket.destroy();
    client.close();
  });
});
