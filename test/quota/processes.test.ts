/**
 * Usage under concurrency and crashes, with real processes (the compiled store in dist/):
 * concurrent appends from several processes never pass a limit and leave usage exact; a recount
 * (quota -f) running while processes append and expunge ends exact; after kill -9 in the middle
 * of appends and expunges, `quota -n` is clean or `quota -f` repairs it and `quota -n` is clean.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MailStore } from '../../src/store/index.js';
import { EXIT_DIFFERENCES, runQuota } from '../../src/tools/quota.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';
import { NO_LIMITS } from './helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const workerScript = join(root, 'test', 'quota', 'worker.mjs');

beforeAll(() => {
  const stale = ['store', 'mailbox', 'message', 'config'].some((area) =>
    fs.readdirSync(join(root, 'src', area)).filter((f) => f.endsWith('.ts')).some((f) => {
      const out = join(root, 'dist', 'src', area, f.replace(/\.ts$/, '.js'));
      return !fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(join(root, 'src', area, f)).mtimeMs;
    }),
  );
  if (stale) {
    try {
      execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'pipe' });
    } catch {
      // type errors elsewhere in the tree do not stop tsc from emitting
    }
  }
}, 180_000);

let env: TestEnv | null = null;
afterEach(() => {
  env?.cleanup();
  env = null;
});

interface Worker {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  /** Resolves once the worker printed `n` lines (or exited). */
  printed(n: number): Promise<void>;
}

function start(mode: 'fill' | 'churn', count: number, mailboxes: string[]): Worker {
  const child = fork(workerScript, [env!.configFile, mode, String(count), mailboxes.join(',')], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const lines: string[] = [];
  const waiting: Array<[number, () => void]> = [];
  let partial = '';
  let stderr = '';
  const wake = () => {
    for (const w of waiting.splice(0)) (lines.length >= w[0] || child.exitCode !== null || child.signalCode !== null ? w[1]() : waiting.push(w));
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    if (code !== 0 && code !== null) console.error(stderr);
    resolve(code);
  }));
  child.on('exit', () => setImmediate(wake));
  return { child, lines, exited, printed: (n) => new Promise<void>((resolve) => { waiting.push([n, resolve]); wake(); }) };
}

function setup(): MailStore {
  env = makeEnv('expunge_mode: immediate');
  const store = env.open();
  for (const name of ['user.fred', 'user.fred.a', 'user.fred.b']) store.createMailbox(name);
  return store;
}

/** The usage the mailboxes hold, read from their indexes. */
function truth(store: MailStore, names: string[]) {
  let storage = 0;
  let messages = 0;
  for (const name of names) {
    const box = store.openMailbox(name);
    const status = box.status();
    box.close();
    storage += status.size;
    messages += status.messages;
  }
  return { storage, messages, mailboxes: names.length };
}

const NAMES = ['user.fred', 'user.fred.a', 'user.fred.b'];

function quotaTool(args: { fix?: boolean; check?: boolean }): { status: number; out: string } {
  let out = '';
  const status = runQuota({ config: env!.configFile, quiet: true, ...args }, (t) => (out += t), (t) => (out += t));
  return { status, out };
}

describe('concurrent appends', () => {
  it('four processes filling one root never pass its limits, and usage stays exact', async () => {
    const store = setup();
    store.setQuota('user.fred', { ...NO_LIMITS, MESSAGE: 30, STORAGE: 60 });
    const workers = [0, 1, 2, 3].map(() => start('fill', 20, NAMES));
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0, 0]);
    const accepted = workers.reduce((n, w) => n + w.lines.filter((l) => l === 'ok').length, 0);
    const quota = store.quotas.get('user.fred')!;
    expect(quota.usage).toEqual(truth(store, NAMES));
    expect(quota.usage.messages).toBe(accepted);
    expect(quota.usage.messages).toBeLessThanOrEqual(30);
    expect(quota.usage.storage).toBeLessThanOrEqual(60 * 1024);
    expect(workers.reduce((n, w) => n + w.lines.filter((l) => l === 'over').length, 0)).toBe(80 - accepted);
    expect(quotaTool({ check: true }).status).toBe(0);
  }, 120_000);

  it('a recount while processes append and expunge ends exact', async () => {
    const store = setup();
    store.setQuota('user.fred', NO_LIMITS);
    const workers = [0, 1, 2].map(() => start('churn', 60, NAMES));
    // Recount over and over while they work: every recount must find the usage exact (its tally
    // follows the charges made meanwhile); half of them also repair, which must change nothing.
    let recounts = 0;
    const differences: unknown[] = [];
    while (workers.every((w) => w.lines.length < 40 && w.child.exitCode === null)) {
      const recount = store.recountQuota('user.fred', recounts % 2 === 0)!;
      if (JSON.stringify(recount.before) !== JSON.stringify(recount.after)) differences.push(recount);
      recounts++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0]);
    expect(recounts).toBeGreaterThan(3);
    expect(differences).toEqual([]);
    expect(store.quotas.get('user.fred')!.usage).toEqual(truth(store, NAMES));
  }, 120_000);
});

describe('kill -9', () => {
  it('after kill -9 during appends and expunges, quota -n is clean or quota -f repairs it', async () => {
    const store = setup();
    store.setQuota('user.fred', NO_LIMITS);
    const workers = [0, 1, 2].map(() => start('churn', 0, NAMES));
    await Promise.all(workers.map((w) => w.printed(15)));
    for (const w of workers) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    const check = quotaTool({ check: true });
    if (check.status !== 0) {
      expect(check.status).toBe(EXIT_DIFFERENCES);
      expect(quotaTool({ fix: true }).status).toBe(0);
      expect(quotaTool({ check: true })).toEqual({ status: 0, out: '' });
    }
    expect(store.quotas.get('user.fred')!.usage).toEqual(truth(store, NAMES));
  }, 120_000);

  it('quota -n reports a damaged usage; quota -f repairs it', () => {
    const store = setup();
    store.setQuota('user.fred', NO_LIMITS);
    store.quotas.charge('user.fred', { storage: 777, messages: 3 }, 'ignore');
    const check = quotaTool({ check: true });
    expect(check.status).toBe(EXIT_DIFFERENCES);
    expect(check.out).toContain('user/fred: STORAGE usage is 777, should be 0');
    expect(check.out).toContain('user/fred: MESSAGE usage is 3, should be 0');
    expect(store.quotas.get('user.fred')!.usage.storage).toBe(777);
    const fix = quotaTool({ fix: true });
    expect(fix.out).toContain('user/fred: STORAGE usage was 777, now 0');
    expect(quotaTool({ check: true })).toEqual({ status: 0, out: '' });
  });
});
