// fsyncPaths as a group commit: callers that find an fsync of their path under way share the next
// one (started after they called), instead of one fsync each; none resolves before an fsync that
// started after its call is over.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fsyncPaths, pathSyncs } from '../../src/mailbox/files.js';

describe('fsyncPaths group commit', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fsync-group-'));
    file = join(dir, 'wal');
    writeFileSync(file, 'x');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('one caller: one fsync', async () => {
    const before = pathSyncs.started;
    await fsyncPaths([file], true);
    expect(pathSyncs.started - before).toBe(1);
  });

  it('callers that come while an fsync is under way share the next one, started after them', async () => {
    const before = pathSyncs.started;
    const done = pathSyncs.finished;
    const finishedWhenResolved: number[] = [];
    const first = fsyncPaths([file], true).then(() => finishedWhenResolved.push(pathSyncs.finished - done));
    // Five more sessions commit while the first fsync runs.
    const later = Array.from({ length: 5 }, () => fsyncPaths([file], true).then(() => finishedWhenResolved.push(pathSyncs.finished - done)));
    await Promise.all([first, ...later]);
    expect(pathSyncs.started - before).toBe(2);
    // None of the later ones was acknowledged by the fsync that may have started before its change:
    // each resolved only once the second fsync was over.
    expect(finishedWhenResolved.length).toBe(6);
    expect(finishedWhenResolved.filter((n) => n >= 2).length).toBeGreaterThanOrEqual(5);
    expect(pathSyncs.finished - done).toBe(2);
    // Once all is over, the next caller has an fsync of its own.
    await fsyncPaths([file], true);
    expect(pathSyncs.started - before).toBe(3);
  });

  it('different paths are synced each on their own, together', async () => {
    const other = join(dir, 'other');
    writeFileSync(other, 'y');
    const before = pathSyncs.started;
    await Promise.all([fsyncPaths([file, dir], true), fsyncPaths([other], true)]);
    expect(pathSyncs.started - before).toBe(3);
  });

  it('a path that is gone has nothing to sync; not durable syncs nothing', async () => {
    const before = pathSyncs.started;
    await fsyncPaths([join(dir, 'gone-wal')], true);
    await fsyncPaths([file], false);
    expect(pathSyncs.started - before).toBe(0);
  });
});
