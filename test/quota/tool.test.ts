/**
 * The quota tool as Cyrus's quota(8): the report, -d domain, mailbox-spec prefixes, -u userids,
 * -f repairing usage and mailboxes whose recorded root is wrong, -n changing nothing, and the
 * progress line only on a terminal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatQuotaReport, runQuota, type QuotaToolOptions } from '../../src/tools/quota.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';
import { appendTo, NO_LIMITS } from './helpers.js';

let env: TestEnv | null = null;
afterEach(() => {
  env?.cleanup();
  env = null;
});

async function setup(): Promise<MailStore> {
  env = makeEnv('fsync_disabled: yes\nvirtdomains: userid\nunixhierarchysep: yes');
  const store = env.open();
  for (const name of ['user.bovik', 'user.bovik.saved', 'user.ann', 'example.com!user.joe']) store.createMailbox(name);
  store.setQuota('user.bovik', { ...NO_LIMITS, STORAGE: 100, MESSAGE: 10 });
  store.setQuota('user.bovik.saved', { ...NO_LIMITS, STORAGE: 20 });
  store.setQuota('user.ann', NO_LIMITS);
  store.setQuota('example.com!user.joe', { ...NO_LIMITS, MAILBOX: 4 });
  await appendTo(store, 'user.bovik', 10240, 5120);
  await appendTo(store, 'user.bovik.saved', 4096);
  return store;
}

function run(options: Partial<QuotaToolOptions> = {}): { status: number; out: string; err: string } {
  let out = '';
  let err = '';
  const status = runQuota({ config: env!.configFile, ...options }, (t) => (out += t), (t) => (err += t));
  return { status, out, err };
}

describe('quota report', () => {
  it('lists every root (internal name order) with its limits, percent and usage (STORAGE in KiB)', async () => {
    await setup();
    const { status, out } = run();
    expect(status).toBe(0);
    expect(out.split('\n')).toEqual([
      'Quota % Used Used Resource Root',
      '    4     25    1 MAILBOX  user/joe@example.com',
      ' none      -    0 STORAGE  user/ann',
      '  100     15   15 STORAGE  user/bovik',
      '   10     20    2 MESSAGE  user/bovik',
      '   20     20    4 STORAGE  user/bovik/saved',
      '',
    ]);
  });

  it('-d keeps one domain; prefixes keep roots starting with them; -u takes userids', async () => {
    await setup();
    const roots = (out: string) => out.trim().split('\n').slice(1).map((line) => line.split(/\s+/).at(-1));
    expect(roots(run({ domain: 'example.com' }).out)).toEqual(['user/joe@example.com']);
    expect(roots(run({ specs: ['user/bo'] }).out)).toEqual(['user/bovik', 'user/bovik', 'user/bovik/saved']);
    expect(roots(run({ specs: ['bovik'], users: true }).out)).toEqual(['user/bovik', 'user/bovik', 'user/bovik/saved']);
    expect(roots(run({ specs: ['joe@example.com'], users: true }).out)).toEqual(['user/joe@example.com']);
  });

  it('formats a root without limits as none', () => {
    expect(formatQuotaReport([{ root: 'x', limits: NO_LIMITS, usage: { storage: 2048, messages: 1, mailboxes: 1 } }], (r) => r)).toContain('none      -    2 STORAGE  x');
  });
});

describe('quota -f and -n', () => {
  it('-n lists the differences and changes nothing; -f repairs usage and recorded roots; then -n is clean', async () => {
    const store = await setup();
    store.quotas.charge('user.bovik', { storage: 5000, messages: 1 }, 'ignore');
    store.setQuotaRoot('user.bovik.saved', 'user.bovik');
    const check = run({ check: true, quiet: true });
    expect(check.status).toBe(1);
    expect(check.out.split('\n').filter(Boolean).sort()).toEqual([
      'user/bovik/saved: quota root user/bovik --> user/bovik/saved',
      'user/bovik: MESSAGE usage is 3, should be 2',
      'user/bovik: STORAGE usage is 20360, should be 15360',
    ]);
    expect(store.quotas.get('user.bovik')!.usage.storage).toBe(20360);
    expect(store.lookup('user.bovik.saved')!.quotaRoot).toBe('user.bovik');
    const fix = run({ fix: true, quiet: true });
    expect(fix.status).toBe(0);
    expect(fix.out).toContain('user/bovik: STORAGE usage was 20360, now 15360');
    expect(store.quotas.get('user.bovik')!.usage).toEqual({ storage: 15360, messages: 2, mailboxes: 1 });
    expect(store.lookup('user.bovik.saved')!.quotaRoot).toBe('user.bovik.saved');
    expect(run({ check: true, quiet: true })).toEqual({ status: 0, out: '', err: '' });
  });

  it('a progress line only on a terminal, wiped at the end', async () => {
    await setup();
    const writes: string[] = [];
    run({ fix: true, quiet: true, progress: { isTTY: true, write: (t: string) => writes.push(t) } });
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.at(-1)).toBe('\r\x1b[K');
    const none: string[] = [];
    run({ fix: true, quiet: true, progress: { isTTY: false, write: (t: string) => none.push(t) } });
    expect(none).toEqual([]);
  });
});
