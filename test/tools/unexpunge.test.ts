// unexpunge (Cyrus's unexpunge(8)): list and restore messages expunged under expunge_mode delayed
// whose files are still on the partition; restored ones get new UIDs, \Deleted unless -d, -f's flag,
// and a second restore finds nothing.
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MailStore } from '../../src/store/index.js';
import { buildProgram } from '../../src/tools/cli.js';
import { parseInterval, runUnexpunge, type UnexpungeOptions } from '../../src/tools/unexpunge.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

let env: TestEnv | null = null;
afterEach(() => {
  vi.useRealTimers();
  env?.cleanup();
  env = null;
});

const HOUR = 3_600_000;

async function run(store: TestEnv, name: string, uids: string[], opts: Partial<UnexpungeOptions>): Promise<{ status: number; out: string; err: string; changed: string[] }> {
  let out = '';
  let err = '';
  const changed: string[] = [];
  const status = await runUnexpunge(name, uids, { config: store.configFile, notifier: { mailboxChanged: (n) => changed.push(n) }, ...opts }, (t) => (out += t), (t) => (err += t));
  return { status, out, err, changed };
}

/** user.fred with messages 1-4; 1 and 2 expunged 5 hours ago, 3 expunged now, 4 kept. */
async function fred(mode: string): Promise<{ store: MailStore; path: string }> {
  env = makeEnv(`expunge_mode: ${mode}\nfsync_disabled: yes\nunixhierarchysep: yes`);
  const store = env.open();
  store.createMailbox('user.fred');
  const box = store.openMailbox('user.fred');
  await box.append([1, 2, 3, 4].map((i) => ({ content: message(`m${i}`), flags: i === 1 ? ['\\Seen'] : [] })));
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() - 5 * HOUR);
  box.setFlags([1, 2], 'add', ['\\Deleted']);
  box.expunge();
  vi.useRealTimers();
  box.setFlags([3], 'add', ['\\Deleted']);
  box.expunge();
  const path = box.path;
  box.close();
  return { store, path };
}

function contents(store: MailStore): Promise<Array<{ uid: number; flags: string[]; subject: string }>> {
  const box = store.openMailbox('user.fred');
  const snap = box.snapshot();
  return Promise.all(box.records([...snap.uids]).map(async (r) => ({
    uid: r.uid, flags: [...r.flags].sort(), subject: /^Subject: (.*)$/m.exec((await box.readMessage(r.uid)).toString())![1]!.trim(),
  }))).finally(() => box.close());
}

describe('unexpunge', () => {
  it('lists what can be restored with its headers, and restores chosen UIDs with new UIDs and \\Deleted', async () => {
    const { store } = await fred('delayed');
    const listed = await run(env!, 'user/fred', [], { list: true });
    expect(listed.status).toBe(0);
    expect(listed.out.match(/^UID: \d+$/gm)).toEqual(['UID: 1', 'UID: 2', 'UID: 3']);
    expect(listed.out).toMatch(/Subj: .*m2/);
    const one = await run(env!, 'user/fred', ['2'], { uids: true, verbose: true });
    expect(one.status).toBe(0);
    expect(one.out).toContain('restored UID 2 as UID 5');
    expect(one.changed).toContain('user.fred');
    expect((await contents(store)).map((m) => [m.uid, m.flags, m.subject.replace(/.*(m\d).*/, '$1')])).toEqual([[4, [], 'm4'], [5, ['\\Deleted'], 'm2']]);
    // Restored once: not listed again, and the old file is gone.
    expect((await run(env!, 'user/fred', [], { list: true })).out.match(/^UID: \d+$/gm)).toEqual(['UID: 1', 'UID: 3']);
    const box = store.openMailbox('user.fred');
    expect(existsSync(box.messagePath(2))).toBe(false);
    box.close();
  });

  it('restores those expunged within -t, without \\Deleted (-d) and with -f\'s flag', async () => {
    const { store } = await fred('delayed');
    const recent = await run(env!, 'user.fred', [], { time: '1h', undelete: true, flag: 'Flagged' });
    expect(recent.out).toContain('restored 1 expunged message in user.fred');
    const all = await run(env!, 'user.fred', [], { all: true, flag: 'restored' });
    expect(all.out).toContain('restored 2 expunged messages');
    const got = (await contents(store)).map((m) => [m.uid, m.flags, m.subject.replace(/.*(m\d).*/, '$1')]);
    expect(got).toEqual([[4, [], 'm4'], [5, ['\\Flagged'], 'm3'], [6, ['\\Deleted', 'restored'], 'm1'], [7, ['\\Deleted', 'restored'], 'm2']]);
    expect((await run(env!, 'user.fred', [], { all: true })).out).toContain('restored 0 expunged messages');
  });

  it('finds nothing to restore under expunge_mode immediate', async () => {
    await fred('immediate');
    expect((await run(env!, 'user.fred', [], { list: true })).out).toBe('');
  });

  it('refuses bad arguments and unknown mailboxes, changing nothing', async () => {
    const { store } = await fred('delayed');
    expect((await run(env!, 'user.fred', [], {})).status).toBe(64);
    expect((await run(env!, 'user.fred', [], { list: true, all: true })).status).toBe(64);
    expect((await run(env!, 'user.fred', [], { uids: true })).status).toBe(64);
    expect((await run(env!, 'user.fred', ['x1'], { uids: true })).status).toBe(64);
    expect((await run(env!, 'user.fred', [], { time: '3 fortnights' })).status).toBe(64);
    const missing = await run(env!, 'user.nobody', [], { all: true });
    expect([missing.status, missing.err]).toEqual([69, 'unexpunge: user.nobody: mailbox does not exist\n']);
    expect((await contents(store)).map((m) => m.uid)).toEqual([4]);
  });

  it('reads intervals as Cyrus does: seconds, or with s, m, h, d, w', () => {
    expect([parseInterval('90'), parseInterval('2m'), parseInterval('24h'), parseInterval('1w'), parseInterval('1y'), parseInterval('')]).toEqual([90_000, 120_000, 86_400_000, 604_800_000, null, null]);
  });

  it('is a subcommand with Cyrus\'s flags', () => {
    const help = buildProgram().commands.find((c) => c.name() === 'unexpunge')!.helpInformation();
    for (const flag of ['-l', '-a', '-u', '-t', '-d', '-f', '-v', '-C']) expect(help).toContain(`${flag},`);
  });
});
