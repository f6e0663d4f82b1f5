// Murder frontend IMAP: a session with a mailbox selected on a backend holds a connection of this
// process, so when the master asks it to move to its user's home worker it stays (and goes on).
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LoginGate } from '../../src/common/index.js';
import { RawClient } from './harness.js';
import { startMurder, type Murder } from './proxy-murder.js';

let murder: Murder;
let listener: Server;
let port: number;
let ask: () => void;
let outcome: Promise<'moved' | 'stayed'>;

beforeAll(async () => {
  murder = await startMurder({ backends: ['127.0.0.2'] });
  murder.mailbox('127.0.0.2', 'user.fred');
  listener = createServer((s) => {
    let settle: (how: 'moved' | 'stayed') => void = () => undefined;
    outcome = new Promise((resolve) => (settle = resolve));
    const gate: LoginGate = {
      loggedIn: () => Promise.resolve({ refusal: null, move: false }),
      passed: () => undefined,
      move: () => {
        settle('moved');
        return true;
      },
      onMoveAsked: (asked) => (ask = asked),
      stay: () => settle('stayed'),
    };
    murder.frontend.imap.handleConnection(s, { tls: false, unixSocket: false, localAddress: s.localAddress, remoteAddress: s.remoteAddress, loginGate: gate });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  await murder?.close();
});

it('a session with a remote mailbox selected stays when asked to move home', async () => {
  const c = await RawClient.connect(port);
  expect((await c.command('a', 'LOGIN fred pass')).at(-1)).toMatch(/^a OK/);
  expect((await c.command('b', 'SELECT INBOX')).at(-1)).toMatch(/^b OK \[READ-WRITE\]/);
  ask();
  expect(await outcome).toBe('stayed');
  expect((await c.command('c', 'UID SEARCH ALL')).at(-1)).toBe('c OK SEARCH completed');
  c.close();
});
