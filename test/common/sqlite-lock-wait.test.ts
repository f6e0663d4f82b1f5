// writeTransaction waits for a write lock held by another process in short pauses of its own
// (SQLite's busy handler sleeps 1, 2, 5, 10, 15, 20, 25 ms... on the event loop), retries only the
// BEGIN, and gives up after the database's busy timeout; withoutBusyWait still fails at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MailError } from '../../src/common/errors.js';
import { changeMarks, lockWaits, openDb, readTransaction, setSynchronous, waitsOwnBusy, withoutBusyWait, writeTransaction, type Db } from '../../src/common/sqlite.js';
import { QuotaStore } from '../../src/store/quotas.js';

const sqlitePath = createRequire(import.meta.url).resolve('better-sqlite3');

/** Another process that takes the write lock of `file`, says so, and commits after `holdMs`. */
async function holdLock(file: string, holdMs: number): Promise<ChildProcess> {
  const script = `
    const Database = require(${JSON.stringify(sqlitePath)});
    const db = new Database(${JSON.stringify(file)});
    db.prepare('BEGIN IMMEDIATE').run();
    db.prepare('INSERT INTO t (v) VALUES (?)').run('other');
    process.stdout.write('locked\\n');
    setTimeout(() => { db.prepare('COMMIT').run(); db.close(); process.stdout.write('released\\n'); }, ${holdMs});
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

describe('writeTransaction and a write lock held by another process', () => {
  let dir: string;
  let db: Db;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sqlite-lock-'));
    file = join(dir, 'test.db');
    db = openDb(file, { durable: true, busyTimeoutMs: 5000 });
    db.exec('CREATE TABLE t (v TEXT)');
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('waits for it in short pauses of its own and then commits', async () => {
    const holder = await holdLock(file, 150);
    const before = lockWaits.count;
    writeTransaction(db, 'test', () => db.prepare('INSERT INTO t (v) VALUES (?)').run('ours'));
    // SQLite's own busy handler would have slept through the wait in a handful of long sleeps,
    // none of them counted here; ours pauses at most 2 ms at a time.
    expect(lockWaits.count - before).toBeGreaterThanOrEqual(10);
    await exited(holder);
    expect(db.prepare('SELECT v FROM t ORDER BY rowid').pluck().all()).toEqual(['other', 'ours']);
  });

  it('gives up with InUse once the busy timeout has passed', async () => {
    const short = openDb(file, { durable: true, busyTimeoutMs: 100 });
    const holder = await holdLock(file, 1500);
    try {
      let ran = 0;
      let error: unknown;
      try {
        writeTransaction(short, 'test', () => ran++);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(MailError);
      expect((error as MailError).kind).toBe('InUse');
      expect(ran).toBe(0);
    } finally {
      short.close();
      holder.kill();
      await exited(holder);
    }
  });

  it('does not run the body again when InUse comes from inside it', () => {
    let ran = 0;
    expect(() => writeTransaction(db, 'test', () => {
      ran++;
      throw new MailError('InUse', 'another database is busy');
    })).toThrow(/another database is busy/);
    expect(ran).toBe(1);
  });

  it('inside withoutBusyWait fails at once, and the busy timeout is back afterwards', async () => {
    const holder = await holdLock(file, 1500);
    try {
      const before = lockWaits.count;
      expect(() => withoutBusyWait(db, () => writeTransaction(db, 'test', () => 1))).toThrow(/busy/);
      expect(lockWaits.count).toBe(before);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    } finally {
      holder.kill();
      await exited(holder);
    }
    expect(writeTransaction(db, 'test', () => 2)).toBe(2);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });
});

// A database opened with ownBusyWaits (the mailbox indexes, quotas.db) keeps its busy timeout at 0
// once its first write transaction ran, instead of two PRAGMAs around every BEGIN IMMEDIATE; the
// waits for a lock are ours, for the write lock and for a read that meets one alike.
describe('a database whose busy waits are its own', () => {
  let dir: string;
  let file: string;
  let db: Db;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sqlite-own-'));
    file = join(dir, 'test.db');
    db = openDb(file, { durable: true, busyTimeoutMs: 5000, ownBusyWaits: true });
    db.exec('CREATE TABLE t (v TEXT)');
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the busy timeout at 0 from its first write transaction on, and still waits for the write lock', async () => {
    // Before it (opening, schema): SQLite's busy handler.
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(writeTransaction(db, 'test', () => db.pragma('busy_timeout', { simple: true }))).toBe(0);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(0);
    expect(waitsOwnBusy(db)).toBe(true);

    const holder = await holdLock(file, 150);
    const before = lockWaits.count;
    writeTransaction(db, 'test', () => db.prepare('INSERT INTO t (v) VALUES (?)').run('ours'));
    expect(lockWaits.count - before).toBeGreaterThanOrEqual(10);
    await exited(holder);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(0);
    expect(readTransaction(db, 'test', () => db.prepare('SELECT v FROM t ORDER BY rowid').pluck().all())).toEqual(['other', 'ours']);

    // withoutBusyWait still fails at once, and leaves the timeout at 0.
    const again = await holdLock(file, 1500);
    try {
      const waits = lockWaits.count;
      expect(() => withoutBusyWait(db, () => writeTransaction(db, 'test', () => 1))).toThrow(/busy/);
      expect(lockWaits.count).toBe(waits);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(0);
    } finally {
      again.kill();
      await exited(again);
    }
  });

  it('runs a read transaction or a look at the change marks that met a lock again after a pause; another database waits in SQLite', () => {
    writeTransaction(db, 'test', () => db.prepare('INSERT INTO t (v) VALUES (?)').run('x'));
    const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY_RECOVERY' });
    let tries = 0;
    const before = lockWaits.count;
    const read = () => {
      if (++tries <= 3) throw busy();
      return db.prepare('SELECT v FROM t').pluck().all();
    };
    expect(readTransaction(db, 'test', read)).toEqual(['x']);
    expect(tries).toBe(4);
    expect(lockWaits.count - before).toBe(3);

    // The change marks read outside a transaction (a read transaction of their own) too.
    const marks = changeMarks(db);
    const proto = Object.getPrototypeOf(db.prepare('SELECT 1')) as { get(...args: unknown[]): unknown };
    const original = proto.get;
    let met = 0;
    vi.spyOn(proto, 'get').mockImplementation(function (this: { source: string }, ...args: unknown[]) {
      if (this.source === 'PRAGMA data_version' && met++ < 2) throw busy();
      return original.apply(this, args);
    });
    const waits = lockWaits.count;
    try {
      expect(changeMarks(db)).toEqual(marks);
    } finally {
      vi.restoreAllMocks();
    }
    expect(lockWaits.count - waits).toBe(2);

    // A database with SQLite's busy handler: what reaches us is final.
    const plain = openDb(join(dir, 'plain.db'), { durable: true, busyTimeoutMs: 5000 });
    try {
      writeTransaction(plain, 'test', () => plain.exec('CREATE TABLE u (v TEXT)'));
      tries = 0;
      let error: unknown;
      try {
        readTransaction(plain, 'test', () => {
          tries++;
          throw busy();
        });
      } catch (err) {
        error = err;
      }
      expect((error as MailError).kind).toBe('InUse');
      expect(tries).toBe(1);
    } finally {
      plain.close();
    }
  });
});

// SQLite applies a setting pragma when it compiles it; the first run of the prepared statement
// then does nothing. The switches prepared once per database must work from their first use.
describe('setting pragmas switched from prepared statements', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sqlite-pragma-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('setSynchronous takes effect on its first call and on every later one', () => {
    const db = openDb(join(dir, 'a.db'), { durable: true });
    try {
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      setSynchronous(db, 'NORMAL');
      expect(db.pragma('synchronous', { simple: true })).toBe(1);
      setSynchronous(db, 'FULL');
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      setSynchronous(db, 'NORMAL');
      expect(db.pragma('synchronous', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
  });

  it('a group commit commits at NORMAL and leaves it so; the next other write commits at FULL', () => {
    const db = openDb(join(dir, 'g.db'), { durable: true });
    const level = () => db.pragma('synchronous', { simple: true });
    try {
      expect(writeTransaction(db, 'group', level, { groupCommit: true })).toBe(1);
      expect(writeTransaction(db, 'group', level, { groupCommit: true })).toBe(1);
      // Left at NORMAL between group commits (no switch back and forth per write).
      expect(level()).toBe(1);
      expect(writeTransaction(db, 'plain', level)).toBe(2);
      expect(level()).toBe(2);
      expect(writeTransaction(db, 'group', level, { groupCommit: true })).toBe(1);
      expect(writeTransaction(db, 'plain', level)).toBe(2);
      // A base of NORMAL (quotas.db) stays NORMAL for every write.
      setSynchronous(db, 'NORMAL');
      expect(writeTransaction(db, 'plain', level)).toBe(1);
      expect(writeTransaction(db, 'group', level, { groupCommit: true })).toBe(1);
      setSynchronous(db, 'FULL');
      expect(writeTransaction(db, 'plain', level)).toBe(2);
    } finally {
      db.close();
    }
    const off = openDb(join(dir, 'h.db'), { durable: false });
    try {
      expect(writeTransaction(off, 'group', () => off.pragma('synchronous', { simple: true }), { groupCommit: true })).toBe(0);
    } finally {
      off.close();
    }
  });

  it('withoutBusyWait switches the busy timeout off on its first call, and back', () => {
    const db = openDb(join(dir, 'b.db'), { durable: true, busyTimeoutMs: 3000 });
    try {
      expect(withoutBusyWait(db, () => db.pragma('busy_timeout', { simple: true }))).toBe(0);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(3000);
      expect(withoutBusyWait(db, () => db.pragma('busy_timeout', { simple: true }))).toBe(0);
    } finally {
      db.close();
    }
  });

  it('quotas.db charges commit at synchronous NORMAL (usage is recounted; no fsync per charge)', () => {
    const quotas = new QuotaStore(join(dir, 'quotas.db'), true);
    try {
      const db = (quotas as unknown as { db: Db }).db;
      expect(db.pragma('synchronous', { simple: true })).toBe(1);
      // A limit is set fsynced (FULL), and the level goes back to NORMAL for the charges.
      quotas.setLimits('user.fred', { STORAGE: 100, MESSAGE: null, MAILBOX: null });
      expect(db.pragma('synchronous', { simple: true })).toBe(1);
    } finally {
      quotas.close();
    }
  });
});
