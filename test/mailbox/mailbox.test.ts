import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMailError } from '../../src/common/errors.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('expunge_mode: immediate');
  store = env.open();
});
afterEach(() => env.cleanup());

describe('append and read', () => {
  it('stores CRLF files, index record, cache and GUID', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    const result = await box.append([{ content: message('one'), flags: ['\\Flagged', 'Work'], internalDate: new Date('2024-02-03T04:05:06Z') }]);
    expect(result.uids).toEqual([1]);
    const bytes = await box.readMessage(1);
    expect(bytes.includes('\r\n')).toBe(true);
    expect(bytes.toString().replace(/\r\n/g, '')).not.toContain('\n');
    const [record] = box.records([1]);
    expect(record!.flags).toEqual(['\\Flagged', 'Work']);
    expect(record!.internalDate.toISOString()).toBe('2024-02-03T04:05:06.000Z');
    expect(record!.size).toBe(bytes.length);
    expect(record!.guid).toMatch(/^[0-9a-f]{40}$/);
    const summary = box.summary(1)!;
    expect(summary.envelope.subject).toBe('one');
    expect(summary.size).toBe(bytes.length);
    expect((await box.readRange(1, 0, 5)).toString()).toBe('From:');
    expect(fs.readdirSync(box.path).filter((f) => f.startsWith('.tmp'))).toEqual([]);
    expect(box.path).toBe(join(env.dir, 'spool', 'user', 'fred'));
    box.close();
  });

  it('multi-append is all or nothing', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await expect(box.append([{ content: message('a') }, { content: message('b'), flags: ['\\Recent'] }])).rejects.toSatisfy((e) => isMailError(e, 'Invalid'));
    expect(box.status().messages).toBe(0);
    const ok = await box.append([{ content: message('a') }, { content: message('b') }, { content: message('c') }]);
    expect(ok.uids).toEqual([1, 2, 3]);
    expect(box.status()).toMatchObject({ messages: 3, uidNext: 4 });
    box.close();
  });

  it('an unwritable partition gives Temp and leaves nothing behind', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append([{ content: message('a') }]);
    const before = box.status();
    fs.chmodSync(box.path, 0o500);
    try {
      if (process.getuid?.() === 0) {
        // root ignores modes: make the directory a read-only bind mount instead
        execFileSync('mount', ['--bind', '-o', 'ro', box.path, box.path]);
      }
      await expect(box.append([{ content: message('b') }])).rejects.toSatisfy((e) => isMailError(e, 'Temp'));
    } finally {
      if (process.getuid?.() === 0) execFileSync('umount', [box.path]);
      fs.chmodSync(box.path, 0o700);
    }
    expect(box.status()).toEqual(before);
    expect(fs.readdirSync(box.path).filter((f) => !f.startsWith('cyrus.')).sort()).toEqual(['1.']);
    box.close();
  });

  it.runIf(process.getuid?.() === 0)('a full partition gives Temp and leaves nothing behind', async () => {
    const spool = join(env.dir, 'spool2');
    fs.mkdirSync(spool, { recursive: true });
    // Room for a new mailbox's index (its WAL at creation) and small messages, not for 600 KB.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=448k', 'tmpfs', spool]);
    try {
      store.createMailbox('user.full', { partition: 'other' });
      const box = store.openMailbox('user.full');
      await box.append([{ content: message('small') }]);
      const before = box.status();
      await expect(box.append([{ content: message('big', 'x'.repeat(600_000)) }])).rejects.toSatisfy((e) => isMailError(e, 'Temp'));
      expect(box.status()).toEqual(before);
      expect(fs.readdirSync(box.path).filter((f) => !f.startsWith('cyrus.')).sort()).toEqual(['1.']);
      await box.append([{ content: message('after') }]);
      expect(box.status().uidNext).toBe(3);
      box.close();
    } finally {
      store.close();
      execFileSync('umount', [spool]);
    }
  });

  it('a MULTIAPPEND with one message over maxmessagesize stores none and leaves no file of the others', async () => {
    const small = makeEnv('maxmessagesize: 300');
    try {
      const s = small.open();
      s.createMailbox('user.fred');
      const box = s.openMailbox('user.fred');
      const items = [{ content: message('a') }, { content: message('b') }, { content: message('big', 'y'.repeat(400)) }, { content: message('c') }];
      await expect(box.append(items)).rejects.toSatisfy((e) => isMailError(e, 'Limit'));
      expect(box.status().messages).toBe(0);
      expect(fs.readdirSync(box.path).filter((f) => !f.startsWith('cyrus.'))).toEqual([]);
      expect((await box.append([{ content: message('after') }])).uids).toEqual([1]);
      box.close();
    } finally {
      small.cleanup();
    }
  });

  it.runIf(process.getuid?.() === 0)('a MULTIAPPEND whose middle message meets a full partition stores none and leaves no file', async () => {
    const spool = join(env.dir, 'spool2');
    fs.mkdirSync(spool, { recursive: true });
    // Room for a new mailbox's index (its WAL at creation) and small messages, not for 600 KB.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=448k', 'tmpfs', spool]);
    let box: ReturnType<MailStore['openMailbox']> | null = null;
    try {
      store.createMailbox('user.full', { partition: 'other' });
      box = store.openMailbox('user.full');
      const items = [...['a', 'b', 'c'].map((t) => ({ content: message(t) })), { content: message('big', 'x'.repeat(600_000)) }, ...['d', 'e'].map((t) => ({ content: message(t) }))];
      await expect(box.append(items)).rejects.toSatisfy((e) => isMailError(e, 'Temp'));
      expect(box.status().messages).toBe(0);
      expect(fs.readdirSync(box.path).filter((f) => !f.startsWith('cyrus.'))).toEqual([]);
      expect((await box.append([{ content: message('after') }])).uids).toEqual([1]);
    } finally {
      box?.close();
      store.close();
      execFileSync('umount', [spool]);
    }
  });

  it('refuses messages over maxmessagesize with Limit', async () => {
    const small = makeEnv('maxmessagesize: 100');
    try {
      const s = small.open();
      s.createMailbox('user.fred');
      const box = s.openMailbox('user.fred');
      await expect(box.append([{ content: message('x', 'y'.repeat(200)) }])).rejects.toSatisfy((e) => isMailError(e, 'Limit'));
      box.close();
    } finally {
      small.cleanup();
    }
  });
});

