// arbitron (Cyrus's arbitron(8)): per mailbox, the users other than its owner who hold the s right
// and whose seen state changed in the period (-d, -D), and the subscribers; -u names them, -l one
// line each, -o no subscribers; personal mailboxes only when someone else read them; -p takes a
// dormant reader's \Seen away through the mail layer (modseq moves) in the chosen mailboxes only.
// Bad periods and flags: a clear error, a non-zero exit, nothing pruned.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FLAG_SEEN } from '../../src/mailbox/index.js';
import type { MailStore } from '../../src/store/index.js';
import { longTime, readPeriod, runArbitron, type ArbitronOptions } from '../../src/tools/arbitron.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';

const BIN = fileURLToPath(new URL('../../dist/bin/cyrusts.js', import.meta.url));
const DAY = 86_400_000;

let env: TestEnv | null = null;
afterEach(() => {
  vi.useRealTimers();
  env?.cleanup();
  env = null;
});

describe('the period', () => {
  const now = new Date(2026, 5, 15, 12, 0, 0).getTime();
  it.each([
    ['default: 30 days', undefined, undefined, { start: now - 30 * DAY, end: now }],
    ['-d 7', '7', undefined, { start: now - 7 * DAY, end: now }],
    ['-D with an end: both whole days', undefined, '04012015:04152015', { start: new Date(2015, 3, 1).getTime(), end: new Date(2015, 3, 16).getTime() - 1 }],
    ['-D without an end: until now', undefined, '12312025', { start: new Date(2025, 11, 31).getTime(), end: now }],
    ['-D one day', undefined, '02292024:02292024', { start: new Date(2024, 1, 29).getTime(), end: new Date(2024, 2, 1).getTime() - 1 }],
  ])('%s', (_name, days, dates, expected) => {
    expect(readPeriod(days, dates, now)).toEqual(expected);
  });
  it.each([
    ['-d and -D', '7', '04012015', 'not both'],
    ['-d 0', '0', undefined, '-d needs a whole number'],
    ['-d words', 'week', undefined, '-d needs a whole number'],
    ['-D month 13', undefined, '13012015', 'no such date'],
    ['-D 30 February', undefined, '02302015', 'no such date'],
    ['-D short', undefined, '0401201', 'mmddyyyy'],
    ['-D ddmmyyyy mistaken', undefined, '31012015', 'no such date'],
    ['-D backwards', undefined, '04152015:04012015', 'ends before it starts'],
  ])('refuses %s', (_name, days, dates, why) => {
    expect(readPeriod(days, dates, now)).toContain(why);
  });
  it('writes -l times as Cyrus does, local time', () => {
    expect(longTime(new Date(2015, 3, 1, 9, 5, 7).getTime())).toBe('04-01-2015 09:05:07');
  });
});

/** At `at`, `userid` marks `uids` \Seen in `name` (so seen.db records that time). */
function readAt(store: MailStore, at: number, name: string, userid: string, uids: number[]): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(at);
  const box = store.openMailbox(name);
  try {
    box.setFlags(uids, 'add', ['\\Seen'], { userid });
  } finally {
    box.close();
    vi.useRealTimers();
  }
}

function seenBy(store: MailStore, name: string, userid: string): number[] {
  const box = store.openMailbox(name);
  try {
    const snap = box.snapshot(userid);
    return [...snap.uids].filter((_, i) => (snap.systemFlags[i]! & FLAG_SEEN) !== 0);
  } finally {
    box.close();
  }
}

/**
 * shared.lists (joe, ann, bob lrs; cat lr): joe read 2 days ago, ann 10, bob 100, cat (no s) 1;
 * joe and dan subscribed. shared.quiet: nobody. user.fred: fred himself, joe 3 days ago; fred
 * subscribed. user.wilma: only wilma.
 */
