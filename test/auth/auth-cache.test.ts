/**
 * auth_cache_ttl: a successful password check is kept for a while, so the next LOGIN of the same
 * user with the same password skips scrypt; a wrong password, a changed password and an expired
 * entry always run the full check. The clock is faked (no timing asserts).
 */
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthCache } from '../../src/auth/auth-cache.js';
import { PasswordStore } from '../../src/auth/index.js';
import { ctx, expectKind, makeAuth } from './helpers.js';

let env: ReturnType<typeof makeAuth> | null = null;
afterEach(() => {
  vi.useRealTimers();
  env?.cleanup();
  env = null;
});

async function withFred(extraConfig = ''): Promise<{ auth: ReturnType<typeof makeAuth>['auth']; verify: ReturnType<typeof vi.spyOn> }> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
  env = makeAuth(`allowplaintext: yes\n${extraConfig}`);
  await env.auth.store.setPassword('fred', 'secret');
  const verify = vi.spyOn(env.auth.store, 'verify');
  return { auth: env.auth, verify };
}

describe('authentication cache', () => {
  it('answers a repeated good login without running the password check again', async () => {
    const { auth, verify } = await withFred();
    expect((await auth.login('fred', 'secret', ctx())).userid).toBe('fred');
    expect((await auth.login('Fred', 'secret', ctx())).userid).toBe('fred');
    expect(verify).toHaveBeenCalledTimes(1);
  });

  it('never lets a wrong password hit, before or after a cached success', async () => {
    const { auth, verify } = await withFred();
    await expectKind(auth.login('fred', 'wrong', ctx()), 'AuthFailed');
    await expectKind(auth.login('fred', 'wrong', ctx()), 'AuthFailed');
    await auth.login('fred', 'secret', ctx());
    await expectKind(auth.login('fred', 'wrong', ctx()), 'AuthFailed');
    await expectKind(auth.login('fred', 'secre', ctx()), 'AuthFailed');
    expect(verify).toHaveBeenCalledTimes(5);
  });

  it('misses once the password is changed, also by another process', async () => {
    const { auth, verify } = await withFred();
    await auth.login('fred', 'secret', ctx());
    const elsewhere = PasswordStore.open(path.join(env!.dir, 'sasldb.sqlite'), { scrypt: { N: 1024, r: 8, p: 1 }, scramIterations: 4096 });
    try {
      await elsewhere.setPassword('fred', 'changed');
      await expectKind(auth.login('fred', 'secret', ctx()), 'AuthFailed');
      expect((await auth.login('fred', 'changed', ctx())).userid).toBe('fred');
      // the same password set again is a new record: a miss too
      await elsewhere.setPassword('fred', 'changed');
      await auth.login('fred', 'changed', ctx());
      expect(verify).toHaveBeenCalledTimes(4);
      elsewhere.deletePassword('fred');
      await expectKind(auth.login('fred', 'changed', ctx()), 'AuthFailed');
    } finally {
      elsewhere.close();
    }
  });

  it('forgets a success after auth_cache_ttl', async () => {
    const { auth, verify } = await withFred('auth_cache_ttl: 60s\n');
    await auth.login('fred', 'secret', ctx());
    vi.setSystemTime(Date.now() + 59_000);
    await auth.login('fred', 'secret', ctx());
    expect(verify).toHaveBeenCalledTimes(1);
    vi.setSystemTime(Date.now() + 1_000);
    await auth.login('fred', 'secret', ctx());
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('is off with auth_cache_ttl: 0', async () => {
    const { auth, verify } = await withFred('auth_cache_ttl: 0\n');
    await auth.login('fred', 'secret', ctx());
    await auth.login('fred', 'secret', ctx());
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it('keeps at most maxEntries users, the least recently used going first', () => {
    const cache = new AuthCache({ ttlMs: 60_000, maxEntries: 2, now: () => 0 });
    const stamp = Buffer.from('stamp');
    cache.remember('a', 'pa', stamp);
    cache.remember('b', 'pb', stamp);
    expect(cache.hit('a', 'pa', stamp)).toBe(true);
    cache.remember('c', 'pc', stamp);
    expect(cache.size).toBe(2);
    expect(cache.hit('b', 'pb', stamp)).toBe(false);
    expect(cache.hit('a', 'pa', stamp)).toBe(true);
    expect(cache.hit('c', 'pc', stamp)).toBe(true);
    expect(cache.hit('c', 'pa', stamp)).toBe(false);
    expect(cache.hit('c', 'pc', Buffer.from('other'))).toBe(false);
  });

  describe('checks in flight', () => {
    /** verify() held until release() is called, so that attempts pile up on one check in flight. */
    function holdVerify(auth: ReturnType<typeof makeAuth>['auth'], verify: ReturnType<typeof vi.spyOn>): () => void {
      const original = PasswordStore.prototype.verify;
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      verify.mockImplementation(async (userid: string, password: string) => {
        await gate;
        return original.call(auth.store, userid, password);
      });
      return release;
    }

    /** Resolve once `verify` has been called `n` times and the other attempts had time to join. */
    async function started(verify: ReturnType<typeof vi.spyOn>, n: number): Promise<void> {
      while (verify.mock.calls.length < n) await new Promise((r) => setImmediate(r));
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    }

    it('runs one check for concurrent logins of one user with one password', async () => {
      const { auth, verify } = await withFred();
      const release = holdVerify(auth, verify);
      const logins = Array.from({ length: 5 }, () => auth.login('fred', 'secret', ctx()));
      await started(verify, 1);
      release();
      for (const identity of await Promise.all(logins)) expect(identity.userid).toBe('fred');
      expect(verify).toHaveBeenCalledTimes(1);
    });

    it('shares a wrong verdict in flight: every attempt fails and counts, and nothing is kept', async () => {
      const { auth, verify } = await withFred('auth_failure_delay: 1s\nauth_failure_delay_max: 60s\n');
      const release = holdVerify(auth, verify);
      const attempts = Array.from({ length: 3 }, () => expectKind(auth.login('fred', 'wrong', ctx()), 'AuthFailed'));
      await started(verify, 1);
      release();
      await Promise.all(attempts);
      expect(verify).toHaveBeenCalledTimes(1);
      // three failures from the address: 1 s doubled twice
      expect(auth.failureDelay(ctx())).toBe(4000);
      // the wrong verdict is not kept: the next attempt (after its penalty) runs its own check
      vi.useRealTimers();
      verify.mockClear();
      expect(auth.failureDelay(ctx({ remoteAddress: '198.51.100.1' }))).toBe(0);
      await expectKind(auth.login('fred', 'wrong', ctx({ remoteAddress: '198.51.100.1' })), 'AuthFailed');
      expect(verify).toHaveBeenCalledTimes(1);
    });

    it('does not share between different passwords', async () => {
      const { auth, verify } = await withFred();
      const release = holdVerify(auth, verify);
      const right = auth.login('fred', 'secret', ctx());
      const wrong = expectKind(auth.login('fred', 'wrong', ctx({ remoteAddress: '198.51.100.2' })), 'AuthFailed');
      await started(verify, 2);
      release();
      expect((await right).userid).toBe('fred');
      await wrong;
      expect(verify).toHaveBeenCalledTimes(2);
    });
  });
});
