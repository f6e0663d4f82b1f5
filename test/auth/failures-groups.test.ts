import type { BinaryLike, ScryptOptions } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { FailureTracker, GroupResolver } from '../../src/auth/index.js';
import type { Logger } from '../../src/common/log.js';
import { ctx, makeAuth } from './helpers.js';

interface ScryptCall {
  keyLength: number;
  N: number | undefined;
  r: number | undefined;
  p: number | undefined;
}

/** Every scrypt run of the password store, with its cost, for the unknown-user test. */
const scryptCalls = vi.hoisted((): ScryptCall[] => []);
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const scrypt = (password: BinaryLike, salt: BinaryLike, keyLength: number, options: ScryptOptions, callback: (err: Error | null, key: Buffer) => void): void => {
    scryptCalls.push({ keyLength, N: options.N, r: options.r, p: options.p });
    real.scrypt(password, salt, keyLength, options, callback);
  };
  return { ...real, default: { ...real, scrypt }, scrypt };
});

describe('failure delays', () => {
  it.each([
    // [failures so far on this connection, expected delay, disconnect]
    [1, 100, false],
    [2, 200, false],
    [3, 400, false],
    [4, 500, true],
  ])('failure %i waits %i ms (disconnect %s)', (n, delay, disconnect) => {
    const tracker = new FailureTracker({ baseDelayMs: 100, maxDelayMs: 500, maxFailures: 4 });
    const c = ctx();
    let verdict = tracker.recordFailure(c);
    for (let i = 1; i < n; i++) verdict = tracker.recordFailure(c);
    expect(verdict).toEqual({ delayMs: delay, disconnect });
  });

  it.each(['memory', 'sqlite'])('counts per source address across connections, forgets after a while, resets on success (%s)', (kind) => {
    let now = 0;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failures-'));
    const dbFile = kind === 'sqlite' ? path.join(dir, 'logins.db') : null;
    const tracker = new FailureTracker({ baseDelayMs: 100, maxDelayMs: 10_000, maxFailures: 3, forgetAfterMs: 60_000, dbFile }, () => now);
    onTestFinished(() => {
      tracker.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const a = ctx({ remoteAddress: '198.51.100.1' });
    tracker.recordFailure(a);
    tracker.recordFailure(a);
    const b = ctx({ remoteAddress: '198.51.100.1' }); // a new connection from the same address
    expect(tracker.failureDelay(b)).toBe(200);
    expect(tracker.recordFailure(b)).toEqual({ delayMs: 400, disconnect: false });
    const other = ctx({ remoteAddress: '198.51.100.2' });
    expect(tracker.recordFailure(other).delayMs).toBe(100);
    now = 120_000;
    expect(tracker.failureDelay(ctx({ remoteAddress: '198.51.100.1' }))).toBe(0);
    tracker.recordFailure(b);
    tracker.recordSuccess(b);
    expect(tracker.failureDelay(b)).toBe(0);
  });

  it('two trackers on one database (two workers) share address counts, not connection counts', () => {
    let now = 1_000_000;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failures-'));
    const policy = { baseDelayMs: 100, maxDelayMs: 10_000, maxFailures: 3, forgetAfterMs: 60_000, dbFile: path.join(dir, 'logins.db') };
    const first = new FailureTracker(policy, () => now);
    const second = new FailureTracker(policy, () => now);
    try {
      const a = ctx({ remoteAddress: '203.0.113.5' });
      const b = ctx({ remoteAddress: '203.0.113.5' });
      expect(first.recordFailure(a)).toEqual({ delayMs: 100, disconnect: false });
      expect(first.recordFailure(a)).toEqual({ delayMs: 200, disconnect: false });
      // the other worker's connection from that address starts at the address's count
      expect(second.failureDelay(b)).toBe(200);
      expect(second.recordFailure(b)).toEqual({ delayMs: 400, disconnect: false });
      expect(first.failureDelay(ctx({ remoteAddress: '203.0.113.5' }))).toBe(400);
      expect(first.failureDelay(ctx({ remoteAddress: '203.0.113.6' }))).toBe(0);
      // decay: a quiet minute later the address starts again
      now += 61_000;
      expect(second.failureDelay(ctx({ remoteAddress: '203.0.113.5' }))).toBe(0);
      expect(first.recordFailure(ctx({ remoteAddress: '203.0.113.5' })).delayMs).toBe(100);
      // a success in one worker clears the address for both
      second.recordSuccess(ctx({ remoteAddress: '203.0.113.5' }));
      expect(first.failureDelay(ctx({ remoteAddress: '203.0.113.5' }))).toBe(0);
      // a restarted tracker still knows the counts
      first.recordFailure(ctx({ remoteAddress: '203.0.113.7' }));
      first.close();
      const restarted = new FailureTracker(policy, () => now);
      expect(restarted.failureDelay(ctx({ remoteAddress: '203.0.113.7' }))).toBe(100);
      restarted.close();
    } finally {
      first.close();
      second.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failure database that cannot be opened falls back to memory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failures-'));
    fs.writeFileSync(path.join(dir, 'file'), '');
    const warnings: string[] = [];
    const logger = { warn: (_o: unknown, msg: string) => warnings.push(msg) } as unknown as Logger;
    const tracker = new FailureTracker({ baseDelayMs: 100, maxDelayMs: 1000, maxFailures: 3, dbFile: path.join(dir, 'file', 'logins.db'), logger });
    try {
      const c = ctx({ remoteAddress: '203.0.113.9' });
      tracker.recordFailure(c);
      expect(tracker.failureDelay(ctx({ remoteAddress: '203.0.113.9' }))).toBe(100);
      expect(warnings).toHaveLength(1);
    } finally {
      tracker.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('two Authenticators on one configdirectory share address counts through logins.db', () => {
    const env = makeAuth('auth_failure_delay: 1\nauth_max_failures: 3\n');
    const other = makeAuth('', { config: env.config });
    try {
      env.auth.recordFailure(ctx({ remoteAddress: '203.0.113.8' }));
      expect(other.auth.failureDelay(ctx({ remoteAddress: '203.0.113.8' }))).toBe(1000);
      expect(fs.existsSync(path.join(env.dir, 'logins.db'))).toBe(true);
    } finally {
      other.cleanup();
      env.cleanup();
    }
  });

  it('the Authenticator reads auth_failure_delay and auth_max_failures', () => {
    const env = makeAuth('auth_failure_delay: 1\nauth_failure_delay_max: 3s\nauth_max_failures: 3\n');
    try {
      const c = ctx();
      expect(env.auth.recordFailure(c)).toEqual({ delayMs: 1000, disconnect: false });
      expect(env.auth.recordFailure(c)).toEqual({ delayMs: 2000, disconnect: false });
      expect(env.auth.recordFailure(c)).toEqual({ delayMs: 3000, disconnect: true });
      env.auth.recordSuccess(c);
      expect(env.auth.failureDelay(c)).toBe(0);
    } finally {
      env.cleanup();
    }
  });

  it('an unknown user costs the same password hash as a wrong password', async () => {
    const env = makeAuth('allowplaintext: yes\n', { passwordStore: { scrypt: { N: 4096, r: 8, p: 1 } } });
    try {
      await env.auth.store.setPassword('fred', 'pw');
      const hashesDuring = async (user: string): Promise<ScryptCall[]> => {
        scryptCalls.length = 0;
        const start = process.hrtime.bigint();
        await expect(env.auth.login(user, 'wrong', ctx())).rejects.toThrow();
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        console.log(`LOGIN ${user} with a wrong password: ${ms.toFixed(1)} ms, ${scryptCalls.length} scrypt run(s)`);
        return [...scryptCalls];
      };
      const known = await hashesDuring('fred');
      const unknown = await hashesDuring('nobody');
      // one scrypt of the configured cost each: an early return for unknown users would show here
      expect(known).toEqual([{ keyLength: 32, N: 4096, r: 8, p: 1 }]);
      expect(unknown).toEqual(known);
    } finally {
      env.cleanup();
    }
  });
});

describe('groups', () => {
  let dir = '';
  afterEach(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('reads /etc/group format, primary groups, and reloads a changed file', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-groups-'));
    const system = path.join(dir, 'group');
    const passwd = path.join(dir, 'passwd');
    const extra = path.join(dir, 'extra');
    fs.writeFileSync(system, 'staff:x:50:fred,joe\nusers:x:100:\n');
    fs.writeFileSync(passwd, 'fred:x:1000:100::/home/fred:/bin/sh\n');
    fs.writeFileSync(extra, '# comment\naccounting:*:900:fred\n');
    let now = 1_000_000;
    const groups = new GroupResolver({ systemGroupFile: system, passwdFile: passwd, groupFile: extra, recheckMs: 1500, now: () => now });
    expect(groups.groupsOf('fred')).toEqual(['accounting', 'staff', 'users']);
    expect(groups.groupsOf('joe')).toEqual(['staff']);
    expect(groups.groupsOf('nobody')).toEqual([]);

    fs.writeFileSync(extra, 'accounting:*:900:joe\nsales:*:901:fred,joe\n');
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(extra, later, later);
    // within recheckMs the files are not looked at again: the old membership stands
    now += 1000;
    expect(groups.groupsOf('fred')).toEqual(['accounting', 'staff', 'users']);
    now += 1000;
    expect(groups.groupsOf('fred')).toEqual(['sales', 'staff', 'users']);
    expect(groups.groupsOf('joe')).toEqual(['accounting', 'sales', 'staff']);
    fs.rmSync(extra);
    now += 1500;
    expect(groups.groupsOf('joe')).toEqual(['staff']);
  });

  it('identities carry group: identifiers from auth_groupfile', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-groups-'));
    fs.writeFileSync(path.join(dir, 'groups'), 'accounting:x:1:fred\n');
    const env = makeAuth(`auth_groupfile: ${dir}/groups\nallowplaintext: yes\n`);
    try {
      await env.auth.store.setPassword('fred', 'pw');
      const id = await env.auth.login('fred', 'pw', ctx());
      expect(id.groups()).toEqual(['accounting']);
      expect(id.identifiers()).toEqual(['fred', 'anyone', 'group:accounting']);
    } finally {
      env.cleanup();
    }
  });
});