async function fill(now: number): Promise<MailStore> {
  env = makeEnv('fsync_disabled: yes\nunixhierarchysep: yes');
  const store = env.open();
  for (const name of ['shared.lists', 'shared.quiet', 'user.fred', 'user.wilma']) {
    store.createMailbox(name);
    const box = store.openMailbox(name);
    await box.append([{ content: Buffer.from('Subject: a\r\n\r\nx\r\n') }, { content: Buffer.from('Subject: b\r\n\r\nx\r\n') }]);
    box.close();
  }
  store.setAcl('shared.lists', 'joe\tlrs\tann\tlrs\tbob\tlrs\tcat\tlr\t');
  store.setAcl('shared.quiet', 'anyone\tlrs\t');
  store.setAcl('user.fred', 'fred\tlrswipkxtecdan\tjoe\tlrs\t');
  store.setAcl('user.wilma', 'wilma\tlrswipkxtecdan\t');
  readAt(store, now - 2 * DAY, 'shared.lists', 'joe', [1]);
  readAt(store, now - 10 * DAY, 'shared.lists', 'ann', [1, 2]);
  readAt(store, now - 100 * DAY, 'shared.lists', 'bob', [1, 2]);
  readAt(store, now - DAY, 'shared.lists', 'cat', [2]);
  readAt(store, now - 5 * DAY, 'user.fred', 'fred', [1]);
  readAt(store, now - 3 * DAY, 'user.fred', 'joe', [2]);
  readAt(store, now - DAY, 'user.wilma', 'wilma', [1]);
  store.subscribe('joe', 'shared.lists');
  store.subscribe('dan', 'shared.lists');
  store.subscribe('fred', 'user.fred');
  return store;
}

function run(patterns: string[], now: number, opts: Partial<ArbitronOptions>): { status: number; out: string; err: string; changed: string[] } {
  let out = '';
  let err = '';
  const changed: string[] = [];
  const status = runArbitron(patterns, { config: env!.configFile, now, notifier: { mailboxChanged: (n) => changed.push(n) }, ...opts }, (t) => (out += t), (t) => (err += t));
  return { status, out, err, changed };
}

