// Users' Sieve scripts under sievedir, in Cyrus 3.6's layout (hash directories, NAME.script, the
// defaultbc symlink to NAME.bc), and their part in a user's rename and delete.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Accounts } from '../../src/accounts/index.js';
import { silentLogger } from '../../src/common/index.js';
import { MailError } from '../../src/common/index.js';
import { scriptNameProblem, SieveScriptStore } from '../../src/store/index.js';
import { makeEnv, type TestEnv } from './helpers.js';

let env: TestEnv;
afterEach(() => env?.cleanup());

function open(conf = ''): { scripts: SieveScriptStore; sievedir: string } {
  env = makeEnv(`fsync_disabled: yes\nsieve_maxscripts: 3\nsieve_maxscriptsize: 1\nsievedir: {configdirectory}/sieve\n${conf}`);
  return { scripts: SieveScriptStore.fromConfig(env.config), sievedir: join(env.dir, 'conf', 'sieve') };
}

const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));
function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof MailError) return err.kind + (err.detail?.quota ? `:${String(err.detail.quota)}` : '');
    throw err;
  }
  return 'ok';
}

describe('SieveScriptStore layout', () => {
  it('keeps scripts as sievedir/<hash>/<user>/NAME.script and marks the active one with defaultbc -> NAME.bc', () => {
    const { scripts, sievedir } = open();
    scripts.put('fred', 'vacation', Buffer.from('keep;\r\n'));
    scripts.put('fred', 'spam', Buffer.from('discard;\r\n'));
    scripts.setActive('fred', 'vacation');
    const dir = join(sievedir, 'f', 'fred');
    expect(readdirSync(dir).sort()).toEqual(['defaultbc', 'spam.script', 'vacation.script']);
    expect(lstatSync(join(dir, 'defaultbc')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, 'defaultbc'))).toBe('vacation.bc');
    expect(readFileSync(join(dir, 'vacation.script'), 'utf8')).toBe('keep;\r\n');
    expect(scripts.list('fred')).toEqual([
      { name: 'spam', active: false },
      { name: 'vacation', active: true },
    ]);
  });

  it('hashes a name that does not start with a letter to q, and lower-cases the letter', () => {
    const { scripts, sievedir } = open();
    scripts.put('9lives', 'a', Buffer.from('keep;'));
    scripts.put('Zed', 'a', Buffer.from('keep;'));
    expect(existsSync(join(sievedir, 'q', '9lives', 'a.script'))).toBe(true);
    expect(existsSync(join(sievedir, 'z', 'Zed', 'a.script'))).toBe(true);
  });

  it('puts user@domain below domain/<hash>/<domain>/<hash>/<user> with virtual domains', () => {
    const { scripts, sievedir } = open('virtdomains: userid');
    scripts.put('fred@example.com', 'main', Buffer.from('keep;'));
    expect(existsSync(join(sievedir, 'domain', 'e', 'example.com', 'f', 'fred', 'main.script'))).toBe(true);
  });

  it('reads a directory a Cyrus wrote (NAME.script, NAME.bc, defaultbc)', () => {
    const { scripts, sievedir } = open();
    const dir = join(sievedir, 'j', 'joe');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'main.script'), 'require "fileinto";\r\n');
    writeFileSync(join(dir, 'main.bc'), 'CyrSBytecode');
    writeFileSync(join(dir, 'old.script'), 'keep;\r\n');
    symlinkSync('main.bc', join(dir, 'defaultbc'));
    expect(scripts.list('joe')).toEqual([
      { name: 'main', active: true },
      { name: 'old', active: false },
    ]);
    expect(scripts.active('joe')?.content.toString()).toBe('require "fileinto";\r\n');
  });
});

