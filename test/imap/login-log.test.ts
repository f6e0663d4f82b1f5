/** Issue 17: a login writes exactly one "login" log line, naming the session. */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
const lines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  server = await startTestServer({ logger });
});
afterAll(async () => {
  await server.close();
});

describe('login log line', () => {
  it.each([
    ['LOGIN', 'LOGIN fred pass'],
    ['AUTHENTICATE PLAIN', `AUTHENTICATE PLAIN ${Buffer.from('\0fred\0pass').toString('base64')}`],
  ])('%s logs one "login" line with the session id', async (_, command) => {
    lines.length = 0;
    const c = await RawClient.connect(server.port);
    expect((await c.command('a', command)).at(-1)).toMatch(/^a OK/);
    await c.command('b', 'LOGOUT');
    const logins = lines.filter((l) => l.msg === 'login');
    expect(logins).toHaveLength(1);
    const opened = lines.find((l) => l.msg === 'connection opened');
    expect(logins[0]).toMatchObject({ userid: 'fred', service: 'imap', sid: opened?.sid });
    c.close();
  });
});
