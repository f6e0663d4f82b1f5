/**
 * File-system helpers of a mailbox directory: durable writes, directory fsync, message file
 * names ("<uid>."), temp files (".tmp-<pid>-<random>") and the mapping of errno to MailError.
 * Mailbox name components never contain ".", so none of these names can collide with the
 * directory of a child mailbox.
 */
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { MailError } from '../common/errors.js';
import { processAlive } from '../common/process.js';

export const INDEX_FILE = 'cyrus.index';
export const HEADER_FILE = 'cyrus.header';

export function messageFileName(uid: number): string {
  return `${uid}.`;
}

/** The uid of a message file name, or null. */
export function uidOfFileName(name: string): number | null {
  const m = /^([1-9][0-9]{0,9})\.$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** Random per process (a pid can be reused), then a counter: one random draw per process, not per file. */
let tempPrefix: string | null = null;
let tempCounter = 0;

/**
 * `dir` with the path separator after it, to which plain file names (messageFileName, tempFileName)
 * are appended: path.join per file normalised the whole path again, once per message of a MULTIAPPEND.
 */
export function dirPrefix(dir: string): string {
  return join(dir, '-').slice(0, -1);
}

export function tempFileName(): string {
  tempPrefix ??= `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  return `${tempPrefix}${(tempCounter++).toString(16)}`;
}

/** The pid that made a temp file, or null when `name` is not one. */
export function pidOfTempFile(name: string): number | null {
  const m = /^\.tmp-(\d+)-[0-9a-f]+$/.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * How long a temp file may sit untouched before it counts as a leftover even though a process
 * with its pid runs (the writer died and the pid was given to another process since).
 */
const TEMP_FILE_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Whether `name` in `dir` is a temp file left by a writer that is gone: its pid is dead, or it
 * is a day old. A temp file of a live writer (an append in flight) is not a leftover.
 */
export function isLeftoverTemp(dir: string, name: string, now = Date.now()): boolean {
  const pid = pidOfTempFile(name);
  if (pid === null) return false;
  if (!processAlive(pid)) return true;
  try {
    return now - fs.statSync(join(dir, name)).mtimeMs > TEMP_FILE_MAX_AGE_MS;
  } catch {
    return false;
  }
}

/** Remove the leftover temp files among `names` (the listing of `dir`); returns the names removed. */
export function removeLeftoverTemps(dir: string, names: readonly string[]): string[] {
  const removed: string[] = [];
  const now = Date.now();
  for (const name of names) {
    if (!isLeftoverTemp(dir, name, now)) continue;
    fs.rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

const TEMP_ERRNO = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'EIO', 'EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY']);

/** A file-system failure as a domain error: a full or unwritable partition is Temp. */
export function fsError(err: unknown, what: string): Error {
  if (err instanceof MailError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'ENOENT') return new MailError('NotFound', `${what}: not found`, { code });
  if (TEMP_ERRNO.has(code)) return new MailError('Temp', `${what}: ${code}`, { code });
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * A failure to read the file of a message the index lists. A missing file is not "no such
 * mailbox": the index and the files disagree, a server-side inconsistency that reconstruct
 * repairs, so it is Temp (IMAP NO [UNAVAILABLE]) with the detail for the log.
 */
export function messageFileError(err: unknown, uid: number | null, what: string): Error {
  if (err instanceof MailError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'ENOENT') {
    return new MailError('Temp', `${what}: message file missing (index and files disagree; run reconstruct)`, { code, uid, inconsistency: true });
  }
  return fsError(err, what);
}

export function fsyncDirectory(dir: string, durable: boolean): void {
  if (!durable) return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsync (or fdatasync) an open descriptor on the thread pool (one round trip; the event loop goes on meanwhile). */
function fsyncFd(fd: number, how: SyncHow = 'fsync'): Promise<void> {
  return new Promise((resolve, reject) => (how === 'fdatasync' ? fs.fdatasync : fs.fsync)(fd, (err) => (err ? reject(err) : resolve())));
}

/**
 * How a path is synced: a directory with fsync; a file whose data is what matters (a WAL) with
 * fdatasync, which writes what reading the data back needs (its size among it) but not the
 * timestamps: a WAL that SQLite reuses from its start after a checkpoint keeps its size, and its
 * inode then needs no write of its own at each commit.
 */
export type SyncHow = 'fsync' | 'fdatasync';

/**
 * Open flags of a new message file. When durable, O_DSYNC makes each write return only once its
 * data (and the size and block map that reach it) are on disk, as write + fdatasync would: one trip
 * to the thread pool for both instead of two. Without O_DSYNC on the platform, an fsync follows.
 */
const NEW_FILE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL;
const O_DSYNC: number | undefined = fs.constants.O_DSYNC;

/**
 * Create `file` (must not exist) with `data`, on disk before `done` is called when durable. Opening
 * and writing run on the thread pool: creating a file waits on the file system's journal, which a
 * disk busy with fsyncs holds for milliseconds at a time; on the event loop that wait would stop the
 * parsing of the other messages of a MULTIAPPEND and every other session of the process. Closing a
 * file whose data is already on disk does not wait, and runs here (one pool round trip fewer).
 *
 * Plain callbacks, no promise per step: a MULTIAPPEND starts one of these per message, and the
 * promise of each step (with the async function around it) was a tenth of the main thread's work
 * per message; the caller waits once for the whole command (prepareMessages).
 */
export function startNewFile(file: string, data: Buffer, durable: boolean, done: (err: NodeJS.ErrnoException | null) => void): void {
  const syncedWrites = durable && O_DSYNC !== undefined;
  const flags = syncedWrites ? NEW_FILE_FLAGS | O_DSYNC! : NEW_FILE_FLAGS;
  fs.open(file, flags, 0o600, (openErr, fd) => {
    if (openErr) {
      done(openErr);
      return;
    }
    const finish = (err: NodeJS.ErrnoException | null): void => {
      try {
        fs.closeSync(fd);
      } catch (closeErr) {
        err ??= closeErr as NodeJS.ErrnoException;
      }
      done(err);
    };
    let written = 0;
    const next = (err: NodeJS.ErrnoException | null, n: number): void => {
      if (err) return finish(err);
      written += n;
      if (written < data.length) fs.write(fd, data, written, data.length - written, null, next);
      else if (durable && !syncedWrites) fs.fsync(fd, finish);
      else finish(null);
    };
    if (data.length === 0) next(null, 0);
    else fs.write(fd, data, 0, data.length, null, next);
  });
}

/** startNewFile as a promise. */
export function writeNewFile(file: string, data: Buffer, durable: boolean): Promise<void> {
  return new Promise((resolve, reject) => startNewFile(file, data, durable, (err) => (err ? reject(err) : resolve())));
}

/**
 * fsync files and directories (by path) together on the thread pool: what a commit made without
 * waiting for the disk (Mailbox.append: the directory of the renamed message files and the index's
 * WAL) is on disk once this resolves. A path that is gone (a WAL removed by a checkpoint on close)
 * has nothing left to sync.
 *
 * Group commit across the sessions of a process: the commits of several sessions on one mailbox
 * (its WAL, its directory) share fsyncs. An fsync covers what was written before it started, so a
 * caller that finds one under way for its path waits for it and then for the next one, started
 * once it is over and shared by every caller that came meanwhile.
 */
export async function fsyncPaths(paths: readonly string[], durable: boolean, how: SyncHow = 'fsync'): Promise<void> {
  if (!durable) return;
  await Promise.all(paths.map((path) => syncQueue(path, how).sync()));
}

/** How many fsyncs fsyncPaths started and finished (tests and diagnostics). */
export const pathSyncs = { started: 0, finished: 0 };

/**
 * Paths whose descriptor for fsync is kept open while something holds them (holdSyncPath): the
 * WAL of an open index (its inode stays the same while the connection is open: SQLite removes a
 * WAL only when the last connection to it closes) and the directory of an open mailbox. Each group
 * commit then fsyncs without an open and a close on the event loop (two system calls per path,
 * two or three paths per APPEND).
 */
const heldPaths = new Map<string, { holders: number; fd: number | null; syncing: number }>();

/** Keep the fsync descriptor of `path` open until the matching releaseSyncPath (counted per path). */
export function holdSyncPath(path: string): void {
  const held = heldPaths.get(path);
  if (held !== undefined) held.holders++;
  else heldPaths.set(path, { holders: 1, fd: null, syncing: 0 });
}

export function releaseSyncPath(path: string): void {
  const held = heldPaths.get(path);
  if (held === undefined || --held.holders > 0) return;
  heldPaths.delete(path);
  // An fsync under way closes it when it ends.
  if (held.fd !== null && held.syncing === 0) fs.closeSync(held.fd);
  held.fd = null;
}

/** Open descriptors kept for fsync (tests). */
export function heldSyncDescriptors(): number {
  let n = 0;
  for (const held of heldPaths.values()) if (held.fd !== null) n++;
  return n;
}

/** fsync one path now: open (or the descriptor kept for it), fsync (or fdatasync) on the thread pool, close (unless kept). */
async function fsyncPathNow(path: string, how: SyncHow): Promise<void> {
  const held = heldPaths.get(path);
  let fd: number;
  if (held !== undefined && held.fd !== null) fd = held.fd;
  else {
    try {
      fd = fs.openSync(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    if (held !== undefined) held.fd = fd;
  }
  if (held !== undefined) held.syncing++;
  pathSyncs.started++;
  try {
    await fsyncFd(fd, how);
    pathSyncs.finished++;
  } finally {
    if (held === undefined) fs.closeSync(fd);
    else if (--held.syncing === 0 && held.holders <= 0) {
      // Released meanwhile.
      fs.closeSync(fd);
      held.fd = null;
    }
  }
}

/** The fsync of one path under way and the one its later callers wait for. */
class PathSyncQueue {
  private inFlight: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(
    private readonly path: string,
    private readonly how: SyncHow,
  ) {}

  get idle(): boolean {
    return this.inFlight === null && this.next === null;
  }

  sync(): Promise<void> {
    if (this.inFlight === null) return this.start();
    // The fsync under way may have started before the caller's change reached the file.
    this.next ??= this.inFlight.then(noop, noop).then(() => {
      this.next = null;
      return this.start();
    });
    return this.next;
  }

  private start(): Promise<void> {
    const run: Promise<void> = fsyncPathNow(this.path, this.how).finally(() => {
      if (this.inFlight === run) this.inFlight = null;
      if (this.idle) syncQueues.delete(this.path);
    });
    this.inFlight = run;
    return run;
  }
}

function noop(): void {}

const syncQueues = new Map<string, PathSyncQueue>();

function syncQueue(path: string, how: SyncHow): PathSyncQueue {
  let queue = syncQueues.get(path);
  if (queue === undefined) syncQueues.set(path, (queue = new PathSyncQueue(path, how)));
  return queue;
}

/** Replace `file` atomically: write a temp file, fsync, rename, fsync the directory. */
export function replaceFileSync(dir: string, name: string, data: string | Buffer, durable: boolean): void {
  const temp = join(dir, tempFileName());
  try {
    const fd = fs.openSync(temp, 'wx', 0o600);
    try {
      fs.writeFileSync(fd, data);
      if (durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, join(dir, name));
    fsyncDirectory(dir, durable);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw fsError(err, `write ${name}`);
  }
}

/**
 * Put a copy of `source` at `target` (which must not exist): a hard link when both are on one
 * device (single-instance store), else a byte copy, fsynced when durable.
 */
export function linkOrCopySync(source: string, target: string, durable: boolean): 'linked' | 'copied' {
  try {
    fs.linkSync(source, target);
    return 'linked';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP') throw err;
  }
  fs.copyFileSync(source, target, fs.constants.COPYFILE_EXCL);
  if (durable) {
    const fd = fs.openSync(target, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
  return 'copied';
}

/** Remove a mailbox's own files (not child mailbox directories), then the directory if empty. */
export function removeMailboxFiles(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw fsError(err, 'remove mailbox files');
  }
  for (const name of names) {
    if (name.startsWith('cyrus.') || uidOfFileName(name) !== null || pidOfTempFile(name) !== null) {
      fs.rmSync(join(dir, name), { force: true });
    }
  }
  try {
    fs.rmdirSync(dir);
  } catch {
    // Not empty: child mailboxes live below.
  }
}

/** Remove empty directories from `dir` up to (not including) `stop`. */
export function pruneEmptyDirectories(dir: string, stop: string): void {
  let current = dir;
  while (current.startsWith(stop) && current !== stop && current.length > stop.length) {
    try {
      fs.rmdirSync(current);
    } catch {
      return;
    }
    current = join(current, '..');
  }
}
