// Index connections (openDb checkpointAfterCommit) never run SQLite's automatic WAL checkpoint in a
// commit: a later turn checkpoints when due, and a commit with noCheckpoint (the \Recent claim after
// an IDLE push: a checkpoint's fsyncs held the worker's loop 6-9 ms) schedules none. The backlog is
// read from the -shm file's header by a child process (wal-backlog.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointIfDue, openDb, setCheckpointPages, writeTransaction } from '../../src/common/sqlite.js';
import { walBacklog } from './wal-backlog.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cyrusts-ckpt-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('checkpointIfDue', () => {
  it('checkpoints once the connection wrote a fifth of the due frames in commits, or twice as many rows, and not before', async () => {
    const managed = openDb(join(dir, 'counted'), { durable: true, checkpointAfterCommit: true });
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const backlog = () => walBacklog(join(dir, 'counted'));
    try {
      managed.exec('CREATE TABLE t (v TEXT)');
      await turn();
      setCheckpointPages(managed, 10);
      const add = (rows: number) => () => {
        const stmt = managed.prepare('INSERT INTO t (v) VALUES (?)');
        for (let i = 0; i < rows; i++) stmt.run('x'.repeat(100));
      };
      managed.pragma('wal_checkpoint(TRUNCATE)');
      writeTransaction(managed, 'one', add(1));
      await turn();
      // One commit of one row: not due (2 commits or 20 rows are).
      expect(backlog()).toBeGreaterThan(0);
      expect(checkpointIfDue(managed)).toBe(false);
      writeTransaction(managed, 'two', add(1));
      await turn();
      expect(backlog()).toBe(0);
      setCheckpointPages(managed, 1000);
      writeTransaction(managed, 'few', add(5));
      await turn();
      expect(backlog()).toBeGreaterThan(0);
      // 2,000 rows in one commit: due by the rows.
      writeTransaction(managed, 'many', add(2000));
      await turn();
      expect(backlog()).toBe(0);
    } finally {
      managed.close();
    }
  });
});

describe('checkpointAfterCommit', () => {
  it('checkpoints on the turn after a commit when due, never inside it, and not after a noCheckpoint one', async () => {
    const managed = openDb(join(dir, 'managed'), { durable: true, checkpointAfterCommit: true });
    const shm = join(dir, 'managed');
    const backlog = () => walBacklog(shm);
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    try {
      managed.exec('CREATE TABLE t (v TEXT)');
      setCheckpointPages(managed, 1);
      const add = () => managed.prepare('INSERT INTO t (v) VALUES (?)').run('x'.repeat(3000));
      writeTransaction(managed, 'claim', add, { noCheckpoint: true });
      await turn();
      expect(backlog()).toBeGreaterThan(0);
      writeTransaction(managed, 'plain', add);
      // Not in the commit: on the next turn.
      expect(backlog()).toBeGreaterThan(0);
      await turn();
      expect(backlog()).toBe(0);
      setCheckpointPages(managed, 1000);
      writeTransaction(managed, 'plain', add);
      await turn();
      // Not due yet.
      expect(backlog()).toBeGreaterThan(0);
    } finally {
      managed.close();
    }
  });
});
