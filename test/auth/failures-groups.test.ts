import type { BinaryLike, ScryptOptions } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroupResolver } from '../../src/auth/index.js';
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

// The login penalty's counts and delays: test/auth/auth-penalty-counts.test.ts.
describe('failed logins', () => {
  it('an unknown user costs the same password hash as a wrong password', async () => {
    const env = makeAuth('allowplaintext: yes\nauth_failure_delay: 0\n', { passwordStore: { scrypt: { N: 4096, r: 8, p: 1 } } });
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
