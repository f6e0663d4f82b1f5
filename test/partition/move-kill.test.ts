// RENAME to another partition, killed half-way (issue 4): whatever the moment of the kill, the
// mailbox is whole on exactly one side, with every message readable.
import { execFileSync, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { MailStore } from '../../src/store/index.js';

const root = join(import.meta.dirname, '..', '..');
const MESSAGES = 120;
let dir: string;
let configFile: string;

beforeAll(() => {
  const built = join(root, 'dist', 'src', 'store', 'relocate.js');
  if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < fs.statSync(join(root, 'src', 'store', 'relocate.ts')).mtimeMs) {
    try {
      execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'pipe' });
    } catch {
      // type errors elsewhere do not stop tsc from emitting
    }
  }
  dir = fs.mkdtempSync(join(os.tmpdir(), 'cyrusts-move-'));
  configFile = join(dir, 'imapd.conf');
  fs.writeFileSync(configFile, [`configdirectory: ${join(dir, 'conf')}`, `partition-default: ${join(dir, 'p1')}`, `partition-other: ${join(dir, 'p2')}`, 'defaultpartition: default', ''].join('\n'));
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const body = (i: number) => `From: a@example.com\r\nSubject: message ${i}\r\n\r\n${'line of text\r\n'.repeat(20 + (i % 13))}`;

describe('moving a mailbox between partitions', () => {
  it('leaves the mailbox whole on one side when the mover is killed at any moment', async () => {
    const config = ImapdConfig.load(configFile);
    let store = MailStore.open({ config });
    store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
    const box = store.openMailbox('user.fred');
    for (let i = 0; i < MESSAGES; i += 20) await box.append(Array.from({ length: 20 }, (_, k) => ({ content: Buffer.from(body(i + k)), flags: (i + k) % 2 ? ['\\Flagged'] : [] })));
    box.close();
    store.close();

    let movesSeen = 0;
    for (let round = 0; round < 10; round++) {
      const child = fork(join(import.meta.dirname, 'move-worker.mjs'), [configFile, 'user.fred'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
      let out = '';
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      await new Promise((r) => setTimeout(r, 150 + ((round * 37) % 120)));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      movesSeen += out.split('\n').filter((l) => l.startsWith('moved')).length;

      store = MailStore.open({ config });
      const entry = store.lookup('user.fred');
      expect(entry).not.toBeNull();
      const mailbox = store.openMailbox('user.fred');
      const snapshot = mailbox.snapshot(null);
      expect(snapshot.count).toBe(MESSAGES);
      for (let i = 0; i < MESSAGES; i++) {
        const text = (await mailbox.readMessage(snapshot.uids[i]!))!.toString();
        expect(text).toBe(body(i));
      }
      expect(snapshot.flags(1)).toContain('\\Flagged');
      mailbox.close();
      store.close();
    }
    // The kills landed at different points of a move: some rounds completed moves before the kill.
    expect(movesSeen).toBeGreaterThan(0);
  }, 120_000);
});
