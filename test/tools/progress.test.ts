import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Progress, PROGRESS_INTERVAL_MS } from '../../src/tools/progress.js';
import { runReconstruct } from '../../src/tools/reconstruct.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

function fakeStream(isTTY: boolean): { isTTY: boolean; writes: string[]; write(t: string): boolean } {
  const writes: string[] = [];
  return { isTTY, writes, write: (t: string) => (writes.push(t), true) };
}

describe('Progress', () => {
  it('on a TTY rewrites one line with \\r, at most once per interval, and wipes it', () => {
    const stream = fakeStream(true);
    let now = 1000;
    const progress = new Progress(stream, () => now);
    for (let i = 1; i <= 50; i++) {
      progress.update('adopting files', i, 50);
      now += 10; // 50 updates over 500 ms
    }
    expect(stream.writes).toEqual([1, 11, 21, 31, 41].map((i) => `\radopting files: ${i}/50\x1b[K`));
    progress.clear();
    progress.clear();
    expect(stream.writes.at(-1)).toBe('\r\x1b[K');
    expect(stream.writes.filter((w) => w === '\r\x1b[K')).toHaveLength(1);
    now += PROGRESS_INTERVAL_MS;
    progress.update('scanning partitions', 7);
    expect(stream.writes.at(-1)).toBe('\rscanning partitions: 7\x1b[K');
  });

  it('writes nothing on a pipe or file, or without a stream', () => {
    const stream = fakeStream(false);
    let now = 0;
    const progress = new Progress(stream, () => (now += 1000));
    progress.update('x', 1, 2);
    progress.clear();
    expect(stream.writes).toEqual([]);
    expect(() => new Progress(undefined).update('x', 1)).not.toThrow();
  });
});

describe('reconstruct progress', () => {
  let env: TestEnv;
  afterEach(() => env.cleanup());

  it('goes to the TTY stream only; the output keeps its change lines', async () => {
    env = makeEnv('fsync_disabled: yes');
    const store = env.open();
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append([{ content: message('a') }]);
    fs.writeFileSync(join(box.path, '9.'), message('orphan').toString().replace(/\n/g, '\r\n'));
    box.close();
    const tty = fakeStream(true);
    let out = '';
    expect(runReconstruct(['user.fred'], { config: env.configFile, full: true, mboxlist: true, progress: tty }, (t) => (out += t), (t) => (out += t))).toBe(0);
    expect(out.split('\n').every((line) => line === '' || line.startsWith('user.fred: fixed: '))).toBe(true);
    expect(out).toContain('message 9: file without a record; adopted');
    expect(tty.writes[0]).toMatch(/^\rscanning partitions: 1\x1b\[K$/);
    expect(tty.writes.at(-1)).toBe('\r\x1b[K');
    const pipe = fakeStream(false);
    out = '';
    runReconstruct(['user.fred'], { config: env.configFile, progress: pipe }, (t) => (out += t), (t) => (out += t));
    expect(pipe.writes).toEqual([]);
    expect(out).toBe('user.fred: ok\n');
  });
});
