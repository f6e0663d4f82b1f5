import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
const logged: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  // Sessions take a child of the server's logger when they start: record what they log.
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logged.push(String(chunk));
      done();
    },
  });
  (server.imap.deps as { logger: unknown }).logger = pino({ level: 'error' }, sink);
});
afterAll(async () => {
  await server.close();
});

describe('internal errors', () => {
  it('answer NO [SERVERBUG] without internals, are logged, and leave the session usable', async () => {
    const c = await RawClient.connect(server.port);
    await c.command('l', 'LOGIN fred pass');
    const store = server.imap.deps.store;
    const lookup = store.lookup;
    store.lookup = () => {
      throw new TypeError('boom at /secret/path/mailboxes.db');
    };
    let lines: string[];
    try {
      lines = await c.command('s', 'SELECT INBOX');
    } finally {
      store.lookup = lookup;
    }
    expect(lines).toEqual(['s NO [SERVERBUG] Internal server error']);
    expect(logged.join('')).toContain('boom at /secret/path');
    expect((await c.command('t', 'SELECT INBOX')).at(-1)).toMatch(/^t OK/);
    c.close();
  });
});
