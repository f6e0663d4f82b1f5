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
  /**
   * Every access of this connection copes with SQLITE_BUSY itself (writeTransaction, readTransaction,
   * changeMarks, readWithWaits): from its first write transaction on, its busy timeout stays 0 and
   * the waits are ours (see ownBusyWaits), instead of two busy_timeout PRAGMAs around every BEGIN
   * IMMEDIATE. Only for databases whose writes all go through writeTransaction once one has run.
   */
  ownBusyWaits?: boolean;
  /**
   * SQLite's automatic WAL checkpoint is off (it ran inside whichever commit found the WAL long,
   * fsyncs and all: the \Recent claim after an IDLE push, or an append before it told anyone):
   * writeTransaction checkpoints on a later turn after a commit instead, when due (checkpointLater).
   */
  checkpointAfterCommit?: boolean;
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
  try {
    return retryWhileBusy(() => {
      if (!opts.readonly) db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.durable ? 'FULL' : 'OFF'}`);
      synchronousStates.set(db, { base: opts.durable ? 'FULL' : 'OFF', current: opts.durable ? 'FULL' : 'OFF', stmts: null });
      db.pragma(`cache_size = -${opts.cacheKiB ?? 256}`);
      pageCacheKiB.set(db, opts.cacheKiB ?? 256);
      db.pragma('temp_store = MEMORY');
      if (opts.ownBusyWaits === true) ownBusyWaits.add(db);
      if (opts.checkpointAfterCommit === true && !opts.readonly) {
        db.pragma('wal_autocheckpoint = 0');
        checkpointPages.set(db, CHECKPOINT_PAGES);
      }
      return db;
    }, opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS);
  } catch (err) {
    db.close();
    throw sqliteError(err, `cannot set up ${file}`);
  }
}

/**
 * Run `fn` (setting up a connection: PRAGMAs, CREATE ... IF NOT EXISTS) again while it fails with
 * SQLITE_BUSY, for up to `ms`: the first connections of several processes to a new database (a
 * journal_mode switch to WAL) may be refused at once, without SQLite's busy handler.
 */
export function retryWhileBusy<T>(fn: () => T, ms: number): T {
  const giveUpAt = Date.now() + ms;
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    try {
      return fn();
    } catch (err) {
      if (!isBusy(err) || Date.now() >= giveUpAt) throw err;
      Atomics.wait(SLEEPER, 0, 0, pause);
    }
  }
}

const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

/** The page cache budget each connection was opened with (openDb's cacheKiB), in KiB. */
const pageCacheKiB = new WeakMap<Db, number>();

/**
 * Run `body` (a write transaction, whole) with the page cache of `db` at `kib` KiB at least, then
 * give the connection its own budget back (SQLite frees the pages above it). A transaction that
 * writes more pages than the cache holds spills them to the WAL before its commit and writes the
 * ones it changes again after that once more: a MULTIAPPEND of 100 bench messages (some 240 KB of
 * rows) into an index with a 128 KiB cache paid about a fifth more CPU for its inserts than with
 * room for them all (45 against 36 µs a message, in process).
 */
export function withPageCache<T>(db: Db, kib: number, body: () => T): T {
  const own = pageCacheKiB.get(db);
  if (own === undefined || kib <= own) return body();
  db.pragma(`cache_size = -${Math.ceil(kib)}`);
  try {
    return body();
  } finally {
    db.pragma(`cache_size = -${own}`);
  }
}

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

/**
 * Databases opened with ownBusyWaits. A busy timeout is read by SQLite at every lock it finds taken,
 * reads included; writeTransaction sets it to 0 around each BEGIN IMMEDIATE and back after (two
 * PRAGMAs, which SQLite compiles again at every run: some 5 µs, a fifth of a STORE's transaction).
 * For these the timeout stays 0 once the first write transaction ran, and each place that may
 * meet a lock waits in our pauses: the BEGIN IMMEDIATE here; a read, which in WAL mode meets one only
 * while another connection rebuilds the WAL index (after a crash), at the start of its transaction
 * (readTransaction, changeMarks, readWithWaits). Until then (opening, a schema upgrade, first reads)
 * SQLite's busy handler waits as for any database.
 */
const ownBusyWaits = new WeakSet<Db>();

/** The busy timeout of a database (read once) and the statements that switch it off and back. */
interface BusyControl {
  ms: number;
  off: Database.Statement;
  restore: Database.Statement;
  /** Inside withoutBusyWait: a write lock found taken fails at once. */
  noWait: boolean;
  /** The timeout stays 0 and every wait is ours (ownBusyWaits). */
  own: boolean;
}

const busyControls = new WeakMap<Db, BusyControl>();

function busyControl(db: Db): BusyControl {
  let control = busyControls.get(db);
  if (control === undefined) {
    const ms = db.pragma('busy_timeout', { simple: true }) as number;
    const own = ownBusyWaits.has(db);
    control = { ms, ...primedSettings(db, 'PRAGMA busy_timeout = 0', `PRAGMA busy_timeout = ${ms}`), noWait: false, own };
    // Priming left the timeout at `ms`.
    if (own) control.off.run();
    busyControls.set(db, control);
  }
  return control;
}

/** Whether the busy timeout of `db` is 0 for good and its waits are ours. */
export function waitsOwnBusy(db: Db): boolean {
  return busyControls.get(db)?.own === true;
}

/** First pause after a write lock was found taken, and the longest, in ms. */
const LOCK_PAUSE_FIRST_MS = 0.05;
const LOCK_PAUSE_MAX_MS = 2;

/**
 * Run `fn` in a BEGIN IMMEDIATE transaction (the write lock), mapping errors.
 *
 * The write lock is taken with SQLite's busy handler off and waited for here: that handler sleeps
 * 1, 2, 5, 10, 15, 20, 25 ms... between tries, while the writers of these databases (an index
 * shared by two workers, seen.db and quotas.db shared by all) hold the lock for a fraction of a
 * millisecond. Measured under imap-load: a quota charge whose BEGIN met the other worker's lock
 * took 8 ms on average, the event loop of every session of the process stopped meanwhile. Here the
 * pauses start at 50 µs and double up to 2 ms, until the database's busy timeout has passed.
 * Only the BEGIN is retried: an InUse thrown once `fn` runs (another database's lock) is the
 * caller's.
 */
export function writeTransaction<T>(db: Db, what: string, fn: () => T, opts?: WriteOptions): T {
  if (db.inTransaction || !checkpointPages.has(db)) return writeOnce(db, what, fn, opts);
  // checkpointAfterCommit: nothing runs in the commit; a later turn checkpoints when due.
  const result = writeOnce(db, what, fn, opts);
  if (opts?.noCheckpoint !== true) checkpointLater(db);
  return result;
}

function writeOnce<T>(db: Db, what: string, fn: () => T, opts: WriteOptions | undefined): T {
  const run = runner(db);
  const control = busyControl(db);
  if (!db.inTransaction) commitLevel(db, opts?.groupCommit === true);
  if (db.inTransaction || control.noWait) {
    try {
      return run.immediate(fn) as T;
    } catch (err) {
      throw sqliteError(err, what);
    }
  }
  let entered = false;
  const body = (): T => {
    entered = true;
    return fn();
  };
  let giveUpAt = 0;
  for (let pause = LOCK_PAUSE_FIRST_MS; ; pause = Math.min(pause * 2, LOCK_PAUSE_MAX_MS)) {
    if (!control.own) control.off.run();
    try {
      return run.immediate(body) as T;
    } catch (err) {
      if (entered || !isBusy(err)) throw sqliteError(err, what);
      giveUpAt ||= Date.now() + control.ms;
      if (Date.now() >= giveUpAt) throw sqliteError(err, what);
    } finally {
      if (!control.own) control.restore.run();
    }
    lockWaits.count++;
    Atomics.wait(SLEEPER, 0, 0, pause);
  }
}

/**
 * `read` (one statement, or a read transaction begun by its first statement) on a database whose
 * waits are ours (ownBusyWaits): run again after our pauses while it fails SQLITE_BUSY, until the
 * busy timeout has passed. A read is run again whole, so `read` must not change anything before its
 * first statement. Other databases wait in SQLite's busy handler: `read` runs once.
 */
export function readWithWaits<T>(db: Db, read: () => T): T {
  try {
    return read();
  } catch (err) {
    const control = waitsFor(db, err);
    if (control === null) throw err;
    return readAgain(control, read, err);
  }
}

/** The control of a database whose waits are ours when `err` is a lock a read may wait for. */
function waitsFor(db: Db, err: unknown): BusyControl | null {
  const control = busyControls.get(db);
  return isBusy(err) && control !== undefined && control.own && !control.noWait && !db.inTransaction ? control : null;
}

/** readWithWaits after its first try met a lock: pauses and tries until the busy timeout has passed. */
function readAgain<T>(control: BusyControl, read: () => T, first: unknown): T {
  const giveUpAt = Date.now() + control.ms;
  let last = first;
  for (let pause = LOCK_PAUSE_FIRST_MS; Date.now() < giveUpAt; pause = Math.min(pause * 2, LOCK_PAUSE_MAX_MS)) {
    lockWaits.count++;
    Atomics.wait(SLEEPER, 0, 0, pause);
    try {
      return read();
    } catch (err) {
      if (!isBusy(err)) throw err;
      last = err;
    }
  }
  throw last;
}

/** How many times a write lock was found taken and waited for (tests and diagnostics). */
export const lockWaits = { count: 0 };

/**
 * Whether a database may have changed since an earlier look, without a transaction: `dv`
 * (PRAGMA data_version) moves on every other connection's commit, `own` (total_changes()) on
 * every row this connection wrote. Equal marks: nothing was committed in between.
 */
export interface ChangeMarks {
  own: number;
  dv: number;
}

/**
 * Two statements prepared once per database: `PRAGMA data_version` compiles to one read of the
 * value, while the pragma_data_version table in a SELECT prepares its PRAGMA again at every run
 * (under imap-read-cpu a NOOP, whose sync reads the marks once, costs some 15 µs less server CPU).
 */
const marksStatements = new WeakMap<Db, { dv: Database.Statement<[], number>; own: Database.Statement<[], number> }>();

export function changeMarks(db: Db): ChangeMarks {
  let stmts = marksStatements.get(db);
  if (stmts === undefined) {
    stmts = { dv: db.prepare<[], number>('PRAGMA data_version').pluck(), own: db.prepare<[], number>('SELECT total_changes()').pluck() };
    marksStatements.set(db, stmts);
  }
  const { dv, own } = stmts;
  try {
    return { own: own.get()!, dv: dv.get()! };
  } catch (err) {
    // The PRAGMA outside a transaction is a read transaction of its own, which may meet a lock
    // (readWithWaits, without a closure on the way that finds none).
    const control = waitsFor(db, err);
    if (control === null) throw err;
    return readAgain(control, () => ({ own: own.get()!, dv: dv.get()! }), err);
  }
}

export function sameMarks(a: ChangeMarks, b: ChangeMarks): boolean {
  return a.own === b.own && a.dv === b.dv;
}

/** Run `fn` in a read transaction: one consistent snapshot, never waits on writers (WAL). */
export function readTransaction<T>(db: Db, what: string, fn: () => T): T {
  const run = runner(db);
  try {
    return readWithWaits(db, () => run.deferred(fn) as T);
  } catch (err) {
    throw sqliteError(err, what);
  }
}

/**
 * Two setting pragmas (`off`, then `restore`) prepared once for running again and again. SQLite
 * applies a setting pragma while it compiles it, and the first run of the statement that follows
 * does nothing; only later runs (which compile it again) apply it. So both are run once here, and
 * the setting is left as `restore` says. (Unprimed, the first switch of every database did not
 * happen: quotas.db stayed at synchronous FULL, an fsync on the event loop under the index lock for
 * every charge, and the first "without busy wait" of every index slept in the busy handler.)
 */
function primedSettings(db: Db, off: string, restore: string): { off: Database.Statement; restore: Database.Statement } {
  const stmts = { off: db.prepare(off), restore: db.prepare(restore) };
  stmts.off.run();
  stmts.restore.run();
  return stmts;
}

export interface WriteOptions {
  /**
   * A group commit: the commit does not wait for the disk (synchronous NORMAL: WAL commits stay
   * atomic and ordered, only not on disk yet); the caller fsyncs the WAL (fsyncPaths) before it
   * acknowledges anything. Only on a database opened durable whose level is FULL.
   */
  groupCommit?: boolean;
  /**
   * On a database opened with checkpointAfterCommit: the commit schedules no checkpoint (checkpointLater),
   * whatever the WAL's size; a later commit, or the caller, does: for a write on the path of something
   * waited for (the \Recent claim that follows an IDLE push), where a checkpoint's fsyncs took 6-9 ms
   * of the event loop.
   */
  noCheckpoint?: boolean;
}

/** Frames a WAL may hold beyond the database before a checkpoint is due (SQLite's default wal_autocheckpoint). */
const CHECKPOINT_PAGES = 1000;

/** Databases opened with checkpointAfterCommit, with the frames that make a checkpoint due. */
const checkpointPages = new WeakMap<Db, number>();

/** The frames that make a checkpoint of a checkpointAfterCommit database due (tests; SQLite's 1000 otherwise). */
export function setCheckpointPages(db: Db, pages: number): void {
  if (checkpointPages.has(db)) checkpointPages.set(db, pages);
}

/** Databases with a checkpointIfDue scheduled for the end of this turn. */
const checkpointsDue = new Set<Db>();

/**
 * What a checkpointAfterCommit connection wrote since its last checkpoint: commits, and
 * total_changes() then. The WAL's own frame count is in its -shm file, but that file must not be
 * opened beside SQLite: closing any descriptor of a file drops every POSIX lock the process holds
 * on it, SQLite's shared-memory lock among them, after which another process may rebuild the -shm
 * under this one's mapping (a first version that read it here killed processes with SIGBUS).
 */
interface CheckpointDebt {
  commits: number;
  changesAt: number;
  totalChanges: Database.Statement<[], number>;
}
const checkpointDebts = new WeakMap<Db, CheckpointDebt>();

function debtOf(db: Db): CheckpointDebt {
  let debt = checkpointDebts.get(db);
  if (debt === undefined) checkpointDebts.set(db, (debt = { commits: 0, changesAt: 0, totalChanges: db.prepare<[], number>('SELECT total_changes()').pluck() }));
  return debt;
}

/**
 * On a later turn (once per turn and database), checkpoint `db` when due (checkpointIfDue): after
 * a commit of a checkpointAfterCommit database, or after an append told its news (Mailbox.append,
 * whose commit runs none: the checkpoint would sit between the commit and the notification).
 */
export function checkpointLater(db: Db): void {
  if (!checkpointPages.has(db)) return;
  debtOf(db).commits++;
  if (checkpointsDue.has(db)) return;
  checkpointsDue.add(db);
  setImmediate(() => {
    checkpointsDue.delete(db);
    checkpointIfDue(db);
  });
}

/**
 * The checkpoint that commits of a checkpointAfterCommit database left: run now (PASSIVE: it waits
 * for nobody) once this connection wrote about as much as SQLite's automatic checkpoint waits for
 * (`pages` frames, CHECKPOINT_PAGES: counted as a fifth as many commits, or twice as many rows
 * changed, whichever comes first; an index append changes some six rows a message and dirties about
 * as many pages). Outside a transaction; a busy or failed checkpoint is left to the next. Returns
 * whether one ran.
 */
export function checkpointIfDue(db: Db): boolean {
  const pages = checkpointPages.get(db);
  if (pages === undefined || pages <= 0 || !db.open || db.inTransaction) return false;
  const debt = debtOf(db);
  const changes = debt.totalChanges.get()!;
  if (debt.commits < Math.max(1, pages / 5) && changes - debt.changesAt < 2 * pages) return false;
  debt.commits = 0;
  debt.changesAt = changes;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    return true;
  } catch {
    return false;
  }
}


/**
 * The synchronous level of a database: `base`, what every commit gets (openDb's, or as
 * setSynchronous set it), and `current`, what the connection has now. A group commit leaves the
 * connection at NORMAL; the next write that is not one sets `base` again before its BEGIN. So a
 * run of group commits (every APPEND, STORE and EXPUNGE of a busy mailbox) switches nothing: each
 * switch is a PRAGMA that SQLite compiles again at every run (7 µs a pair; four per APPEND before).
 */
type SyncLevel = 'OFF' | 'NORMAL' | 'FULL';

interface SynchronousState {
  base: SyncLevel;
  /** 'unknown': a database not opened by openDb, until set here. */
  current: SyncLevel | 'unknown';
  stmts: Record<'NORMAL' | 'FULL', Database.Statement> | null;
}

const synchronousStates = new WeakMap<Db, SynchronousState>();

function applyLevel(db: Db, state: SynchronousState, level: SyncLevel): void {
  if (state.current === level) return;
  if (level === 'OFF') db.pragma('synchronous = OFF');
  else {
    if (state.stmts === null) {
      const { off: NORMAL, restore: FULL } = primedSettings(db, 'PRAGMA synchronous = NORMAL', 'PRAGMA synchronous = FULL');
      // Priming left it at FULL.
      state.current = 'FULL';
      state.stmts = { NORMAL, FULL };
      if (level === 'FULL') return;
    }
    state.stmts[level].run();
  }
  state.current = level;
}

/** Before a transaction: the level its commit needs (see SynchronousState). */
function commitLevel(db: Db, groupCommit: boolean): void {
  const state = synchronousStates.get(db);
  if (state === undefined) return;
  applyLevel(db, state, groupCommit && state.base === 'FULL' ? 'NORMAL' : state.base);
}

/**
 * Set the level every commit of `db` gets from now on (quotas.db: NORMAL, its usage being derived
 * data; FULL around the changes of its limits). Outside a transaction.
 */
export function setSynchronous(db: Db, level: 'NORMAL' | 'FULL'): void {
  let state = synchronousStates.get(db);
  if (state === undefined) synchronousStates.set(db, (state = { base: level, current: 'unknown', stmts: null }));
  state.base = level;
  applyLevel(db, state, level);
}

/** The level the connection has now (tests). */
export function currentSynchronous(db: Db): SyncLevel | 'unknown' | null {
  return synchronousStates.get(db)?.current ?? null;
}

/**
 * `fn` with SQLite's busy handler off: a lock held by another connection fails at once (MailError
 * InUse) instead of sleeping on the event loop every session of the process shares; the caller
 * tries again later, off the loop.
 */
export function withoutBusyWait<T>(db: Db, fn: () => T): T {
  const control = busyControl(db);
  if (control.noWait) return fn();
  control.noWait = true;
  if (!control.own) control.off.run();
  try {
    return fn();
  } finally {
    if (!control.own) control.restore.run();
    control.noWait = false;
  }
}

/** The SQLite library this process links (through better-sqlite3): its version and whether it has FTS5. */
export function sqliteLibrary(): { version: string; fts5: boolean } {
  const db = new Database(':memory:');
  try {
    const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
    const options = (db.pragma('compile_options') as Array<{ compile_options: string }>).map((row) => row.compile_options);
    return { version, fts5: options.includes('ENABLE_FTS5') };
  } finally {
    db.close();
  }
}
