import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

// The 30-minute floor of `timeout` makes a wire test with the configured value impossible: these
// tests shorten the session limits the server hands every session (its deps) instead. The session
// timer runs on vitest's fake clock, so "before the limit" and "at the limit" are exact instants
// and no test races a real sleep against a real timer. Only setTimeout is faked: sockets, the
// IDLE poll (setInterval) and the scrypt of LOGIN run as usual.
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const BYE = '* BYE Autologout; idle for too long';
/** The real setTimeout, kept before any test fakes it: bounds a wait in wall-clock time. */
const realSetTimeout = globalThis.setTimeout;

function withinRealMs<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => realSetTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms))]);
}

function setLimits(limits: Partial<TestServer['imap']['deps']['limits']>): void {
  Object.assign(server.imap.deps.limits, limits);
}

/**
 * Move the fake clock by `ms`, then prove the session is still there: a NOOP answers OK with nothing
 * before it (had the timer fired, the BYE would be written before the NOOP is even read).
 */
async function stillAliveAfter(c: RawClient, ms: number, tag: string): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  expect(await c.command(tag, 'NOOP')).toEqual([`${tag} OK NOOP completed`]);
}

/** Move the fake clock by `ms` and expect the BYE, then the close. */
async function byeAfter(c: RawClient, ms: number, bye = BYE): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  expect(await withinRealMs(10_000, 'BYE', c.readUntil((l) => l.startsWith('* BYE')))).toEqual([bye]);
  await withinRealMs(10_000, 'close', c.readUntil(() => false).catch(() => undefined));
  expect(c.closed).toBe(true);
}

describe('autologout', () => {
  it('says BYE to an authenticated session idle past timeout, not before', async () => {
    setLimits({ timeoutMs: 300_000, idleTimeoutMs: 3_600_000, preauthTimeoutMs: 3_600_000 });
    const c = await RawClient.connect(server.port);
    expect((await c.command('a', 'LOGIN fred pass')).at(-1)).toMatch(/^a OK/);
    await stillAliveAfter(c, 299_999, 'n1');
    await byeAfter(c, 300_000);
  });

  it('activity restarts the timer', async () => {
    setLimits({ timeoutMs: 400_000, idleTimeoutMs: 3_600_000, preauthTimeoutMs: 3_600_000 });
    const c = await RawClient.connect(server.port);
    await c.command('a', 'LOGIN fred pass');
    // 4 × 300 s of quiet, each ended by a command: far past 400 s in all, never 400 s at once
    for (let i = 0; i < 4; i++) await stillAliveAfter(c, 300_000, `n${i}`);
    await byeAfter(c, 400_000);
  });

  it('uses imapidletimeout while in IDLE, not timeout', async () => {
    setLimits({ timeoutMs: 3_600_000, idleTimeoutMs: 300_000, preauthTimeoutMs: 3_600_000 });
    const c = await RawClient.connect(server.port);
    await c.command('a', 'LOGIN fred pass');
    await c.command('s', 'SELECT INBOX');
    c.write('i IDLE\r\n');
    expect(await c.readLine()).toBe('+ idling');
    await byeAfter(c, 300_000);
  });

  it('before login, uses the shorter pre-authentication timer', async () => {
    setLimits({ timeoutMs: 3_600_000, idleTimeoutMs: 3_600_000, preauthTimeoutMs: 300_000 });
    const c = await RawClient.connect(server.port);
    await stillAliveAfter(c, 299_998, 'n1');
    await byeAfter(c, 2, '* BYE Autologout; no login in time');
  });

  it('before login, the window runs from the greeting: commands do not extend it (prelogin_timeout)', async () => {
    setLimits({ timeoutMs: 3_600_000, idleTimeoutMs: 3_600_000, preauthTimeoutMs: 300_000 });
    const c = await RawClient.connect(server.port);
    for (let i = 0; i < 2; i++) await stillAliveAfter(c, 100_000, `n${i}`);
    await byeAfter(c, 100_000, '* BYE Autologout; no login in time');
  });

  it('a login ends the pre-login window', async () => {
    setLimits({ timeoutMs: 3_600_000, idleTimeoutMs: 3_600_000, preauthTimeoutMs: 300_000 });
    const c = await RawClient.connect(server.port);
    expect((await c.command('a', 'LOGIN fred pass')).at(-1)).toMatch(/^a OK/);
    await stillAliveAfter(c, 600_000, 'n1');
  });

  it('a login after UNAUTHENTICATE ends the new pre-login window, and the session window restarts in place after it', async () => {
    setLimits({ timeoutMs: 400_000, idleTimeoutMs: 3_600_000, preauthTimeoutMs: 300_000 });
    const c = await RawClient.connect(server.port);
    expect((await c.command('a', 'LOGIN fred pass')).at(-1)).toMatch(/^a OK/);
    await stillAliveAfter(c, 200_000, 'n1');
    expect(await c.command('u', 'UNAUTHENTICATE')).toEqual(['u OK UNAUTHENTICATE completed']);
    expect((await c.command('b', 'LOGIN fred pass')).at(-1)).toMatch(/^b OK/);
    // past the pre-login window, and commands keep the session window from running out
    for (let i = 0; i < 3; i++) await stillAliveAfter(c, 350_000, `m${i}`);
    await byeAfter(c, 400_000);
  });
});
