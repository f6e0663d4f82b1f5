import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMailError, MailError } from '../../src/common/errors.js';
import type { MailStore } from '../../src/store/index.js';
import { runCtlMboxlist } from '../../src/tools/ctl_mboxlist.js';
import { runMbpath } from '../../src/tools/mbpath.js';
import { makeEnv, message, type TestEnv } from './helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('delete_mode: immediate');
  store = env.open();
});
afterEach(() => env.cleanup());

function kindOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof MailError ? e.kind : 'other';
  }
  return undefined;
}

describe('create, lookup, list', () => {
  it('creates with header and index, refuses duplicates and bad names', () => {
    const entry = store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
    expect(entry).toMatchObject({ name: 'user.fred', partition: 'default', acl: 'fred\tlrswipkxtecdan\t', type: [] });
    expect(entry.uniqueId).toMatch(/^[0-9a-f-]{36}$/);
    const dir = join(env.dir, 'spool', 'user', 'fred');
    expect(fs.existsSync(join(dir, 'cyrus.header'))).toBe(true);
    expect(fs.existsSync(join(dir, 'cyrus.index'))).toBe(true);
    expect(kindOf(() => store.createMailbox('user.fred'))).toBe('Exists');
    for (const bad of ['user..x', 'user.x.', '.x', 'user/x', 'a\0b', 'x'.repeat(500)]) expect(kindOf(() => store.createMailbox(bad))).toBe('BadName');
    expect(kindOf(() => store.createMailbox('user.joe', { partition: 'nosuch' }))).toBe('Invalid');
    expect(store.lookup('user.nobody')).toBeNull();
  });

  it('children take the nearest ancestor partition; top level asks the chooser', () => {
    const chosen: string[] = [];
    const s = env.open({ partitionChooser: { choose: () => (chosen.push('x'), 'other') } });
    expect(s.createMailbox('user.fred').partition).toBe('other');
    expect(s.createMailbox('user.fred.a.b').partition).toBe('other');
    expect(s.createMailbox('user.joe', { partition: 'default' }).partition).toBe('default');
    expect(s.createMailbox('user.joe.Sent').partition).toBe('default');
    expect(chosen.length).toBe(1);
    expect(fs.existsSync(join(env.dir, 'spool2', 'user', 'fred', 'a', 'b', 'cyrus.index'))).toBe(true);
  });

  it('lists with * and % in name order', () => {
    for (const n of ['user.fred', 'user.fred.Sent', 'user.fred.Sent.2024', 'user.joe', 'shared', 'shared.news', 'example.com!user.ann']) store.createMailbox(n);
    const names = (p: string) => store.list(p).map((e) => e.name);
    expect(names('*')).toEqual(['example.com!user.ann', 'shared', 'shared.news', 'user.fred', 'user.fred.Sent', 'user.fred.Sent.2024', 'user.joe']);
    expect(names('%')).toEqual(['shared']);
    expect(names('user.%')).toEqual(['user.fred', 'user.joe']);
    expect(names('user.fred.*')).toEqual(['user.fred.Sent', 'user.fred.Sent.2024']);
    expect(names('user.%.Sent')).toEqual(['user.fred.Sent']);
    expect(names('example.com!user.%')).toEqual(['example.com!user.ann']);
    expect(store.hasChildren('user.fred')).toBe(true);
    expect(store.hasChildren('user.joe')).toBe(false);
  });
});

describe('rename and delete', () => {
  it('renames a subtree keeping messages, flags and seen state', async () => {
    store.createMailbox('user.fred');
    store.createMailbox('user.fred.a');
    store.createMailbox('user.fred.a.b');
    const box = store.openMailbox('user.fred.a');
    await box.append([{ content: message('x'), flags: ['\\Seen', 'Keep'] }], { userid: 'fred' });
    const before = box.snapshot('fred');
    store.renameMailbox('user.fred.a', 'user.fred.z');
    expect(() => box.status()).toThrow();
    expect(store.list('user.fred.*').map((e) => e.name)).toEqual(['user.fred.z', 'user.fred.z.b']);
    const moved = store.openMailbox('user.fred.z');
    expect(moved.snapshot('fred')).toEqual(before);
    expect((await moved.readMessage(1)).toString()).toContain('Subject: x');
    expect(fs.existsSync(join(env.dir, 'spool', 'user', 'fred', 'a'))).toBe(false);
    expect(kindOf(() => store.renameMailbox('user.fred.z', 'user.fred.z.c'))).toBe('Cannot');
    expect(kindOf(() => store.renameMailbox('user.fred', 'user.fred.z'))).toBe('Cannot');
    store.createMailbox('user.joe');
    expect(kindOf(() => store.renameMailbox('user.fred.z', 'user.joe'))).toBe('Exists');
    moved.close();
  });

  it('moves a mailbox to another partition', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append([{ content: message('x') }]);
    box.close();
    store.renameMailbox('user.fred', 'user.fred', { partition: 'other' });
    expect(store.lookup('user.fred')!.partition).toBe('other');
    const moved = store.openMailbox('user.fred');
    expect(moved.path).toBe(join(env.dir, 'spool2', 'user', 'fred'));
    expect(moved.summary(1)!.envelope.subject).toBe('x');
    expect(fs.existsSync(join(env.dir, 'spool', 'user', 'fred'))).toBe(false);
    moved.close();
  });

  it('deletes immediately, or into DELETED under delete_mode delayed', () => {
    store.createMailbox('user.fred');
    store.createMailbox('user.fred.Trash');
    store.deleteMailbox('user.fred.Trash');
    expect(store.lookup('user.fred.Trash')).toBeNull();
    expect(fs.existsSync(join(env.dir, 'spool', 'user', 'fred', 'Trash'))).toBe(false);
    expect(kindOf(() => store.deleteMailbox('user.fred.Trash'))).toBe('NotFound');

    const delayed = makeEnv('delete_mode: delayed');
    try {
      const s = delayed.open();
      s.createMailbox('user.ann');
      s.createMailbox('user.ann.Sent');
      s.deleteMailbox('user.ann', { recursive: true });
      const left = s.list('*').map((e) => e.name);
      expect(left).toHaveLength(2);
      expect(left[0]).toMatch(/^DELETED\.user\.ann\.[0-9A-F]+$/);
      expect(left[1]).toMatch(/^DELETED\.user\.ann\.Sent\.[0-9A-F]+$/);
      expect(s.deleteExpired(-1000).sort()).toEqual(left);
      expect(s.list('*')).toEqual([]);
    } finally {
      delayed.cleanup();
    }
  });

  it('subscriptions survive rename and delete', () => {
    store.createMailbox('user.fred');
    store.subscribe('fred', 'user.fred');
    store.subscribe('fred', 'user.fred.gone');
    store.subscribe('fred', 'user.fred');
    store.deleteMailbox('user.fred');
    expect(store.subscriptions('fred')).toEqual(['user.fred', 'user.fred.gone']);
    expect(store.unsubscribe('fred', 'user.fred')).toBe(true);
    expect(store.unsubscribe('fred', 'user.fred')).toBe(false);
    expect(store.subscriptions('fred')).toEqual(['user.fred.gone']);
    expect(store.subscriptions('joe')).toEqual([]);
  });
});

