// Temp files (.tmp-PID-*) left by a writer killed during an append: the server removes them on
// its first append to the mailbox, reconstruct reports and removes them, and a temp file whose
// writer still runs (an append in flight) is neither removed nor reported.
import * as fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MailStore } from '../../src/store/index.js';
import { runReconstruct } from '../../src/tools/reconstruct.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

const DEAD_PID = 999_999_999; // above any pid_max: no such process
let env: TestEnv;
let store: MailStore;
let writer: ChildProcess;

beforeEach(() => {
  env = makeEnv();
  store = env.open();
  // A live process standing for another worker with an append in flight.
  writer = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
});
afterEach(() => {
  writer.kill('SIGKILL');
  env.cleanup();
});

function reconstruct(check: boolean): string {
  let out = '';
  runReconstruct(['user.fred'], { config: env.configFile, check }, (t) => (out += t), (t) => (out += t));
  return out;
}

function temps(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.startsWith('.tmp-')).sort();
}

describe('leftover temp files', () => {
  it('the first append in a process removes those of dead writers and keeps those of live ones', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    const dead = `.tmp-${DEAD_PID}-aa01`;
    const live = `.tmp-${writer.pid}-bb02`;
    fs.writeFileSync(join(box.path, dead), 'half a message');
    fs.writeFileSync(join(box.path, live), 'being written');
    await box.append([{ content: message('after the crash') }]);
    expect(temps(box.path)).toEqual([live]);
    box.close();
  });

  it('a temp file a day old is a leftover even when its pid runs again (pid reuse)', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    const stale = `.tmp-${writer.pid}-cc03`;
    fs.writeFileSync(join(box.path, stale), 'old');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    fs.utimesSync(join(box.path, stale), twoDaysAgo, twoDaysAgo);
    await box.append([{ content: message('m') }]);
    expect(temps(box.path)).toEqual([]);
    box.close();
  });

  it('lists the directory once per mailbox per process, not on every append', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append([{ content: message('first') }]);
    const later = `.tmp-${DEAD_PID}-dd04`;
    fs.writeFileSync(join(box.path, later), 'x');
    await box.append([{ content: message('second') }]);
    expect(temps(box.path)).toEqual([later]);
    box.close();
  });

  it('reconstruct -n reports only dead writers\' temp files; reconstruct removes them', () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    const dir = box.path;
    box.close();
    const dead = `.tmp-${DEAD_PID}-ee05`;
    const live = `.tmp-${writer.pid}-ff06`;
    fs.writeFileSync(join(dir, live), 'in flight');
    expect(reconstruct(true)).toBe('user.fred: ok\n');
    fs.writeFileSync(join(dir, dead), 'half');
    expect(reconstruct(true)).toBe(`user.fred: needs: leftover temp file ${dead}\n`);
    expect(temps(dir)).toEqual([dead, live].sort());
    expect(reconstruct(false)).toBe(`user.fred: fixed: leftover temp file ${dead}\n`);
    expect(temps(dir)).toEqual([live]);
    expect(reconstruct(true)).toBe('user.fred: ok\n');
  });
});
