import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ conf: ['imap_max_unauth_commands: 3'] });
});
afterAll(async () => {
  await server.close();
});

describe('imap_max_unauth_commands', () => {
  it('closes the session with BYE at the first command past the limit before login', async () => {
    const c = await RawClient.connect(server.port);
    for (let i = 1; i <= 3; i++) expect((await c.command(`n${i}`, 'NOOP')).at(-1)).toBe(`n${i} OK NOOP completed`);
    c.write('x LOGIN fred pass\r\n');
    expect(await c.readUntil((l) => l.startsWith('* BYE'))).toEqual(['* BYE Too many commands without logging in']);
    await c.readUntil(() => false, 2000).catch(() => undefined);
    expect(c.closed).toBe(true);
  });

  it('counts only commands before login', async () => {
    const c = await RawClient.connect(server.port);
    await c.command('n1', 'NOOP');
    expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
    for (let i = 0; i < 5; i++) expect((await c.command(`m${i}`, 'NOOP')).at(-1)).toBe(`m${i} OK NOOP completed`);
    c.close();
  });
});
