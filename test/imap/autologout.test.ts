import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

// The 30-minute floor of `timeout` makes a wire test with the configured value impossible: these
// tests shorten the session limits the server hands every session (its deps) instead.
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

function setLimits(limits: Partial<TestServer['imap']['deps']['limits']>): void {
  Object.assign(server.imap.deps.limits, limits);
}

describe('autologout', () => {
  it('says BYE to an authenticated session idle past timeout', async () => {
    setLimits({ timeoutMs: 300, idleTimeoutMs: 60_000, preauthTimeoutMs: 60_000 });
    const c = await RawClient.connect(server.port);
    expect((await c.command('a', 'LOGIN fred pass')).at(-1)).toMatch(/^a OK/);
    expect(await c.readUntil((l) => l.startsWith('* BYE'), 3000)).toEqual(['* BYE Autologout; idle for too long']);
    await c.readUntil(() => false, 3000).catch(() => undefined);
    expect(c.closed).toBe(true);
  });

  it('activity restarts the timer', async () => {
    setLimits({ timeoutMs: 400, idleTimeoutMs: 60_000, preauthTimeoutMs: 60_000 });
    const c = await RawClient.connect(server.port);
    await c.command('a', 'LOGIN fred pass');
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 200));
      expect((await c.command(`n${i}`, 'NOOP')).at(-1)).toMatch(/OK/);
    }
    expect(await c.readUntil((l) => l.startsWith('* BYE'), 3000)).toEqual(['* BYE Autologout; idle for too long']);
    c.close();
  });

  it('uses imapidletimeout while in IDLE, not timeout', async () => {
    setLimits({ timeoutMs: 60_000, idleTimeoutMs: 300, preauthTimeoutMs: 60_000 });
    const c = await RawClient.connect(server.port);
    await c.command('a', 'LOGIN fred pass');
    await c.command('s', 'SELECT INBOX');
    c.write('i IDLE\r\n');
    expect(await c.readLine()).toBe('+ idling');
    expect(await c.readUntil((l) => l.startsWith('* BYE'), 3000)).toEqual(['* BYE Autologout; idle for too long']);
    c.close();
  });

  it('before login, uses the shorter pre-authentication timer', async () => {
    setLimits({ timeoutMs: 60_000, idleTimeoutMs: 60_000, preauthTimeoutMs: 300 });
    const c = await RawClient.connect(server.port);
    expect(await c.readUntil((l) => l.startsWith('* BYE'), 3000)).toEqual(['* BYE Autologout; idle for too long']);
    c.close();
  });
});