describe('arbitron over a data directory', () => {
  it('counts readers in the past 30 days with the s right, and subscribers; personal mailboxes only when read by others', async () => {
    const now = Date.now();
    await fill(now);
    expect(run([], now, {})).toEqual({ status: 0, out: 'shared/lists 2 2\nshared/quiet 0 0\nuser/fred 1 1\n', err: '', changed: [] });
    expect(run([], now, { users: true }).out).toBe('shared/lists 2:ann,joe 2:dan,joe\nshared/quiet 0 0\nuser/fred 1:joe 1:fred\n');
    expect(run([], now, { noSubscribers: true }).out).toBe('shared/lists 2\nshared/quiet 0\nuser/fred 1\n');
    expect(run([], now, { days: '5' }).out).toBe('shared/lists 1 2\nshared/quiet 0 0\nuser/fred 1 1\n');
    expect(run([], now, { days: '200', users: true, noSubscribers: true }).out).toBe('shared/lists 3:ann,bob,joe\nshared/quiet 0\nuser/fred 1:joe\n');
    expect(run(['shared/*'], now, {}).out).toBe('shared/lists 2 2\nshared/quiet 0 0\n');
    expect(run(['user.%'], now, {}).out).toBe('user/fred 1 1\n');
  });

  it('-D takes a period of dates; -l writes a line per reader and subscriber', async () => {
    const now = Date.now();
    await fill(now);
    const d = (offset: number) => {
      const t = new Date(now + offset * DAY);
      return `${String(t.getMonth() + 1).padStart(2, '0')}${String(t.getDate()).padStart(2, '0')}${t.getFullYear()}`;
    };
    expect(run(['shared.lists'], now, { dates: `${d(-11)}:${d(-9)}`, users: true }).out).toBe('shared/lists 1:ann 2:dan,joe\n');
    const period = readPeriod(undefined, `${d(-11)}:${d(-9)}`, now) as { start: number; end: number };
    const times = `${longTime(period.start)},${longTime(period.end)}`;
    expect(run(['shared.lists'], now, { dates: `${d(-11)}:${d(-9)}`, long: true }).out).toBe(
      [`shared/lists,ann,r,${times}`, `shared/lists,dan,s,${times}`, `shared/lists,joe,s,${times}`, ''].join('\n'),
    );
    expect(run(['shared.lists'], now, { dates: `${d(-11)}:${d(-9)}`, long: true, noSubscribers: true }).out).toBe(`shared/lists,ann,r,${times}\n`);
  });

  it('-p takes the \\Seen of readers dormant that long away, as a flag change, in the chosen mailboxes only', async () => {
    const now = Date.now();
    const store = await fill(now);
    const before = store.openMailbox('shared.lists');
    const modseq = before.status().highestModseq;
    before.close();
    // Not the chosen mailboxes: nothing pruned.
    const other = run(['user/*'], now, { prune: '2' });
    expect(other).toMatchObject({ status: 0, changed: [] });
    expect(other.err).toBe('arbitron: pruned the seen state of 0 dormant reader(s) in 0 mailbox(es)\n');
    expect(seenBy(store, 'shared.lists', 'bob')).toEqual([1, 2]);
    const pruned = run([], now, { prune: '2' });
    expect(pruned.status).toBe(0);
    expect(pruned.err).toBe('arbitron: pruned the seen state of 1 dormant reader(s) in 1 mailbox(es)\n');
    expect(pruned.changed).toEqual(['shared.lists']);
    expect(seenBy(store, 'shared.lists', 'bob')).toEqual([]);
    expect(seenBy(store, 'shared.lists', 'ann')).toEqual([1, 2]);
    expect(seenBy(store, 'user.fred', 'fred')).toEqual([1]);
    expect(store.seen.usersOf(store.lookup('shared.lists')!.uniqueId)).toEqual(['ann', 'cat', 'joe']);
    const after = store.openMailbox('shared.lists');
    try {
      expect(after.changesSince(modseq, 'bob').records.map((r) => r.uid)).toEqual([1, 2]);
    } finally {
      after.close();
    }
  });
});

describe('arbitron, the built program', () => {
  function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [BIN, 'arbitron', '-C', env!.configFile, ...args], { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
        resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      });
    });
  }

  it('reports with Cyrus\'s flags', async () => {
    await fill(Date.now());
    expect(await cli(['-u', '-d', '30'])).toEqual({ status: 0, stdout: 'shared/lists 2:ann,joe 2:dan,joe\nshared/quiet 0 0\nuser/fred 1:joe 1:fred\n', stderr: '' });
    expect((await cli(['-o', 'shared/lists'])).stdout).toBe('shared/lists 2\n');
    const long = await cli(['-l', '-o', 'user/fred']);
    expect(long.stdout).toMatch(/^user\/fred,joe,r,\d\d-\d\d-\d{4} \d\d:\d\d:\d\d,\d\d-\d\d-\d{4} \d\d:\d\d:\d\d\n$/);
  });

  it('bad periods and flags: an error, a non-zero exit, nothing pruned', async () => {
    const store = await fill(Date.now());
    for (const args of [['-d', '0', '-p', '2'], ['-D', '13012015', '-p', '2'], ['-d', '3', '-D', '04012015', '-p', '2'], ['-p', '0'], ['-p', 'soon']]) {
      const result = await cli(args);
      expect(result.status, args.join(' ')).toBe(64);
      expect(result.stderr).toMatch(/^arbitron: .+\nusage: arbitron/);
      expect(result.stdout).toBe('');
    }
    const unknown = await cli(['-x', '-p', '2']);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain("unknown option '-x'");
    expect((await cli(['-d'])).status).not.toBe(0);
    expect(seenBy(store, 'shared.lists', 'bob')).toEqual([1, 2]);
  });
});
