// kill -9 of a process whose sessions share fsyncs (fsyncPaths' group commit): every append and
// every flag change it acknowledged is there afterwards, files intact, the index consistent.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { reconstructMailbox } from '../../src/mailbox/index.js';
import { MailStore } from '../../src/store/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const worker = join(root, 'test', 'mailbox', 'group-commit-worker.mjs');

/** The worker imports dist/: build it when a source it uses is newer than its output. */
beforeAll(() => {
  const stale = ['store', 'mailbox', 'message', 'config', 'common'].some((area) =>
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

let dir: string | null = null;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = null;
});

function run(configFile: string, sessions: number): { child: ChildProcess; lines: string[]; first: Promise<void>; exited: Promise<void> } {
  const child = fork(worker, [configFile, 'user.fred', String(sessions)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const lines: string[] = [];
  let partial = '';
  let started!: () => void;
  const first = new Promise<void>((resolve) => (started = resolve));
  child.on('exit', () => started());
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    if (lines.some((l) => l.startsWith('flagged '))) started();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, lines, first, exited };
}

describe('group commit and kill -9', () => {
  it('keeps every acknowledged append and flag change of concurrent sessions', async () => {
    dir = fs.mkdtempSync(join(os.tmpdir(), 'group-commit-kill-'));
    const configFile = join(dir, 'imapd.conf');
    fs.writeFileSync(configFile, `configdirectory: ${join(dir, 'conf')}\npartition-default: ${join(dir, 'spool')}\n`);
    const config = ImapdConfig.load(configFile);
    const store = MailStore.open({ config });
    try {
      store.createMailbox('user.fred');
      const appended: number[] = [];
      const flagged: number[] = [];
      for (let round = 0; round < 6; round++) {
        const w = run(configFile, 6);
        await w.first;
        await new Promise((r) => setTimeout(r, Math.random() * 50));
        w.child.kill('SIGKILL');
        await w.exited;
        appended.push(...w.lines.filter((l) => l.startsWith('uid ')).map((l) => Number(l.slice(4))));
        flagged.push(...w.lines.filter((l) => l.startsWith('flagged ')).map((l) => Number(l.slice(8))));
        const check = reconstructMailbox(store, 'user.fred', { checkOnly: true, full: true });
        for (const p of check.problems) expect(p).toMatch(/file without a record|leftover temp file|uidnext \d+ is not above/);
        reconstructMailbox(store, 'user.fred');
      }
      expect(flagged.length).toBeGreaterThanOrEqual(6);
      expect(new Set(appended).size).toBe(appended.length);
      const box = store.openMailbox('user.fred');
      try {
        const records = box.records(appended, 'fred');
        expect(records.map((r) => r.uid)).toEqual(appended);
        for (const record of records) {
          expect(createHash('sha1').update(fs.readFileSync(box.messagePath(record.uid))).digest('hex')).toBe(record.guid);
        }
        const isFlagged = new Set(records.filter((r) => r.flags.includes('\\Flagged')).map((r) => r.uid));
        expect(flagged.filter((uid) => !isFlagged.has(uid))).toEqual([]);
      } finally {
        box.close();
      }
      expect(reconstructMailbox(store, 'user.fred', { checkOnly: true, full: true }).problems).toEqual([]);
    } finally {
      store.close();
    }
  }, 90_000);
});
