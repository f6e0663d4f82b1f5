/**
 * Issue 17, the login penalty's bookkeeping: counts per address, per account and per pair,
 * decaying with time, shared by processes; a success forgives one account from one address; the
 * check queue serves clean addresses first, in turn, with a bound per address.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CheckQueue, FailureTracker, clientAddressKey } from '../../src/auth/index.js';
import { ACCOUNT_GRACE } from '../../src/auth/failures.js';
import type { Logger } from '../../src/common/log.js';
import { MailError } from '../../src/common/errors.js';
import { ctx, makeAuth } from './helpers.js';

const MINUTE = 60_000;

function tracker(kind: 'memory' | 'sqlite', clock: { now: number }, maxFailures = 100): FailureTracker {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'penalty-'));
  const dbFile = kind === 'sqlite' ? path.join(dir, 'logins.db') : null;
  const t = new FailureTracker({ baseDelayMs: 100, maxDelayMs: 10_000, maxFailures, halfLifeMs: 10 * MINUTE, dbFile }, () => clock.now);
  onTestFinished(() => {
    t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return t;
}

describe.each(['memory', 'sqlite'] as const)('failure counts (%s)', (kind) => {
  it('double the penalty per failure from an address, whatever the connection or account', () => {
    const t = tracker(kind, { now: 1_000_000 });
    const a = ctx({ remoteAddress: '198.51.100.1' });
    expect(t.penalty(a, 'fred')).toEqual({ delayMs: 0, penalised: false });
    t.recordFailure(a, 'fred');
    t.recordFailure(ctx({ remoteAddress: '198.51.100.1' }), 'ghost');
    t.recordFailure(ctx({ remoteAddress: '::ffff:198.51.100.1' }), null); // abandoned before naming an account
    expect(t.penalty(ctx({ remoteAddress: '198.51.100.1' }), 'wilma')).toEqual({ delayMs: 400, penalised: true });
    expect(t.penalty(ctx({ remoteAddress: '198.51.100.2' }), 'wilma')).toEqual({ delayMs: 0, penalised: false });
  });

  it('count per account too: failures on one account from many addresses penalise that account, past a grace', () => {
    const t = tracker(kind, { now: 1_000_000 });
    for (let i = 1; i <= ACCOUNT_GRACE; i++) t.recordFailure(ctx({ remoteAddress: `203.0.113.${i}` }), 'fred');
    expect(t.failureDelay(ctx({ remoteAddress: '203.0.113.99' }), 'fred')).toBe(0);
    t.recordFailure(ctx({ remoteAddress: '203.0.113.50' }), 'fred');
    t.recordFailure(ctx({ remoteAddress: '203.0.113.51' }), 'fred');
    expect(t.failureDelay(ctx({ remoteAddress: '203.0.113.99' }), 'fred')).toBe(200);
    expect(t.failureDelay(ctx({ remoteAddress: '203.0.113.99' }), 'wilma')).toBe(0);
  });

  it('a success forgives that account from that address only, never the address as a whole', () => {
    const t = tracker(kind, { now: 1_000_000 });
    const a = ctx({ remoteAddress: '192.0.2.10' });
    t.recordFailure(a, 'ghost');
    t.recordFailure(a, 'ghost');
    t.recordFailure(a, 'fred');
    for (let i = 0; i <= ACCOUNT_GRACE; i++) t.recordFailure(ctx({ remoteAddress: '192.0.2.11' }), 'fred');
    expect(t.failureDelay(a)).toBe(400); // 3 from the address
    expect(t.failureDelay(ctx({ remoteAddress: '192.0.2.12' }), 'fred')).toBe(200); // 5 on fred, past the grace
    t.recordSuccess(a, 'fred');
    expect(t.failureDelay(ctx({ remoteAddress: '192.0.2.10' }))).toBe(200); // the two on ghost stay
    expect(t.failureDelay(ctx({ remoteAddress: '192.0.2.10' }), 'ghost')).toBe(200);
    // fred's failures from the other address stay on fred
    expect(t.failureDelay(ctx({ remoteAddress: '192.0.2.12' }), 'fred')).toBe(100);
    // a success with nothing to forgive changes nothing
    t.recordSuccess(ctx({ remoteAddress: '192.0.2.10' }), 'wilma');
    expect(t.failureDelay(ctx({ remoteAddress: '192.0.2.10' }))).toBe(200);
  });

  it('decay: a count halves every half-life and is gone in the end; new failures add to what is left', () => {
    const clock = { now: 1_000_000 };
    const t = tracker(kind, clock);
    const a = ctx({ remoteAddress: '192.0.2.20' });
    for (let i = 0; i < 4; i++) t.recordFailure(a, 'fred');
    expect(t.failureDelay(ctx({ remoteAddress: '192.0.2.20' }))).toBe(800);
    clock.now += 10 * MINUTE;
    expect(t.failureDelay(ctx({ remoteAddress: '192.0.2.20' }))).toBe(200); // 4 → 2
    t.recordFailure(ctx({ remoteAddress: '192.0.2.20' }), 'fred');
    expect(t.failureDelay(ctx({ remoteAddress: '192.0.2.20' }))).toBe(400); // 2 + 1
    clock.now += 60 * MINUTE;
    expect(t.penalty(ctx({ remoteAddress: '192.0.2.20' }), 'fred')).toEqual({ delayMs: 0, penalised: false });
  });

  it('closes a connection after maxFailures of its own', () => {
    const t = tracker(kind, { now: 1_000_000 }, 2);
    const a = ctx({ remoteAddress: '192.0.2.30' });
    expect(t.recordFailure(a, 'fred')).toEqual({ disconnect: false });
    expect(t.recordFailure(ctx({ remoteAddress: '192.0.2.30' }), 'fred')).toEqual({ disconnect: false }); // another connection
    expect(t.recordFailure(a, 'fred')).toEqual({ disconnect: true });
  });
});

describe('shared counts', () => {
  it('two trackers on one database (two workers) share the counts; a restart keeps them', () => {
    const clock = { now: 1_000_000 };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'penalty-'));
    const policy = { baseDelayMs: 100, maxDelayMs: 10_000, maxFailures: 9, dbFile: path.join(dir, 'logins.db') };
    const first = new FailureTracker(policy, () => clock.now);
    const second = new FailureTracker(policy, () => clock.now);
    try {
      first.recordFailure(ctx({ remoteAddress: '203.0.113.5' }), 'fred');
      second.recordFailure(ctx({ remoteAddress: '203.0.113.5' }), 'ghost');
      expect(first.failureDelay(ctx({ remoteAddress: '203.0.113.5' }))).toBe(200);
      second.recordSuccess(ctx({ remoteAddress: '203.0.113.5' }), 'fred');
      expect(first.failureDelay(ctx({ remoteAddress: '203.0.113.5' }))).toBe(100);
      first.close();
      const restarted = new FailureTracker(policy, () => clock.now);
      expect(restarted.failureDelay(ctx({ remoteAddress: '203.0.113.5' }), 'ghost')).toBe(100);
      restarted.close();
    } finally {
      first.close();
      second.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a database that cannot be opened falls back to memory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'penalty-'));
    fs.writeFileSync(path.join(dir, 'file'), '');
    const warnings: string[] = [];
    const logger = { warn: (_o: unknown, msg: string) => warnings.push(msg) } as unknown as Logger;
    const t = new FailureTracker({ baseDelayMs: 100, maxDelayMs: 1000, maxFailures: 3, dbFile: path.join(dir, 'file', 'logins.db'), logger });
    try {
      t.recordFailure(ctx({ remoteAddress: '203.0.113.9' }), 'fred');
      expect(t.failureDelay(ctx({ remoteAddress: '203.0.113.9' }))).toBe(100);
      expect(warnings).toHaveLength(1);
    } finally {
      t.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('two Authenticators on one configdirectory share the counts through logins.db', async () => {
    const env = makeAuth('allowplaintext: yes\nauth_failure_delay: 1\n');
    const other = makeAuth('', { config: env.config });
    try {
      await expect(env.auth.login('fred', 'wrong', ctx({ remoteAddress: '203.0.113.8' }))).rejects.toMatchObject({ kind: 'AuthFailed' });
      expect(other.auth.failureDelay(ctx({ remoteAddress: '203.0.113.8' }))).toBe(1000);
      expect(fs.existsSync(path.join(env.dir, 'logins.db'))).toBe(true);
    } finally {
      other.cleanup();
      env.cleanup();
    }
  });
});

describe('client address keys', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::7', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
  ])('%s counts as %s', (address, key) => {
    expect(clientAddressKey(address)).toBe(key);
  });
  it('a UNIX socket has no address', () => expect(clientAddressKey(undefined)).toBeUndefined());
});

/** A check that ends when the test says so, noting when it started. */
function heldCheck(started: string[], name: string): { task: () => Promise<string>; release: () => void } {
  let release = (): void => undefined;
  const done = new Promise<string>((resolve) => (release = () => resolve(name)));
  return { task: () => (started.push(name), done), release };
}

