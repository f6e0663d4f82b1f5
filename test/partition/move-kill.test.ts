// RENAME to another partition, killed half-way (issue 4): the mover reports when each move starts
// and ends, and is killed at a random moment inside a move. Whatever that moment, the mailbox is
// whole on the side mailboxes.db names: its index lists exactly the message files there, and every
// message reads back as written.
import { execFileSync, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { MailStore } from '../../src/store/index.js';

const root = join(import.meta.dirname, '..', '..');
const MESSAGES = 300;
/** Rounds stop once this many kills landed inside a move (or after MAX_ROUNDS). */
const WANTED_MID_MOVE = 6;
const MAX_ROUNDS = 12;
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

interface Round {
  lines: string[];
  /** The kill came after "start N" and before "moved N": inside a move. */
  midMove: boolean;
  /** Target partition of the move that was killed (when midMove). */
  target: string | null;
}

/**
 * One mover process: once it has completed a move (so a move's duration is known), the next
 * "start" line arms a kill at a random offset within the shortest move seen so far.
 */
async function killedRound(shortestMoveMs: { value: number }): Promise<Round> {
  const child = fork(join(import.meta.dirname, 'move-worker.mjs'), [configFile, 'user.fred'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const closed = new Promise((resolve) => child.once('close', resolve));
  let pending = '';
  const lines: string[] = [];
  let armed = false;
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      const [word, , , ms] = line.split(' ');
      if (word === 'moved') shortestMoveMs.value = Math.min(shortestMoveMs.value, Number(ms));
      if (word === 'start' && !armed && lines.some((l) => l.startsWith('moved'))) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), Math.random() * shortestMoveMs.value * 0.8);
      }
    }
  });
  await closed;
  const last = lines.at(-1) ?? '';
  const [word, , target] = last.split(' ');
  return { lines, midMove: word === 'start', target: word === 'start' ? target! : null };
}

describe('moving a mailbox between partitions', () => {
  it('leaves the mailbox whole on one side when the mover is killed inside a move', async () => {
    const config = ImapdConfig.load(configFile);
    let store = MailStore.open({ config });
    store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
    const box = store.openMailbox('user.fred');
    for (let i = 0; i < MESSAGES; i += 50) await box.append(Array.from({ length: 50 }, (_, k) => ({ content: Buffer.from(body(i + k)), flags: (i + k) % 2 ? ['\\Flagged'] : [] })));
    box.close();
    store.close();

    const shortestMoveMs = { value: Number.POSITIVE_INFINITY };
    let midMove = 0;
    let endedOld = 0;
    let endedNew = 0;
    let rounds = 0;
    while (midMove < WANTED_MID_MOVE && rounds < MAX_ROUNDS) {
      rounds += 1;
      const round = await killedRound(shortestMoveMs);
      expect(round.lines.filter((l) => l.startsWith('moved')).length).toBeGreaterThan(0);

      store = MailStore.open({ config });
      const entry = store.lookup('user.fred');
      expect(entry).not.toBeNull();
      if (round.midMove) {
        midMove += 1;
        if (entry!.partition === round.target) endedNew += 1;
        else endedOld += 1;
      }
      // The side mailboxes.db names holds the whole mailbox: index and message files agree.
      const mailbox = store.openMailbox('user.fred');
      const snapshot = mailbox.snapshot(null);
      expect(snapshot.count).toBe(MESSAGES);
      const files = fs
        .readdirSync(store.directoryOf('user.fred', entry!.partition))
        .filter((f) => /^\d+\.$/.test(f))
        .map((f) => Number(f.slice(0, -1)))
        .sort((a, b) => a - b);
      expect(files).toEqual([...snapshot.uids].sort((a, b) => a - b));
      for (let i = 0; i < MESSAGES; i++) {
        const text = (await mailbox.readMessage(snapshot.uids[i]!))!.toString();
        expect(text).toBe(body(i));
      }
      for (let i = 0; i < MESSAGES; i++) expect(snapshot.flags(i).includes('\\Flagged')).toBe(i % 2 === 1);
      mailbox.close();
      store.close();
    }
    console.log(`move-kill: ${rounds} rounds, ${midMove} killed inside a move (${endedOld} ended on the old side, ${endedNew} on the new); shortest move ${shortestMoveMs.value} ms`);
    // Several kills really landed inside a move, so the checks above examined interrupted moves.
    expect(midMove).toBeGreaterThanOrEqual(WANTED_MID_MOVE);
  }, 60_000);
});
