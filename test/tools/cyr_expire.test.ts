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

  it('refuses to run without work or with a bad number of days', () => {
    expect(run({}).status).toBe(64);
    expect(run({ expunge: -1 }).err).toContain('-X needs a number of days');
  });
});