describe('check queue', () => {
  it('runs `concurrency` checks at once; then clean addresses in turn, penalised ones last', async () => {
    const queue = new CheckQueue({ concurrency: 1, perAddress: 10 });
    const started: string[] = [];
    const never = () => false;
    const checks = new Map<string, ReturnType<typeof heldCheck>>();
    const submit = (address: string, name: string, penalised: boolean): Promise<string> => {
      const check = heldCheck(started, name);
      checks.set(name, check);
      const ticket = queue.admit(address);
      return ticket.run(penalised, never, check.task).finally(() => ticket.release());
    };
    const results = [
      submit('attacker', 'a1', true),
      submit('attacker', 'a2', true),
      submit('attacker', 'a3', true),
      submit('crowd', 'c1', false),
      submit('crowd', 'c2', false),
      submit('honest', 'h1', false),
    ];
    expect(queue.load).toEqual({ running: 1, waiting: 5 });
    for (const name of ['a1', 'c1', 'h1', 'c2', 'a2', 'a3']) {
      expect(started.at(-1)).toBe(name);
      checks.get(name)!.release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(started).toEqual(['a1', 'c1', 'h1', 'c2', 'a2', 'a3']);
    await Promise.all(results);
    expect(queue.load).toEqual({ running: 0, waiting: 0 });
  });

  it('never refuses an address without recent failures (a webmail logging many users in at once)', () => {
    const queue = new CheckQueue({ concurrency: 1, perAddress: 2 });
    const tickets = [0, 1, 2, 3, 4].map(() => queue.admit('webmail', false));
    expect(tickets).toHaveLength(5);
    expect(() => queue.admit('webmail', true)).toThrow(MailError);
    for (const t of tickets) t.release();
  });

  it('refuses an address over its bound at once, and skips a check whose client has gone', async () => {
    const queue = new CheckQueue({ concurrency: 1, perAddress: 2 });
    const started: string[] = [];
    const first = heldCheck(started, 'first');
    const one = queue.admit('x');
    const two = queue.admit('x');
    let refused: unknown = null;
    try {
      queue.admit('x');
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(MailError);
    expect(refused).toMatchObject({ kind: 'Temp', detail: { busy: true } });
    const other = queue.admit('y'); // another address is not affected
    const running = one.run(false, () => false, first.task);
    let gone = false;
    const skipped = two.run(false, () => gone, heldCheck(started, 'skipped').task);
    gone = true;
    first.release();
    await expect(running).resolves.toBe('first');
    await expect(skipped).rejects.toMatchObject({ kind: 'AuthFailed', detail: { abandoned: true } });
    expect(started).toEqual(['first']);
    one.release();
    two.release();
    two.release(); // once only
    other.release();
    expect(() => [queue.admit('x'), queue.admit('x')]).not.toThrow();
  });
});

describe('the authenticator counts every way in', () => {
  it('LOGIN, a SASL failure and an abandoned SASL exchange each count once', async () => {
    const env = makeAuth('allowplaintext: yes\nauth_failure_delay: 1\nauth_failure_delay_max: 1h\nauth_max_failures: 2\n');
    try {
      await env.auth.store.setPassword('fred', 'pw');
      const c = ctx({ remoteAddress: '192.0.2.60' });
      const delay = () => env.auth.failureDelay(ctx({ remoteAddress: '192.0.2.60' }));
      await expect(env.auth.login('fred', 'wrong', c)).rejects.toMatchObject({ kind: 'AuthFailed', detail: { account: 'fred', disconnect: false } });
      expect(delay()).toBe(1000);
      const plain = env.auth.startSasl('PLAIN', c);
      await expect(plain.step(Buffer.from('\0ghost\0x'))).rejects.toMatchObject({ kind: 'AuthFailed', detail: { account: 'ghost', disconnect: true } });
      expect(delay()).toBe(2000);
      const login = env.auth.startSasl('LOGIN', ctx({ remoteAddress: '192.0.2.60' }));
      await login.step(null);
      await login.step(Buffer.from('fred'));
      login.abandon();
      login.abandon(); // once
      expect(delay()).toBe(4000);
    } finally {
      env.cleanup();
    }
  });
});