describe('tools', () => {
  it('ctl_mboxlist dump → load → dump is identical', () => {
    store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\tanyone\tp\t' });
    store.createMailbox('user.fred.Sent', { specialUse: '\\Sent' });
    store.createMailbox('example.com!user.ann', { quotaRoot: 'example.com!user.ann' });
    store.close();
    let first = '';
    expect(runCtlMboxlist({ config: env.configFile, dump: true }, () => '', (t) => (first += t), () => {})).toBe(0);
    expect(first.trim().split('\n')).toHaveLength(3);
    fs.rmSync(join(env.dir, 'conf', 'mailboxes.db'));
    for (const x of ['-wal', '-shm']) fs.rmSync(join(env.dir, 'conf', 'mailboxes.db' + x), { force: true });
    expect(runCtlMboxlist({ config: env.configFile, undump: true }, () => first, () => {}, () => {})).toBe(0);
    let second = '';
    runCtlMboxlist({ config: env.configFile, dump: true }, () => '', (t) => (second += t), () => {});
    expect(second).toBe(first);
    let bad = '';
    expect(runCtlMboxlist({ config: env.configFile, undump: true }, () => 'user..x\t{"uniqueid":"u","partition":"default"}\n', () => {}, (t) => (bad += t))).toBe(65);
    expect(bad).toContain('empty component');
  });

  it('mbpath prints directories', () => {
    store.createMailbox('user.fred.Sent');
    let out = '';
    let err = '';
    expect(runMbpath(['user.fred.Sent', 'user.nobody'], { config: env.configFile }, (t) => (out += t), (t) => (err += t))).toBe(1);
    expect(out).toBe(join(env.dir, 'spool', 'user', 'fred', 'Sent') + '\n');
    expect(err).toContain('user.nobody');
  });
});

describe('scale', () => {
  it('LIST patterns with a literal prefix answer right at 200,000 entries (timings printed; bench/store-list has the figure)', () => {
    const list = store.mailboxes;
    const t0 = performance.now();
    list.write('bulk', () => {
      let n = 0;
      for (let u = 0; u < 20_000; u++) {
        const user = `user.u${String(u).padStart(6, '0')}`;
        for (const folder of ['', '.Sent', '.Trash', '.Drafts', '.Archive', '.Archive.2020', '.Archive.2021', '.Archive.2022', '.Junk', '.Lists']) {
          list.put({ name: user + folder, uniqueId: `id${n++}`, partition: 'default', acl: '', type: [], server: null, createdModseq: 1, modifiedModseq: 1, uidValidity: 1, specialUse: null, quotaRoot: null });
        }
      }
    });
    const built = performance.now() - t0;
    const time = (fn: () => unknown) => {
      const t = performance.now();
      const r = fn();
      return [r, performance.now() - t] as const;
    };
    const [sub, subMs] = time(() => store.list('user.u012345.*'));
    expect((sub as unknown[]).length).toBe(9);
    const [children, childMs] = time(() => store.list('user.u012345.%'));
    expect((children as unknown[]).length).toBe(6);
    const [exact, exactMs] = time(() => store.list('user.u019999'));
    expect((exact as unknown[]).length).toBe(1);
    const [users, usersMs] = time(() => store.list('user.%'));
    expect((users as unknown[]).length).toBe(20_000);
    const [top, topMs] = time(() => store.list('%'));
    expect(top).toEqual([]);
    console.log(`200k entries built in ${built.toFixed(0)} ms; user.X.* ${subMs.toFixed(2)} ms, user.X.% ${childMs.toFixed(2)} ms, exact ${exactMs.toFixed(2)} ms, user.% ${usersMs.toFixed(0)} ms, % ${topMs.toFixed(2)} ms`);
  });
});