describe('flags, seen, modseq', () => {
  it('bumps modseq per change and keeps \\Seen per user', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append([{ content: message('a') }, { content: message('b') }], { userid: 'fred' });
    const start = box.status().highestModseq;
    const r1 = box.setFlags([1], 'add', ['\\Seen', '$Label1'], { userid: 'fred' });
    expect(r1.changed.map((r) => r.flags)).toEqual([['\\Seen', '$Label1']]);
    expect(r1.highestModseq).toBe(start + 1);
    expect(box.snapshot('fred').flags(0)).toEqual(['\\Seen', '$Label1']);
    expect(box.snapshot('joe').flags(0)).toEqual(['$Label1']);
    expect(box.status('fred').unseen).toBe(1);
    expect(box.status('joe').unseen).toBe(2);
    // no-op change: no new modseq
    expect(box.setFlags([1], 'add', ['\\Seen'], { userid: 'fred' }).changed).toEqual([]);
    expect(box.status().highestModseq).toBe(start + 1);
    // keyword case is the first spelling
    box.setFlags([2], 'add', ['$label1'], { userid: 'fred' });
    expect(box.records([2])[0]!.flags).toEqual(['$Label1']);
    const changes = box.changesSince(start + 1, 'fred');
    expect(changes.records.map((r) => r.uid)).toEqual([2]);
    // UNCHANGEDSINCE
    const r3 = box.setFlags([1, 2], 'replace', ['\\Answered'], { userid: 'fred', unchangedSince: start + 1 });
    expect(r3.failed).toEqual([2]);
    expect(r3.changed.map((r) => [r.uid, r.flags])).toEqual([[1, ['\\Answered']]]);
    expect(() => box.setFlags([1], 'add', ['\\Recent'], { userid: 'fred' })).toThrow();
    box.close();
  });

  it('sharedseen keeps \\Seen in the mailbox', async () => {
    store.createMailbox('shared.news', { sharedSeen: true });
    const box = store.openMailbox('shared.news');
    await box.append([{ content: message('a'), flags: ['\\Seen'] }], { userid: 'fred' });
    expect(box.snapshot('joe').flags(0)).toEqual(['\\Seen']);
    box.close();
  });

  it('claimRecent gives each message to one caller', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append([{ content: message('a') }, { content: message('b') }]);
    expect(box.claimRecent()).toEqual([1, 2]);
    expect(box.claimRecent()).toEqual([]);
    await box.append([{ content: message('c') }]);
    expect(box.status().recent).toBe(1);
    expect(box.claimRecent()).toEqual([3]);
    box.close();
  });
});

