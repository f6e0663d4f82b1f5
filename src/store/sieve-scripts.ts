/**
 * Users' Sieve scripts under `sievedir`, laid out as Cyrus 3.6 keeps them so that an existing
 * Cyrus sieve directory works here and back:
 *
 *   sievedir/<h>/<user>/NAME.script                          "fred" (h: dirHashLetter of the user)
 *   sievedir/domain/<d>/<domain>/<h>/<user>/NAME.script      "fred@example.com" (virtdomains on)
 *   .../defaultbc -> NAME.bc                                 the active script (Cyrus's marker)
 *
 * We read NAME.script; NAME.bc is Cyrus's compiled form, which we never write (a Cyrus pointed at
 * the directory compiles it). A script is replaced through a temporary file in the same directory
 * (fsync, rename, fsync of the directory). Errors are MailErrors: BadName (unsafe script name),
 * NotFound, Exists (rename onto a taken name), InUse (deleting the active script, detail.active),
 * OverQuota (detail.quota 'maxsize' | 'maxscripts'), Temp (the file system said try again).
 */
import {
  closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MailError } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/log.js';
import type { ImapdConfig } from '../config/index.js';
import { fsError, fsyncDirectory } from '../mailbox/index.js';
import { dirHashLetter } from './paths.js';

/** Cyrus's name for the symlink that marks the active script. */
export const ACTIVE_LINK = 'defaultbc';
/**
 * A file in a user's directory while an XFER moves the user to another backend: the scripts must
 * not change meanwhile (a dot file: never a script name). It is a file rather than a row of
 * mailboxes.db because timsieved, which changes scripts, opens no mailbox list.
 */
const XFER_MARK = '.xfer';
const SCRIPT_SUFFIX = '.script';
const BYTECODE_SUFFIX = '.bc';
/** How many users' active scripts a process keeps read. */
const MAX_KEPT_ACTIVE = 1000;
/** Longest script name, in UTF-8 bytes. */
export const MAX_SCRIPT_NAME_BYTES = 512;

export interface SieveScriptInfo {
  name: string;
  active: boolean;
}

export interface ActiveSieveScript {
  name: string;
  content: Buffer;
  /** Changes whenever the active script or its content changes (cache key for compiled scripts). */
  version: string;
}

export type SieveSpace = { ok: true } | { ok: false; reason: 'maxsize' | 'maxscripts' };

export interface SieveScriptStoreOptions {
  /** sievedir. */
  directory: string;
  /** sieve_maxscriptsize in bytes. */
  maxScriptSize: number;
  /** sieve_maxscripts. */
  maxScripts: number;
  /** Whether "user@domain" userids go below domain/ (virtdomains not off). */
  virtDomains: boolean;
  fullDirHash: boolean;
  /** fsync files and directories (fsync_disabled: no). */
  durable: boolean;
  logger?: Logger;
}

/**
 * Why a script name is refused, or null when it is fine: RFC 5804 allows any Unicode string
 * without control characters; we also refuse "/" and a leading "." so no name leaves the
 * user's directory or hides as a dot file.
 */
export function scriptNameProblem(name: string): string | null {
  if (name === '') return 'empty script name';
  if (Buffer.byteLength(name, 'utf8') > MAX_SCRIPT_NAME_BYTES) return 'script name too long';
  if (name.includes('/')) return 'script name contains "/"';
  if (name.startsWith('.')) return 'script name starts with "."';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) return 'script name contains a control character';
  if (/[\ud800-\udfff]/.test(name.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) return 'script name is not valid Unicode';
  return null;
}

function checkName(name: string): void {
  const problem = scriptNameProblem(name);
  if (problem !== null) throw new MailError('BadName', problem);
}

function errno(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? '';
}

export class SieveScriptStore {
  private readonly logger: Logger;
  /** The active scripts last read, by path, with their versions (active() reads a file again only when it changed). */
  private readonly lastActive = new Map<string, ActiveSieveScript>();

  constructor(readonly options: SieveScriptStoreOptions) {
    this.logger = options.logger ?? silentLogger();
  }

