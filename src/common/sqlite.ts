/** Opening SQLite databases the one way (store and mailbox alike): WAL, a busy timeout, errors as MailError. */
import Database from 'better-sqlite3';
import { MailError } from './errors.js';

export type Db = Database.Database;

export interface OpenDbOptions {
  /** fsync on every commit (synchronous=FULL); false only for benchmarks (fsync_disabled). */
  durable: boolean;
  busyTimeoutMs?: number;
  /** Page cache budget in KiB (kept small: a process may hold a thousand mailboxes open). */
  cacheKiB?: number;
  readonly?: boolean;
}

const BUSY_TIMEOUT_MS = 10_000;

export function openDb(file: string, opts: OpenDbOptions): Db {
  let db: Db;
  try {
    db = new Database(file, { timeout: opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS, readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  } catch (err) {
    throw sqliteError(err, `cannot open ${file}`);
  }
  // Switching a new database to WAL (or recovering another process's WAL) can answer SQLITE_BUSY
  // without calling the busy handler when several processes open it at the same moment (workers
  // starting together): try again for a while before giving up.
  const giveUpAt = Date.now() + (opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS);
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    try {
      if (!opts.readonly) db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.durable ? 'FULL' : 'OFF'}`);
      db.pragma(`cache_size = -${opts.cacheKiB ?? 256}`);
      db.pragma('temp_store = MEMORY');
      return db;
    } catch (err) {
      if (isBusy(err) && Date.now() < giveUpAt) {
        Atomics.wait(SLEEPER, 0, 0, pause);
        continue;
      }
      db.close();
      throw sqliteError(err, `cannot set up ${file}`);
    }
  }
}

const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

function isBusy(err: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)/.test((err as { code?: string }).code ?? '');
}

/** SQLite and file-system failures become domain errors; MailErrors pass through. */
export function sqliteError(err: unknown, what: string): Error {
  if (err instanceof MailError) return err;
  const code = (err as { code?: string }).code ?? '';
  if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return new MailError('InUse', `${what}: database busy`, { code });
  if (/^SQLITE_(FULL|IOERR|CANTOPEN|READONLY|PERM|NOMEM)/.test(code)) return new MailError('Temp', `${what}: ${code}`, { code });
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) return new MailError('Temp', `${what}: database damaged, run reconstruct`, { code });
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * One transaction function per database that runs the function it is given: better-sqlite3's
 * db.transaction(fn) builds five wrappers each time, which showed in the profile of every command.
 */
const runners = new WeakMap<Db, Database.Transaction<(fn: () => unknown) => unknown>>();

function runner(db: Db): Database.Transaction<(fn: () => unknown) => unknown> {
  let run = runners.get(db);
  if (run === undefined) {
    run = db.transaction((fn: () => unknown) => fn());
    runners.set(db, run);
  }
  return run;
}

/** Run `fn` in a BEGIN IMMEDIATE transaction (the write lock), mapping errors. */
export function writeTransaction<T>(db: Db, what: string, fn: () => T): T {
  try {
    return runner(db).immediate(fn) as T;
  } catch (err) {
    throw sqliteError(err, what);
  }
}

/** Run `fn` in a read transaction: one consistent snapshot, never waits on writers (WAL). */
export function readTransaction<T>(db: Db, what: string, fn: () => T): T {
  try {
    return runner(db).deferred(fn) as T;
  } catch (err) {
    throw sqliteError(err, what);
  }
}

/**
 * `PRAGMA synchronous = NORMAL | FULL` from statements prepared once per database: the group
 * commits (STORE, EXPUNGE, APPEND, seen.db) switch it around every write, and db.pragma() prepares
 * a new statement each call (a few percent of a worker's time under imap-load).
 */
const synchronousStatements = new WeakMap<Db, { NORMAL: Database.Statement; FULL: Database.Statement }>();

export function setSynchronous(db: Db, level: 'NORMAL' | 'FULL'): void {
  let stmts = synchronousStatements.get(db);
  if (stmts === undefined) {
    stmts = { NORMAL: db.prepare('PRAGMA synchronous = NORMAL'), FULL: db.prepare('PRAGMA synchronous = FULL') };
    synchronousStatements.set(db, stmts);
  }
  stmts[level].run();
}

/** The busy timeout switched off and back, from statements prepared once per database. */
const busyStatements = new WeakMap<Db, { off: Database.Statement; restore: Database.Statement }>();

/**
 * `fn` with SQLite's busy handler off: a lock held by another connection fails at once (MailError
 * InUse) instead of sleeping on the event loop every session of the process shares; the caller
 * tries again later, off the loop.
 */
export function withoutBusyWait<T>(db: Db, fn: () => T): T {
  let stmts = busyStatements.get(db);
  if (stmts === undefined) {
    const ms = db.pragma('busy_timeout', { simple: true }) as number;
    stmts = { off: db.prepare('PRAGMA busy_timeout = 0'), restore: db.prepare(`PRAGMA busy_timeout = ${ms}`) };
    busyStatements.set(db, stmts);
  }
  stmts.off.run();
  try {
    return fn();
  } finally {
    stmts.restore.run();
  }
}