describe('expunge', () => {
  it('removes \\Deleted records, remembers them, unlinks at once under immediate', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append([1, 2, 3, 4].map((i) => ({ content: message(`m${i}`) })));
    box.setFlags([1, 2, 4], 'add', ['\\Deleted']);
    const mark = box.status().highestModseq;
    expect(box.expunge({ uids: [2, 3, 4] })).toEqual([2, 4]);
    expect(box.snapshot().uids).toEqual(new Uint32Array([1, 3]));
    expect(box.changesSince(mark).expunged).toEqual([2, 4]);
    expect(fs.existsSync(box.messagePath(2))).toBe(false);
    expect(box.expunge()).toEqual([1]);
    box.close();
  });

  it('keeps files until expireExpunged under delayed', async () => {
    const delayed = makeEnv('expunge_mode: delayed');
    try {
      const s = delayed.open();
      s.createMailbox('user.fred');
      const box = s.openMailbox('user.fred');
      await box.append([{ content: message('a'), flags: ['\\Deleted'] }]);
      expect(box.expunge()).toEqual([1]);
      expect(fs.existsSync(box.messagePath(1))).toBe(true);
      expect(box.expireExpunged(0)).toEqual([1]);
      expect(fs.existsSync(box.messagePath(1))).toBe(false);
      box.close();
    } finally {
      delayed.cleanup();
    }
  });
});

describe('copy, notify, snapshot', () => {
  it('copies by hard link keeping flags and dates', async () => {
    store.createMailbox('user.fred');
    store.createMailbox('user.fred.Archive');
    const src = store.openMailbox('user.fred');
    const dst = store.openMailbox('user.fred.Archive');
    await src.append([{ content: message('a'), flags: ['\\Flagged', '\\Seen'], internalDate: new Date(1e12) }], { userid: 'fred' });
    const copied = await src.copyTo([1, 99], dst, { userid: 'fred' });
    expect(copied).toMatchObject({ sourceUids: [1], targetUids: [1] });
    expect(dst.records([1], 'fred')[0]).toMatchObject({ flags: ['\\Flagged', '\\Seen'], internalDate: new Date(1e12) });
    expect(fs.statSync(dst.messagePath(1)).ino).toBe(fs.statSync(src.messagePath(1)).ino);
    expect(dst.summary(1)!.envelope.subject).toBe('a');
    src.close();
    dst.close();
  });

  it('tells listeners and the notifier after each change', async () => {
    const seen: string[] = [];
    const notified: string[] = [];
    const s = env.open({ notifier: { mailboxChanged: (n) => notified.push(n) } });
    const off = s.onChange((n) => seen.push(n));
    s.createMailbox('user.joe');
    const box = s.openMailbox('user.joe');
    await box.append([{ content: message('a') }]);
    box.setFlags([1], 'add', ['\\Deleted']);
    box.expunge();
    box.close();
    off();
    expect(seen).toEqual(['user.joe', 'user.joe', 'user.joe', 'user.joe']);
    expect(notified).toEqual(seen);
  });

  it('shares one handle per mailbox per process', () => {
    store.createMailbox('user.fred');
    const a = store.openMailbox('user.fred');
    const b = store.openMailbox('user.fred');
    expect(a).toBe(b);
    a.close();
    expect(b.status().messages).toBe(0);
    b.close();
    // Closed by its last holder, it stays open, idle, for the next one (test/store/idle-handles.test.ts).
    const again = store.openMailbox('user.fred');
    expect(again).toBe(a);
    again.close();
  });

  it('serves a kept idle handle again only while the name leads to its mailbox and index file', async () => {
    store.createMailbox('user.fred');
    const a = store.openMailbox('user.fred');
    await a.append([{ content: message('a') }]);
    a.close();
    // Deleted and created again: another mailbox under the same name.
    store.deleteMailbox('user.fred');
    store.createMailbox('user.fred');
    const b = store.openMailbox('user.fred');
    expect(b === a).toBe(false);
    expect(b.status().messages).toBe(0);
    b.close();
    // The index file replaced under the same path (a rebuild): not the kept connection.
    const file = join(b.path, 'cyrus.index');
    fs.copyFileSync(file, `${file}.new`);
    fs.renameSync(`${file}.new`, file);
    const c = store.openMailbox('user.fred');
    expect(c === b).toBe(false);
    c.close();
    // Past the limit, the oldest kept idle handles are closed.
    const names = Array.from({ length: 260 }, (_, i) => `user.fred.f${i}`);
    const handles = names.map((n) => {
      store.createMailbox(n);
      return store.openMailbox(n);
    });
    for (const h of handles) h.close();
    const first = store.openMailbox(names[0]!);
    expect(first === handles[0]).toBe(false);
    first.close();
    const last = store.openMailbox(names[259]!);
    expect(last === handles[259]).toBe(true);
    last.close();
  }, 90_000); // 260 mailboxes created with fsync on: half a minute on a loaded 2-core machine
});
