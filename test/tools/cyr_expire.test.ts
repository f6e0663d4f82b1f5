import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { planCommand } from '../../src/master/programs.js';
import type { MailStore } from '../../src/store/index.js';
import { buildProgram } from '../../src/tools/cli.js';
import { runCyrExpire, type CyrExpireOptions } from '../../src/tools/cyr_expire.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

const DAY = 86_400_000;
let env: TestEnv;
let store: MailStore;
const seen: string[] = [];

beforeEach(() => {
  env = makeEnv('expunge_mode: delayed\ndelete_mode: delayed\nfsync_disabled: yes');
  store = env.open();
  seen.length = 0;
});
afterEach(() => {
  vi.useRealTimers();
  env.cleanup();
});

/** Run `fn` with the clock set `daysAgo` days back. */
async function at<T>(daysAgo: number, fn: () => T | Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() - daysAgo * DAY);
  try {
    return await fn();
  } finally {
    vi.useRealTimers();
  }
}

function run(opts: Partial<CyrExpireOptions>): { status: number; out: string; err: string } {
  let out = '';
  let err = '';
  const status = runCyrExpire({ config: env.configFile, notifier: { mailboxChanged: (n) => seen.push(n) }, ...opts }, (t) => (out += t), (t) => (err += t));
  return { status, out, err };
}

/** user.fred: messages 1-4; 1 and 2 expunged 10 days ago, 3 expunged now, 4 kept. Also DELETED state. */
async function makeState(): Promise<{ path: string }> {
  store.createMailbox('user.fred');
  const box = store.openMailbox('user.fred');
  await box.append([1, 2, 3, 4].map((i) => ({ content: message(`m${i}`) })));
  await at(10, () => {
    box.setFlags([1, 2], 'add', ['\\Deleted']);
    box.expunge();
  });
  box.setFlags([3], 'add', ['\\Deleted']);
  box.expunge();
  const path = box.path;
  box.close();
  store.createMailbox('user.old');
  store.createMailbox('user.new');
  await at(10, () => store.deleteMailbox('user.old'));
  store.deleteMailbox('user.new');
  return { path };
}

function files(path: string): string[] {
  return fs.readdirSync(path).filter((f) => /^\d+\.$/.test(f)).sort();
}

function expungedRecords(): number[] {
  const box = store.openMailbox('user.fred');
  try {
    return box.changesSince(0).expunged;
  } finally {
    box.close();
  }
}

