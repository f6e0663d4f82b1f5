import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { runSaslpasswd, registerSaslpasswd, type SaslpasswdOptions } from '../../src/tools/saslpasswd.js';
import { PasswordStore } from '../../src/auth/index.js';

let dir = '';
afterEach(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

function setup(extra = '') {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-saslpasswd-'));
  const conf = path.join(dir, 'imapd.conf');
  fs.writeFileSync(conf, `configdirectory: ${dir}\nvirtdomains: userid\ndefaultdomain: example.org\n${extra}`);
  const out: string[] = [];
  const err: string[] = [];
  const run = (userid: string | undefined, opts: Partial<SaslpasswdOptions>, password = '') =>
    runSaslpasswd(userid, { config: conf, ...opts }, {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      readPassword: async () => password,
      storeOptions: { scrypt: { N: 1024, r: 8, p: 1 } },
    });
  return { conf, out, err, run };
}

describe('saslpasswd', () => {
  it('sets, changes, lists and deletes users', async () => {
    const t = setup();
    expect(await t.run('Fred', { pipe: true, create: true }, 'one')).toBe(0);
    expect(await t.run('luke', { pipe: true, realm: 'other.net' }, 'two')).toBe(0);
    expect(await t.run('joe@example.org', { pipe: true }, 'three')).toBe(0);
    expect(await t.run(undefined, { list: true })).toBe(0);
    expect(t.out.join('')).toBe('fred\njoe\nluke@other.net\n');

    const store = PasswordStore.open(path.join(dir, 'sasldb.sqlite'));
    try {
      expect(await store.verify('fred', 'one')).toBe(true);
      expect(await store.verify('luke@other.net', 'two')).toBe(true);
      expect(await t.run('fred', { pipe: true }, 'changed')).toBe(0);
      expect(await store.verify('fred', 'one')).toBe(false);
      expect(await store.verify('fred', 'changed')).toBe(true);
      expect(await t.run('luke', { delete: true, realm: 'other.net' })).toBe(0);
      expect(store.hasUser('luke@other.net')).toBe(false);
    } finally {
      store.close();
    }
    expect(await t.run('ghost', { delete: true })).toBe(1);
    expect(t.err.join('')).toMatch(/no such user/);
  });

  it('refuses bad input', async () => {
    const t = setup('unixhierarchysep: no\n');
    expect(await t.run(undefined, {})).toBe(64);
    expect(await t.run('fred', { list: true })).toBe(64);
    expect(await t.run('john.smith', { pipe: true }, 'pw')).toBe(1);
    expect(await t.run('fred', { pipe: true }, '')).toBe(1);
    expect(await runSaslpasswd('x', { config: path.join(dir, 'missing.conf') }, { out: () => undefined, err: () => undefined, readPassword: async () => 'x' })).toBe(78);
  });

  it('registers the saslpasswd2 option spelling', () => {
    const program = new Command();
    registerSaslpasswd(program);
    const cmd = program.commands.find((c) => c.name() === 'saslpasswd')!;
    expect(cmd.options.map((o) => o.short)).toEqual(['-C', '-c', '-d', '-l', '-p', '-u', '-f']);
  });
});
