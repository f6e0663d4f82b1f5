import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reconstructMailbox } from '../../src/mailbox/index.js';
import { parseHeader, readHeader } from '../../src/mailbox/header.js';
import type { MailStore } from '../../src/store/index.js';
import { runReconstruct } from '../../src/tools/reconstruct.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('expunge_mode: immediate');
  store = env.open();
});
afterEach(() => env.cleanup());

function run(args: string[], opts: { check?: boolean; recursive?: boolean; mboxlist?: boolean } = {}): { status: number; out: string } {
  let out = '';
  const status = runReconstruct(args, { config: env.configFile, ...opts }, (t) => (out += t), (t) => (out += t));
  return { status, out };
}

describe('reconstruct', () => {
  it('adopts orphans, drops missing files, keeps flags and dates', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append([1, 2, 3].map((i) => ({ content: message(`m${i}`), internalDate: new Date(1e12 + i) })));
    box.setFlags([1, 3], 'add', ['\\Flagged', 'Keep']);
    const kept = box.records([1, 3]);
    // an append interrupted between rename and commit
    fs.writeFileSync(join(box.path, '7.'), message('orphan').toString().replace(/\n/g, '\r\n'));
    fs.rmSync(box.messagePath(2));
    fs.writeFileSync(join(box.path, '.tmp-999999-abc'), 'junk');
    box.close();

    const check = run(['user.fred'], { check: true });
    expect(check.status).toBe(1);
    expect(check.out).toContain('message 7: file without a record');
    expect(check.out).toContain('message 2: file is missing');
    expect(fs.existsSync(join(env.dir, 'spool', 'user', 'fred', '7.'))).toBe(true);

    const fixed = run(['user.fred']);
    expect(fixed.status).toBe(0);
    expect(run(['user.fred'], { check: true })).toEqual({ status: 0, out: 'user.fred: ok\n' });

    const again = store.openMailbox('user.fred');
    expect([...again.snapshot().uids]).toEqual([1, 3, 7]);
    expect(again.records([1, 3]).map((r) => [r.flags, r.internalDate, r.modseq])).toEqual(kept.map((r) => [r.flags, r.internalDate, r.modseq]));
    expect(again.summary(7)!.envelope.subject).toBe('orphan');
    expect(again.status().uidNext).toBe(8);
    expect(fs.existsSync(join(again.path, '.tmp-999999-abc'))).toBe(false);
    const appended = await again.append([{ content: message('next') }]);
    expect(appended.uids).toEqual([8]);
    again.close();
  });

  it('rebuilds a lost index and cache from the files', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append([{ content: message('a') }, { content: message('b') }]);
    const path = box.path;
    box.close();
    for (const f of ['cyrus.index', 'cyrus.index-wal', 'cyrus.index-shm']) fs.rmSync(join(path, f), { force: true });
    expect(reconstructMailbox(store, 'user.fred', { checkOnly: true }).problems).toEqual(['index is missing']);
    const report = reconstructMailbox(store, 'user.fred');
    expect(report.adopted).toEqual([1, 2]);
    const again = store.openMailbox('user.fred');
    expect(again.status()).toMatchObject({ messages: 2, uidNext: 3, uidValidity: store.lookup('user.fred')!.uidValidity });
    again.close();
  });

  it('-r covers the subtree', () => {
    store.createMailbox('user.fred');
    store.createMailbox('user.fred.Sent');
    expect(run(['user.fred'], { recursive: true, check: true }).out).toBe('user.fred: ok\nuser.fred.Sent: ok\n');
  });

  it('-m rebuilds mailboxes.db from the headers', () => {
    store.createMailbox('user.fred', { acl: 'fred\tlrs\t' });
    store.createMailbox('user.fred.Sent', { partition: 'other', specialUse: '\\Sent' });
    store.createMailbox('example.com!user.ann');
    const before = store.list('*');
    store.close();
    for (const f of ['mailboxes.db', 'mailboxes.db-wal', 'mailboxes.db-shm']) fs.rmSync(join(env.dir, 'conf', f), { force: true });
    const check = run([], { mboxlist: true, check: true });
    expect(check.status).toBe(1);
    const rebuilt = run([], { mboxlist: true });
    expect(rebuilt.out).toContain('user.fred.Sent: added to mailboxes.db');
    const s = env.open();
    expect(s.list('*').map(({ modifiedModseq: _m, ...e }) => e)).toEqual(before.map(({ modifiedModseq: _m, ...e }) => e));
    expect(() => s.createMailbox('user.joe')).not.toThrow();
    expect(s.lookup('user.joe')!.uidValidity).toBeGreaterThan(Math.max(...before.map((e) => e.uidValidity)));
  });

  it('keeps the sharedseen option across a lost index (from cyrus.header); old headers read as not shared', async () => {
    store.createMailbox('shared.board', { sharedSeen: true });
    store.createMailbox('user.fred');
    for (const name of ['shared.board', 'user.fred']) {
      const box = store.openMailbox(name);
      const path = box.path;
      box.close();
      for (const f of ['cyrus.index', 'cyrus.index-wal', 'cyrus.index-shm']) fs.rmSync(join(path, f), { force: true });
      reconstructMailbox(store, name);
    }
    const board = store.openMailbox('shared.board');
    const fred = store.openMailbox('user.fred');
    expect([board.sharedSeen, fred.sharedSeen]).toEqual([true, false]);
    expect(readHeader(board.path).sharedSeen).toBe(true);
    const text = fs.readFileSync(join(board.path, 'cyrus.header'), 'utf8');
    expect(parseHeader(text.replace(',"sharedSeen":true', '')).sharedSeen).toBe(false);
    board.close();
    fred.close();
    expect(run(['shared.board', 'user.fred'], { check: true }).status).toBe(0);
  });

  it('-f gives a record whose file changed a new modseq and raises highestmodseq', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append([{ content: message('a') }, { content: message('b') }]);
    const before = box.status().highestModseq;
    const [one, two] = box.records([1, 2]);
    fs.writeFileSync(box.messagePath(2), message('b, rewritten on disk').toString().replace(/\n/g, '\r\n'));
    const report = reconstructMailbox(store, 'user.fred', { full: true });
    expect(report.recached).toEqual([2]);
    const [oneAfter, twoAfter] = box.records([1, 2]);
    expect(oneAfter!.modseq).toBe(one!.modseq);
    expect(twoAfter!.modseq).toBeGreaterThan(two!.modseq);
    expect(twoAfter!.size).not.toBe(two!.size);
    expect(box.status().highestModseq).toBe(twoAfter!.modseq);
    expect(box.status().highestModseq).toBeGreaterThan(before);
    expect(box.changesSince(before).records.map((r) => r.uid)).toEqual([2]);
    box.close();
    expect(reconstructMailbox(store, 'user.fred', { full: true, checkOnly: true }).problems).toEqual([]);
  });
});