  static fromConfig(config: ImapdConfig, logger?: Logger): SieveScriptStore {
    const virt = (config.string('virtdomains') ?? 'off').toLowerCase();
    if (config.bool('sieveusehomedir')) {
      logger?.warn({ option: 'sieveusehomedir' }, 'sieveusehomedir is not supported: scripts are kept under sievedir');
    }
    return new SieveScriptStore({
      directory: config.path('sievedir') ?? '/usr/sieve',
      maxScriptSize: config.int('sieve_maxscriptsize') * 1024,
      maxScripts: config.int('sieve_maxscripts'),
      virtDomains: !['off', 'no', 'false', '0'].includes(virt),
      fullDirHash: config.bool('fulldirhash'),
      durable: !config.bool('fsync_disabled'),
      logger,
    });
  }

  /** The directory of a user's scripts (it may not exist yet). */
  userDirectory(userid: string): string {
    if (userid === '' || userid.includes('/') || userid.startsWith('.') || userid.includes('\0')) throw new MailError('BadName', 'unsafe userid');
    const { directory, fullDirHash } = this.options;
    const at = this.options.virtDomains ? userid.lastIndexOf('@') : -1;
    if (at > 0) {
      const user = userid.slice(0, at);
      const domain = userid.slice(at + 1);
      if (domain === '' || domain.startsWith('.')) throw new MailError('BadName', 'unsafe userid');
      return join(directory, 'domain', dirHashLetter(domain, fullDirHash), domain, dirHashLetter(user, fullDirHash), user);
    }
    return join(directory, dirHashLetter(userid, fullDirHash), userid);
  }

  private scriptPath(userid: string, name: string): string {
    checkName(name);
    return join(this.userDirectory(userid), name + SCRIPT_SUFFIX);
  }