describe('cyr_expire', () => {
  it('-X unlinks old expunged files, -E forgets their records, -D removes old DELETED mailboxes; newer state stays', async () => {
    const { path } = await makeState();
    expect(files(path)).toEqual(['1.', '2.', '3.', '4.']);
    const deletedNames = store.list('DELETED.*').map((e) => e.name);
    expect(deletedNames).toHaveLength(2);

    const result = run({ expire: 3, expunge: 3, delete: 7, verbose: true });
    expect(result.status).toBe(0);
    expect(result.err).toBe('');
    expect(files(path)).toEqual(['3.', '4.']);
    expect(expungedRecords()).toEqual([3]);
    const left = store.list('DELETED.*').map((e) => e.name);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^DELETED\.user\.new\./);
    expect(result.out).toContain('user.fred: removed 2 expunged message file(s)');
    expect(result.out).toContain('user.fred: forgot 2 expunged record(s)');
    expect(result.out).toMatch(/DELETED\.user\.old\.[0-9A-F]+: removed deleted mailbox/);
    expect(seen).toContain('user.fred');
    expect(seen.some((n) => n.startsWith('DELETED.user.old.'))).toBe(true);
    // A mailbox still works afterwards, and a run with nothing old changes nothing.
    expect(run({ expire: 3, expunge: 3, delete: 7 })).toEqual({ status: 0, out: '', err: '' });
  });

  it('-E alone (deliver.db) touches no mailbox: expunged records and their files stay', async () => {
    const { path } = await makeState();
    expect(run({ expire: 3 }).status).toBe(0);
    expect(expungedRecords()).toEqual([1, 2, 3]);
    expect(files(path)).toEqual(['1.', '2.', '3.', '4.']);
  });

  it('-n changes nothing and says what would go', async () => {
    const { path } = await makeState();
    const before = fs.readFileSync(`${path}/cyrus.index`);
    const result = run({ expire: 3, expunge: 3, delete: 7, dryRun: true });
    expect(result.status).toBe(0);
    expect(result.out).toContain('user.fred: would remove 2 expunged message file(s)');
    expect(result.out).toMatch(/DELETED\.user\.old\.[0-9A-F]+: would remove deleted mailbox/);
    expect(files(path)).toEqual(['1.', '2.', '3.', '4.']);
    expect(expungedRecords()).toEqual([1, 2, 3]);
    expect(store.list('DELETED.*')).toHaveLength(2);
    expect(seen).toEqual([]);
    expect(fs.readFileSync(`${path}/cyrus.index`).equals(before)).toBe(true);
  });

  it("is what the master runs for Debian's EVENTS entries", () => {
    const subcommands = new Set(buildProgram().commands.map((c) => c.name()));
    expect(planCommand('/usr/sbin/cyrus expire -E 3 -X 3 -D 7', subcommands, '')).toEqual({ kind: 'subcommand', name: 'cyr_expire', args: ['-E', '3', '-X', '3', '-D', '7'] });
    expect(planCommand('cyr_expire -E 3', subcommands, '')).toEqual({ kind: 'subcommand', name: 'cyr_expire', args: ['-E', '3'] });
  });

  it("expires messages older than their mailbox's expire annotation, by sent date, with -E or -X", async () => {
    const dated = (subject: string, date: string | null): Buffer =>
      Buffer.from(`From: a@example.com\nSubject: ${subject}\n${date === null ? '' : `Date: ${date}\n`}\nbody\n`);
    const now = Date.parse('2026-12-04T12:00:00Z');
    store.createMailbox('user.fred');
    store.createMailbox('user.fred.Lists');
    store.createMailbox('user.fred.Lists.child');
    store.createMailbox('user.joe');
    const lists = store.openMailbox('user.fred.Lists');
    await lists.append([
      { content: dated('old sent, new internal', 'Mon, 1 Jan 2024 10:00:00 +0000'), internalDate: new Date(now - DAY) },
      { content: dated('new sent, old internal', 'Thu, 3 Dec 2026 10:00:00 +0000'), internalDate: new Date('2020-01-01T00:00:00Z') },
      { content: dated('old flagged', 'Mon, 1 Jan 2024 10:00:00 +0000'), flags: ['\\Flagged'] },
      { content: dated('no date, old internal', null), internalDate: new Date('2020-01-01T00:00:00Z') },
      { content: dated('no date, new internal', null), internalDate: new Date(now - DAY) },
    ]);
    lists.close();
    for (const name of ['user.fred.Lists.child', 'user.joe']) {
      const box = store.openMailbox(name);
      await box.append([{ content: dated('old', 'Mon, 1 Jan 2024 10:00:00 +0000') }]);
      box.close();
    }
    const annotate = (name: string, days: string): void => store.annotations.apply(store.lookup(name)!.uniqueId, [{ entry: '/vendor/cmu/cyrus-imapd/expire', userid: '', value: Buffer.from(days) }], { maxEntries: 100 });
    annotate('user.fred.Lists', '30');
    annotate('user.joe', '0');
    const subjects = (name: string): string[] => {
      const box = store.openMailbox(name);
      try {
        const uids = [...box.snapshot().uids];
        return box.summaries(uids).size === 0 ? [] : [...box.summaries(uids).values()].map((m) => m.envelope.subject ?? '');
      } finally {
        box.close();
      }
    };
    // -D alone does not expire messages; a dry run names them and changes nothing.
    expect(run({ delete: 7, now }).status).toBe(0);
    expect(subjects('user.fred.Lists')).toHaveLength(5);
    const dry = run({ expire: 3, dryRun: true, now });
    expect(dry.out).toContain('user.fred.Lists: would expire 3 message(s) sent more than 30 day(s) ago');
    expect(subjects('user.fred.Lists')).toHaveLength(5);
    const done = run({ expire: 3, verbose: true, now });
    expect(done.status).toBe(0);
    expect(done.out).toContain('cyr_expire: expired 3 message(s)');
    expect(subjects('user.fred.Lists').sort()).toEqual(['new sent, old internal', 'no date, new internal']);
    // Only the annotated mailbox itself (as Cyrus 3.6), and 0 keeps everything.
    expect(subjects('user.fred.Lists.child')).toEqual(['old']);
    expect(subjects('user.joe')).toEqual(['old']);
    expect(seen).toContain('user.fred.Lists');
    // -X runs the pass too; -u limits it to one user.
    annotate('user.joe', '30');
    expect(run({ expunge: 3, user: 'fred', now }).status).toBe(0);
    expect(subjects('user.joe')).toEqual(['old']);
    expect(run({ expunge: 3, now }).status).toBe(0);
    expect(subjects('user.joe')).toEqual([]);
  });

  it('refuses to run without work or with a bad number of days', () => {
    expect(run({}).status).toBe(64);
    expect(run({ expunge: -1 }).err).toContain('-X needs a number of days');
  });
});