describe('SieveScriptStore operations', () => {
  it('get, replace, rename (keeping the active mark), delete', () => {
    const { scripts } = open();
    expect(scripts.list('fred')).toEqual([]);
    expect(scripts.get('fred', 'x')).toBeNull();
    scripts.put('fred', 'x', Buffer.from('one'));
    scripts.put('fred', 'x', Buffer.from('two'));
    expect(text(scripts.get('fred', 'x'))).toBe('two');
    scripts.setActive('fred', 'x');
    scripts.rename('fred', 'x', 'y');
    expect(scripts.list('fred')).toEqual([{ name: 'y', active: true }]);
    expect(kindOf(() => scripts.delete('fred', 'y'))).toBe('InUse');
    scripts.setActive('fred', null);
    expect(scripts.list('fred')).toEqual([{ name: 'y', active: false }]);
    scripts.delete('fred', 'y');
    expect(scripts.list('fred')).toEqual([]);
    expect(kindOf(() => scripts.delete('fred', 'y'))).toBe('NotFound');
    expect(kindOf(() => scripts.setActive('fred', 'nope'))).toBe('NotFound');
    expect(kindOf(() => scripts.rename('fred', 'nope', 'z'))).toBe('NotFound');
  });

  it('refuses a rename onto an existing name', () => {
    const { scripts } = open();
    scripts.put('fred', 'a', Buffer.from('1'));
    scripts.put('fred', 'b', Buffer.from('2'));
    expect(kindOf(() => scripts.rename('fred', 'a', 'b'))).toBe('Exists');
    expect(text(scripts.get('fred', 'b'))).toBe('2');
  });

  it('active() gives the content and a version that changes with the content and with the active name', () => {
    const { scripts } = open();
    expect(scripts.active('fred')).toBeNull();
    scripts.put('fred', 'a', Buffer.from('keep;'));
    scripts.put('fred', 'b', Buffer.from('keep;'));
    scripts.setActive('fred', 'a');
    const v1 = scripts.active('fred')!;
    expect(v1.name).toBe('a');
    expect(scripts.active('fred')!.version).toBe(v1.version);
    scripts.put('fred', 'a', Buffer.from('discard;'));
    const v2 = scripts.active('fred')!;
    expect(v2.content.toString()).toBe('discard;');
    expect(v2.version).not.toBe(v1.version);
    scripts.setActive('fred', 'b');
    expect(scripts.active('fred')!.version).not.toBe(v2.version);
  });

  it('haveSpace: sieve_maxscriptsize in KiB, sieve_maxscripts counting a replacement as no new script', () => {
    const { scripts } = open();
    expect(scripts.haveSpace('fred', 'a', 1024)).toEqual({ ok: true });
    expect(scripts.haveSpace('fred', 'a', 1025)).toEqual({ ok: false, reason: 'maxsize' });
    for (const n of ['a', 'b', 'c']) scripts.put('fred', n, Buffer.from('keep;'));
    expect(scripts.haveSpace('fred', 'd', 5)).toEqual({ ok: false, reason: 'maxscripts' });
    expect(scripts.haveSpace('fred', 'c', 5)).toEqual({ ok: true });
    expect(kindOf(() => scripts.put('fred', 'd', Buffer.from('keep;')))).toBe('OverQuota:maxscripts');
    expect(kindOf(() => scripts.put('fred', 'c', Buffer.alloc(2000)))).toBe('OverQuota:maxsize');
  });

  it('refuses names that could leave the directory or hide in it', () => {
    const { scripts, sievedir } = open();
    for (const name of ['..', '../x', 'a/b', '/etc/passwd', '.hidden', '', 'tab\there', 'nl\nx', 'x'.repeat(513), 'é'.repeat(257)]) {
      expect(scriptNameProblem(name), JSON.stringify(name)).not.toBeNull();
      expect(kindOf(() => scripts.put('fred', name, Buffer.from('keep;'))), JSON.stringify(name)).toBe('BadName');
      expect(kindOf(() => scripts.get('fred', name))).toBe('BadName');
    }
    for (const name of ['a.b', 'x'.repeat(512), 'Ferien ☀', 'a..b', 'a b']) expect(scriptNameProblem(name), name).toBeNull();
    expect(kindOf(() => scripts.put('../etc', 'x', Buffer.from('keep;')))).toBe('BadName');
    expect(existsSync(sievedir) ? readdirSync(sievedir) : []).toEqual([]);
  });
});

describe('options', () => {
  it('sieveusehomedir: yes is not supported: a warning, and scripts stay under sievedir', () => {
    const warnings: string[] = [];
    env = makeEnv('fsync_disabled: yes\nsievedir: {configdirectory}/sieve\nsieveusehomedir: yes');
    const logger = { warn: (_o: unknown, msg: string) => void warnings.push(msg), debug: () => undefined, info: () => undefined } as unknown as Parameters<typeof SieveScriptStore.fromConfig>[1];
    const scripts = SieveScriptStore.fromConfig(env.config, logger);
    expect(warnings).toEqual(['sieveusehomedir is not supported: scripts are kept under sievedir']);
    expect(scripts.userDirectory('fred')).toBe(join(env.dir, 'conf', 'sieve', 'f', 'fred'));
  });

  it('sieve_maxscriptsize is in KiB; the defaults are Cyrus 3.6\'s (32 KiB, 5 scripts, /usr/sieve)', () => {
    env = makeEnv('');
    expect(SieveScriptStore.fromConfig(env.config).options).toMatchObject({ directory: '/usr/sieve', maxScriptSize: 32 * 1024, maxScripts: 5 });
  });
});

describe("a user's rename and delete carry the scripts", () => {
  it('moveUser moves the directory (active mark included) and removes it on delete', () => {
    const { scripts, sievedir } = open();
    scripts.put('alice', 'main', Buffer.from('keep;'));
    scripts.setActive('alice', 'main');
    scripts.moveUser('alice', 'bob');
    expect(existsSync(join(sievedir, 'a', 'alice'))).toBe(false);
    expect(scripts.list('bob')).toEqual([{ name: 'main', active: true }]);
    scripts.moveUser('bob', null);
    expect(existsSync(join(sievedir, 'b', 'bob'))).toBe(false);
    scripts.moveUser('nobody', null); // nothing to do
  });

  it('Accounts.renameUser / deleteUser (cyradm renm, deluser) move and remove them through the store', () => {
    env = makeEnv('fsync_disabled: yes\nsievedir: {configdirectory}/sieve');
    const store = env.open();
    const accounts = new Accounts({ store, config: env.config, logger: silentLogger() });
    store.createMailbox('user.alice', { acl: 'alice\tlrswipkxtecdan\t' });
    store.sieveScripts.put('alice', 'main', Buffer.from('keep;'));
    store.sieveScripts.setActive('alice', 'main');
    const renamed = accounts.renameUser('alice', 'carol');
    expect(renamed.hookFailures).toEqual([]);
    expect(store.sieveScripts.list('alice')).toEqual([]);
    expect(store.sieveScripts.list('carol')).toEqual([{ name: 'main', active: true }]);
    expect(existsSync(join(env.dir, 'conf', 'sieve', 'c', 'carol', 'main.script'))).toBe(true);
    accounts.deleteUser('carol');
    expect(existsSync(join(env.dir, 'conf', 'sieve', 'c', 'carol'))).toBe(false);
  });
});
