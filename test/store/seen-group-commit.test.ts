/**
 * An append's \Seen flags join its group commit: with `syncLater`, seen.db commits without waiting
 * for the disk and names the file to fsync (its WAL); the change is committed all the same, and the
 * database fsyncs every other commit (the next write that is not a group commit is at FULL again).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SeenStore } from '../../src/store/seen.js';

let dir: string;
let store: SeenStore;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seen-group-'));
  store = new SeenStore(path.join(dir, 'seen.db'), true);
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const synchronous = () => (store as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true });

describe('seen.db in a group commit', () => {
  it('names its WAL for the caller to fsync, commits the change, and fsyncs later commits itself again', () => {
    const later: string[] = [];
    expect(store.update('fred', 'u1', [1, 2, 3], [], { syncLater: later })).toEqual([[1, 3]]);
    expect(later).toEqual([path.join(dir, 'seen.db-wal')]);
    expect(fs.existsSync(later[0]!)).toBe(true);
    // Committed: another connection (another process) reads it.
    const other = new Database(path.join(dir, 'seen.db'), { readonly: true });
    try {
      expect(other.prepare('SELECT uids FROM seen WHERE userid = ? AND uniqueid = ?').pluck().get('fred', 'u1')).toBe('1:3');
    } finally {
      other.close();
    }
    // Left at NORMAL for the next group commit; the next other write fsyncs at its commit again.
    expect(synchronous()).toBe(1);
    store.update('fred', 'u1', [4], []);
    expect(synchronous()).toBe(2);
  });

  it('fsyncs at commit as before without syncLater', () => {
    const before = synchronous();
    store.update('fred', 'u1', [5], []);
    expect(before).toBe(2);
    expect(synchronous()).toBe(2);
  });
});
