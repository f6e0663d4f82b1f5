/** UNAUTHENTICATE (RFC 8437) on the wire: back to the not-authenticated state on the same connection. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ users: ['fred', 'wilma'] });
});
afterAll(async () => {
  await server.close();
});

describe('UNAUTHENTICATE', () => {
  it('is advertised, and is BAD before login or with arguments', async () => {
    const c = await RawClient.connect(server.port);
    expect((await c.command('c', 'CAPABILITY'))[0]).toMatch(/ UNAUTHENTICATE( |$)/);
    expect((await c.command('u', 'UNAUTHENTICATE')).at(-1)).toBe('u BAD Please login first');
    await c.command('l', 'LOGIN fred pass');
    expect((await c.command('x', 'UNAUTHENTICATE now')).at(-1)).toMatch(/^x BAD/);
    expect((await c.command('n', 'NAMESPACE')).at(-1)).toMatch(/^n OK/);
    c.close();
  });

  it('leaves the selected mailbox without expunging and lets another user log in', async () => {
    const c = await RawClient.connect(server.port);
    await c.command('l', 'LOGIN fred pass');
    const body = 'Subject: x\r\n\r\nbody\r\n';
    c.write(`ap APPEND INBOX (\\Deleted) {${body.length}+}\r\n${body}\r\n`);
    await c.readUntil((l) => l.startsWith('ap '));
    await c.command('e', 'ENABLE CONDSTORE');
    await c.command('s', 'SELECT INBOX');
    expect(await c.command('u', 'UNAUTHENTICATE')).toEqual(['u OK UNAUTHENTICATE completed']);
    // Not authenticated any more: commands needing a login are refused, LOGIN is accepted again.
    expect((await c.command('f', 'FETCH 1 (FLAGS)')).at(-1)).toBe('f BAD Please login first');
    expect((await c.command('n', 'NAMESPACE')).at(-1)).toBe('n BAD Please login first');
    expect((await c.command('l2', 'LOGIN wilma pass')).at(-1)).toMatch(/^l2 OK/);
    // wilma's session: her own INBOX, CONDSTORE no longer enabled (no HIGHESTMODSEQ in FETCH updates).
    expect((await c.command('s2', 'SELECT INBOX')).filter((l) => /EXISTS/.test(l))).toEqual(['* 0 EXISTS']);
    expect((await c.command('e2', 'ENABLE CONDSTORE'))).toEqual(['* ENABLED CONDSTORE', 'e2 OK ENABLE completed']);
    expect(await c.command('u2', 'UNAUTHENTICATE')).toEqual(['u2 OK UNAUTHENTICATE completed']);
    // fred's \Deleted message is still there: leaving did not expunge.
    await c.command('l3', 'LOGIN fred pass');
    expect((await c.command('st', 'STATUS INBOX (MESSAGES)'))[0]).toBe('* STATUS INBOX (MESSAGES 1)');
    c.close();
  });

  it('starts the pre-login window again (prelogin_timeout), on a fake clock', async () => {
    const realSetTimeout = globalThis.setTimeout;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      Object.assign(server.imap.deps.limits, { timeoutMs: 3_600_000, idleTimeoutMs: 3_600_000, preauthTimeoutMs: 300_000 });
      const c = await RawClient.connect(server.port);
      await c.command('l', 'LOGIN fred pass');
      await vi.advanceTimersByTimeAsync(600_000);
      expect(await c.command('u', 'UNAUTHENTICATE')).toEqual(['u OK UNAUTHENTICATE completed']);
      await vi.advanceTimersByTimeAsync(299_998);
      expect(await c.command('n', 'NOOP')).toEqual(['n OK NOOP completed']);
      await vi.advanceTimersByTimeAsync(2);
      const bye = Promise.race([c.readUntil((l) => l.startsWith('* BYE')), new Promise<never>((_, reject) => realSetTimeout(() => reject(new Error('no BYE')), 10_000))]);
      expect(await bye).toEqual(['* BYE Autologout; no login in time']);
      c.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
