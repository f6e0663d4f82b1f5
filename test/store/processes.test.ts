import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { reconstructMailbox } from '../../src/mailbox/index.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, type TestEnv } from './helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const worker = join(root, 'test', 'store', 'worker.mjs');

/** The workers import dist/: build it when a store or mailbox source is newer than its output. */
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
}, 120_000);

let env: TestEnv | null = null;
let store: MailStore;
function setup(expungeMode: 'immediate' | 'delayed'): void {
  env = makeEnv(`expunge_mode: ${expungeMode}`);
  store = env.open();
}
afterEach(() => {
  env?.cleanup();
  env = null;
});

interface Worker {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  /** Settles when the worker has reported its first acknowledged (durable) append, or has exited. */
  firstAppend: Promise<void>;
}

function start(mailbox: string, mode: 'hammer' | 'crash' | 'multi', count: number): Worker {
  const child = fork(worker, [env!.configFile, mailbox, mode, String(count)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const lines: string[] = [];
  let partial = '';
  let appended!: () => void;
  const firstAppend = new Promise<void>((resolve) => (appended = resolve));
  child.on('exit', () => appended());
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    if (parts.some((l) => l.startsWith('uid '))) appended();
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) console.error(stderr);
      resolve(code);
    }),
  );
  return { child, lines, exited, firstAppend };
}

const uidsOf = (lines: string[]) => lines.filter((l) => l.startsWith('uid ')).map((l) => Number(l.slice(4)));

describe('several processes on one mailbox', () => {
  it.each(['immediate', 'delayed'] as const)('hammering appends, flags and expunges keeps UIDs unique and the index consistent (expunge_mode %s)', async (expungeMode) => {
    setup(expungeMode);
    store.createMailbox('user.fred');
    const workers = [0, 1, 2, 3].map(() => start('user.fred', 'hammer', 40));
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0, 0]);
    const all = workers.flatMap((w) => uidsOf(w.lines));
    expect(all).toHaveLength(160);
    expect(new Set(all).size).toBe(160);
    for (const w of workers) {
      const mine = uidsOf(w.lines);
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
    const box = store.openMailbox('user.fred');
    const status = box.status();
    expect(status.uidNext).toBe(161);
    const left = box.snapshot('fred');
    for (let i = 0; i < left.count; i++) expect(left.flags(i)).not.toContain('\\Deleted');
    box.close();
    const report = reconstructMailbox(store, 'user.fred', { checkOnly: true, full: true });
    expect(report.problems).toEqual([]);
  }, 30_000);

  it('kill -9 during appends: every acknowledged append survives, nothing half-written shows', async () => {
    setup('immediate');
    store.createMailbox('user.fred');
    const acknowledged: number[] = [];
    for (let round = 0; round < 20; round++) {
      const w = start('user.fred', 'crash', 0);
      // Kill once the worker is appending (its start-up time varies with load), at a random point
      // of its stream of appends; every round then has at least one acknowledged append.
      await w.firstAppend;
      await new Promise((r) => setTimeout(r, Math.random() * 40));
      w.child.kill('SIGKILL');
      await w.exited;
      expect(uidsOf(w.lines).length).toBeGreaterThan(0);
      acknowledged.push(...uidsOf(w.lines));
      // the index never shows a record whose file is missing or differs
      const check = reconstructMailbox(store, 'user.fred', { checkOnly: true, full: true });
      for (const p of check.problems) expect(p).toMatch(/file without a record|leftover temp file|uidnext \d+ is not above/);
      if (check.problems.some((p) => p.startsWith("uidnext"))) expect(check.adopted.length).toBeGreaterThan(0);
      reconstructMailbox(store, 'user.fred');
    }
    expect(acknowledged.length).toBeGreaterThanOrEqual(20);
    const box = store.openMailbox('user.fred');
    for (const record of box.records(acknowledged)) {
      const bytes = fs.readFileSync(box.messagePath(record.uid));
      expect(createHash('sha1').update(bytes).digest('hex')).toBe(record.guid);
    }
    const present = new Set(box.records(acknowledged).map((r) => r.uid));
    // \Deleted ones are still there: the crash worker never expunges
    expect(acknowledged.filter((u) => !present.has(u))).toEqual([]);
    box.close();
    expect(reconstructMailbox(store, 'user.fred', { checkOnly: true, full: true }).problems).toEqual([]);
  }, 60_000);

  // The fill path: MULTIAPPEND writes all of a command's files at once (synchronous-data writes on
  // the thread pool), renames them and commits one transaction, then fsyncs the directory, the WAL
  // and seen.db together. Two writers at once, each killed at a random point of that sequence.
  it('kill -9 during MULTIAPPENDs of two writers: every acknowledged message survives with its \\Seen, nothing half-written shows', async () => {
    setup('immediate');
    store.createMailbox('user.fred');
    const acknowledged: number[] = [];
    const seen: number[] = [];
    for (let round = 0; round < 12; round++) {
      const writers = [start('user.fred', 'multi', 0), start('user.fred', 'multi', 0)];
      await Promise.all(writers.map(async (w) => {
        await w.firstAppend;
        await new Promise((r) => setTimeout(r, Math.random() * 60));
        w.child.kill('SIGKILL');
        await w.exited;
      }));
      for (const w of writers) {
        acknowledged.push(...uidsOf(w.lines));
        seen.push(...w.lines.filter((l) => l.startsWith('seen ')).map((l) => Number(l.slice(5))));
      }
      const check = reconstructMailbox(store, 'user.fred', { checkOnly: true, full: true });
      for (const p of check.problems) expect(p).toMatch(/file without a record|leftover temp file|uidnext \d+ is not above/);
      reconstructMailbox(store, 'user.fred');
    }
    expect(acknowledged.length).toBeGreaterThanOrEqual(24);
    expect(new Set(acknowledged).size).toBe(acknowledged.length);
    const box = store.openMailbox('user.fred');
    const records = box.records(acknowledged, 'fred');
    expect(records.map((r) => r.uid)).toEqual(acknowledged);
    for (const record of records) {
      const bytes = fs.readFileSync(box.messagePath(record.uid));
      expect(createHash('sha1').update(bytes).digest('hex')).toBe(record.guid);
    }
    const seenSet = new Set(seen);
    for (const record of records) expect([record.uid, record.flags.includes('\\Seen')]).toEqual([record.uid, seenSet.has(record.uid)]);
    box.close();
    expect(reconstructMailbox(store, 'user.fred', { checkOnly: true, full: true }).problems).toEqual([]);
  }, 90_000);
});