  /** The name the defaultbc link points at, or null (no link, or a link we cannot read as NAME.bc). */
  private activeName(dir: string): string | null {
    let target: string;
    try {
      target = readlinkSync(join(dir, ACTIVE_LINK));
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'EINVAL') return null;
      throw fsError(err, 'sieve active link');
    }
    const base = target.slice(target.lastIndexOf('/') + 1);
    return base.endsWith(BYTECODE_SUFFIX) ? base.slice(0, -BYTECODE_SUFFIX.length) : null;
  }

  private names(dir: string): string[] {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch (err) {
      if (errno(err) === 'ENOENT') return [];
      throw fsError(err, 'sieve directory');
    }
    return entries
      .filter((e) => e.endsWith(SCRIPT_SUFFIX) && !e.startsWith('.'))
      .map((e) => e.slice(0, -SCRIPT_SUFFIX.length))
      .filter((n) => scriptNameProblem(n) === null)
      .sort();
  }

  /** The user's scripts in name order, with the active one marked. */
  list(userid: string): SieveScriptInfo[] {
    const dir = this.userDirectory(userid);
    const names = this.names(dir);
    const active = names.length > 0 ? this.activeName(dir) : null;
    return names.map((name) => ({ name, active: name === active }));
  }

  /** A script's content, or null when the user has none of that name. */
  get(userid: string, name: string): Buffer | null {
    try {
      return readFileSync(this.scriptPath(userid, name));
    } catch (err) {
      if (errno(err) === 'ENOENT') return null;
      throw fsError(err, 'sieve script');
    }
  }

  /**
   * The directories of global (site) scripts for `userid`, as Cyrus keeps them, in the order
   * `include :global` looks: the user's domain's (sievedir/domain/<h>/<domain>/global, virtual
   * domains only), then sievedir/global.
   */
  globalDirectories(userid: string): string[] {
    const { directory, fullDirHash } = this.options;
    const out: string[] = [];
    const at = this.options.virtDomains ? userid.lastIndexOf('@') : -1;
    const domain = at > 0 ? userid.slice(at + 1) : '';
    if (domain !== '' && !domain.startsWith('.') && !domain.includes('/')) {
      out.push(join(directory, 'domain', dirHashLetter(domain, fullDirHash), domain, 'global'));
    }
    out.push(join(directory, 'global'));
    return out;
  }

  /** A global script's content as `userid` sees it (include :global, RFC 6609), or null when there is none. */
  getGlobal(userid: string, name: string): Buffer | null {
    checkName(name);
    for (const dir of this.globalDirectories(userid)) {
      try {
        return readFileSync(join(dir, name + SCRIPT_SUFFIX));
      } catch (err) {
        if (errno(err) !== 'ENOENT' && errno(err) !== 'ENOTDIR') throw fsError(err, 'sieve global script');
      }
    }
    return null;
  }

  /** Whether a script of `size` bytes may be stored under `name` (a replacement is no new script). */
  haveSpace(userid: string, name: string, size: number): SieveSpace {
    checkName(name);
    if (size > this.options.maxScriptSize) return { ok: false, reason: 'maxsize' };
    const names = this.names(this.userDirectory(userid));
    if (!names.includes(name) && names.length >= this.options.maxScripts) return { ok: false, reason: 'maxscripts' };
    return { ok: true };
  }

  /**
   * An XFER moves `userid` away: from now on their scripts cannot change (InUse) until thawUser,
   * or until moveUser(userid, null) removes them here.
   */
  freezeUser(userid: string, xferId: string): void {
    const dir = this.userDirectory(userid);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.writeDurably(dir, XFER_MARK, Buffer.from(`${xferId}\n`));
    } catch (err) {
      throw fsError(err, 'sieve freeze');
    }
  }

  /** The XFER of `userid` ended without moving them: their scripts may change again. */
  thawUser(userid: string): void {
    const dir = this.userDirectory(userid);
    try {
      rmSync(join(dir, XFER_MARK), { force: true });
      fsyncDirectory(dir, this.options.durable);
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw fsError(err, 'sieve thaw');
    }
  }

  /** InUse while an XFER moves the user (see freezeUser). */
  private refuseIfFrozen(userid: string): void {
    if (this.exists(join(this.userDirectory(userid), XFER_MARK))) {
      throw new MailError('InUse', 'the user is being moved to another server; try again later', { moving: true });
    }
  }

  /** Store (or replace) a script durably; OverQuota when haveSpace says no. */
  put(userid: string, name: string, content: Buffer): void {
    this.refuseIfFrozen(userid);
    const space = this.haveSpace(userid, name, content.length);
    if (!space.ok) throw new MailError('OverQuota', `sieve ${space.reason}`, { quota: space.reason });
    const dir = this.userDirectory(userid);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.writeDurably(dir, name + SCRIPT_SUFFIX, content);
    } catch (err) {
      throw fsError(err, 'sieve script write');
    }
    this.logger.debug({ user: userid, script: name, size: content.length }, 'sieve script stored');
  }

  private writeDurably(dir: string, file: string, content: Buffer): void {
    const temp = join(dir, `.${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const fd = openSync(temp, 'wx', 0o600);
    try {
      let off = 0;
      while (off < content.length) off += writeSync(fd, content, off);
      if (this.options.durable) fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      rmSync(temp, { force: true });
      throw err;
    }
    closeSync(fd);
    try {
      renameSync(temp, join(dir, file));
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    }
    fsyncDirectory(dir, this.options.durable);
  }

  /** Make `name` the active script (null: none active). NotFound when there is no such script. */
  setActive(userid: string, name: string | null): void {
    this.refuseIfFrozen(userid);
    const dir = this.userDirectory(userid);
    try {
      if (name === null) {
        try {
          unlinkSync(join(dir, ACTIVE_LINK));
        } catch (err) {
          if (errno(err) !== 'ENOENT') throw err;
          return;
        }
        fsyncDirectory(dir, this.options.durable);
        return;
      }
      if (!this.exists(this.scriptPath(userid, name))) throw new MailError('NotFound', 'no such sieve script');
      // A new link beside the old one, renamed over it: never a moment without an active script.
      const temp = join(dir, `.${ACTIVE_LINK}.${process.pid}.${randomBytes(4).toString('hex')}`);
      symlinkSync(name + BYTECODE_SUFFIX, temp);
      try {
        renameSync(temp, join(dir, ACTIVE_LINK));
      } catch (err) {
        rmSync(temp, { force: true });
        throw err;
      }
      fsyncDirectory(dir, this.options.durable);
    } catch (err) {
      throw fsError(err, 'sieve activate');
    }
  }

  private exists(path: string): boolean {
    try {
      return statSync(path).isFile();
    } catch (err) {
      if (errno(err) === 'ENOENT') return false;
      throw fsError(err, 'sieve script');
    }
  }

  /** Remove a script; NotFound when missing, InUse (detail.active) when it is the active one. */
  delete(userid: string, name: string): void {
    this.refuseIfFrozen(userid);
    const path = this.scriptPath(userid, name);
    const dir = dirname(path);
    if (!this.exists(path)) throw new MailError('NotFound', 'no such sieve script');
    if (this.activeName(dir) === name) throw new MailError('InUse', 'the active sieve script cannot be deleted', { active: true });
    try {
      unlinkSync(path);
      rmSync(join(dir, name + BYTECODE_SUFFIX), { force: true });
      fsyncDirectory(dir, this.options.durable);
    } catch (err) {
      throw fsError(err, 'sieve delete');
    }
  }

  /** Rename a script (it stays active if it was); NotFound, Exists when `to` is taken. */
  rename(userid: string, from: string, to: string): void {
    this.refuseIfFrozen(userid);
    const fromPath = this.scriptPath(userid, from);
    const toPath = this.scriptPath(userid, to);
    const dir = dirname(fromPath);
    if (!this.exists(fromPath)) throw new MailError('NotFound', 'no such sieve script');
    if (from === to) return;
    if (this.exists(toPath)) throw new MailError('Exists', 'a sieve script of that name exists');
    const wasActive = this.activeName(dir) === from;
    try {
      renameSync(fromPath, toPath);
      // Cyrus's compiled form is stale under its old name: drop it, a Cyrus recompiles.
      rmSync(join(dir, from + BYTECODE_SUFFIX), { force: true });
      fsyncDirectory(dir, this.options.durable);
    } catch (err) {
      throw fsError(err, 'sieve rename');
    }
    if (wasActive) this.setActive(userid, to);
  }

  /** The active script with a version for caching, or null when none is active (or it is missing). */
  active(userid: string): ActiveSieveScript | null {
    const dir = this.userDirectory(userid);
    const name = this.activeName(dir);
    if (name === null || scriptNameProblem(name) !== null) return null;
    const path = join(dir, name + SCRIPT_SUFFIX);
    try {
      const stat = statSync(path);
      const version = `${name}\0${stat.ino}\0${stat.mtimeMs}\0${stat.ctimeMs}\0${stat.size}`;
      // The same file as last time: its content as read then (a replaced or edited file moves the
      // inode or the times, and the version with them).
      const kept = this.lastActive.get(path);
      if (kept !== undefined && kept.version === version) return kept;
      const content = readFileSync(path);
      const read = { name, content, version: `${name}\0${stat.ino}\0${stat.mtimeMs}\0${stat.ctimeMs}\0${content.length}` };
      this.lastActive.delete(path);
      this.lastActive.set(path, read);
      if (this.lastActive.size > MAX_KEPT_ACTIVE) this.lastActive.delete(this.lastActive.keys().next().value!);
      return read;
    } catch (err) {
      if (errno(err) === 'ENOENT') return null;
      throw fsError(err, 'sieve active script');
    }
  }

  /**
   * A new user's first script (autocreate_sieve_script): the file at `source` stored under its name
   * (the file's, without .script or .sieve) and made active, unless the user has scripts already.
   * Returns the name, or null when nothing was installed. NotFound when `source` cannot be read.
   */
  installDefault(userid: string, source: string): string | null {
    if (this.list(userid).length > 0) return null;
    let content: Buffer;
    try {
      content = readFileSync(source);
    } catch (err) {
      throw new MailError('NotFound', `cannot read ${source}: ${(err as Error).message}`);
    }
    const base = source.slice(source.lastIndexOf('/') + 1).replace(/\.(script|sieve)$/, '');
    const name = base === '' || scriptNameProblem(base) !== null ? 'default' : base;
    this.put(userid, name, content);
    this.setActive(userid, name);
    return name;
  }

  /**
   * A user's rename (`to`) or delete (`to` null): the scripts move with the user (the active mark
   * too) or go. Nothing to do when the user has none; Exists when `to` already has scripts.
   */
  moveUser(from: string, to: string | null): void {
    const fromDir = this.userDirectory(from);
    try {
      if (!lstatSync(fromDir).isDirectory()) return;
    } catch (err) {
      if (errno(err) === 'ENOENT') return;
      throw fsError(err, 'sieve user directory');
    }
    try {
      if (to === null) {
        rmSync(fromDir, { recursive: true, force: true });
        fsyncDirectory(dirname(fromDir), this.options.durable);
        this.logger.info({ user: from }, 'sieve scripts removed');
        return;
      }
      const toDir = this.userDirectory(to);
      if (this.names(toDir).length > 0) throw new MailError('Exists', `user ${to} already has sieve scripts`);
      rmSync(toDir, { recursive: true, force: true });
      mkdirSync(dirname(toDir), { recursive: true, mode: 0o700 });
      renameSync(fromDir, toDir);
      fsyncDirectory(dirname(toDir), this.options.durable);
      fsyncDirectory(dirname(fromDir), this.options.durable);
      this.logger.info({ from, to }, 'sieve scripts moved');
    } catch (err) {
      throw fsError(err, 'sieve move user');
    }
  }
}
