// A write transaction with noCheckpoint never runs SQLite's automatic WAL checkpoint in its commit
// (the \Recent claim after an IDLE push: a checkpoint's fsyncs held the worker's loop 6-9 ms); the
// next commit without it checkpoints as before. Read from the -shm file's header (SQLite's
// documented wal-index format: mxFrame at byte 16, nBackfill at byte 96, native byte order).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, writeTransaction, type Db } from '../../src/common/sqlite.js';

let dir: string;
let db: Db;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cyrusts-ckpt-'));
  file = join(dir, 'db');
  db = openDb(file, { durable: true });
  db.exec('CREATE TABLE t (v TEXT)');
  // Every commit that may checkpoints everything.
  db.pragma('wal_autocheckpoint = 1');
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** WAL frames not yet copied into the database file. */
function uncheckpointed(): number {
  const shm = readFileSync(`${file}-shm`);
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const mxFrame = le ? shm.readUInt32LE(16) : shm.readUInt32BE(16);
  const backfill = le ? shm.readUInt32LE(96) : shm.readUInt32BE(96);
  return mxFrame - backfill;
}

const insert = () => db.prepare('INSERT INTO t (v) VALUES (?)').run('x'.repeat(3000));

describe('noCheckpoint', () => {
  it('leaves the WAL to the next commit, which checkpoints it', () => {
    writeTransaction(db, 'plain', insert);
    expect(uncheckpointed()).toBe(0);
    writeTransaction(db, 'claim', insert, { groupCommit: true, noCheckpoint: true });
    expect(uncheckpointed()).toBeGreaterThan(0);
    writeTransaction(db, 'claim', insert, { noCheckpoint: true });
    expect(uncheckpointed()).toBeGreaterThan(0);
    // The setting is back: the next plain commit checkpoints.
    writeTransaction(db, 'plain', insert);
    expect(uncheckpointed()).toBe(0);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1);
  });
});

describe('checkpointIfDue', () => {
  it('checkpoints once the WAL holds wal_autocheckpoint frames not in the database, and not before', async () => {
    const { checkpointIfDue } = await import('../../src/common/sqlite.js');
    db.pragma('wal_autocheckpoint = 1000');
    const other = openDb(file, { durable: true });
    try {
      // Another connection's commits leave frames (its automatic checkpoint off).
      other.pragma('wal_autocheckpoint = 0');
      other.prepare('INSERT INTO t (v) VALUES (?)').run('y');
      expect(uncheckpointed()).toBeGreaterThan(0);
      expect(checkpointIfDue(db, file)).toBe(false);
      expect(uncheckpointed()).toBeGreaterThan(0);
      for (let i = 0; i < 400 && uncheckpointed() < 1000; i++) other.prepare('INSERT INTO t (v) VALUES (?)').run('z'.repeat(8000));
      expect(checkpointIfDue(db, file)).toBe(true);
      expect(uncheckpointed()).toBe(0);
    } finally {
      other.close();
    }
  });
});

describe('checkpointAfterCommit', () => {
  it('checkpoints on the turn after a commit when due, never inside it, and not after a noCheckpoint one', async () => {
    const { setCheckpointPages } = await import('../../src/common/sqlite.js');
    const managed = openDb(join(dir, 'managed'), { durable: true, checkpointAfterCommit: true });
    const shm = join(dir, 'managed');
    const backlog = () => {
      const buf = readFileSync(`${shm}-shm`);
      const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
      return (le ? buf.readUInt32LE(16) : buf.readUInt32BE(16)) - (le ? buf.readUInt32LE(96) : buf.readUInt32BE(96));
    };
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
