/**
 * Quota roots and their usage (quotas.db in configdirectory, SQLite, WAL): the one place a quota
 * is charged. A root is an internal mailbox name (it need not be a mailbox); every mailbox is
 * charged to its nearest root: itself or its closest ancestor that is a root. Mailboxes of a
 * delayed delete (DELETED.*) belong to no root: they are not charged.
 *
 * Resources: STORAGE (bytes used; the limit in KiB), MESSAGE, MAILBOX (Cyrus's X-NUM-FOLDERS).
 *
 * Exactness. Message charges are made by the Mailbox inside its index write lock, just before the
 * index commits (append: +, expunge: -); a failed commit refunds. quotas.db and the index are two
 * SQLite databases in WAL mode, which SQLite cannot commit as one, so a kill -9 between the two
 * commits leaves the root off by that one change (over-charged for an append, under for an
 * expunge): `quota -n` finds it, `quota -f` repairs it. MAILBOX is charged when a create
 * reserves its name and moved or released with the mailbox under its index lock (rename,
 * delete). A recount runs while the server works: it walks the root's mailboxes in name order,
 * reading each one's usage under that mailbox's index lock, and keeps a running tally in the
 * root's row ("scan" columns, as Cyrus's quota scan). A charge to a mailbox the walk already
 * passed is added to the tally too, so at the end the tally is exact and replaces the usage.
 */
import { MailError } from '../common/errors.js';
import { openDb, readTransaction, readWithWaits, setSynchronous, sqliteError, writeTransaction, type Db } from '../common/sqlite.js';
import { isWithin, parentName, splitName } from '../names/index.js';

export type QuotaResource = 'STORAGE' | 'MESSAGE' | 'MAILBOX';
export const QUOTA_RESOURCES: readonly QuotaResource[] = ['STORAGE', 'MESSAGE', 'MAILBOX'];

/**
 * How a charge is checked: strict (IMAP APPEND/COPY, LMTP with lmtp_strict_quota): refused when
 * it would exceed a limit; delivery (LMTP): refused only when the root is already at or over its
 * message limit or over its storage limit; ignore (IGNOREQUOTA, MOVE within a root, releases).
 */
export type QuotaMode = 'strict' | 'delivery' | 'ignore';

/** A change of usage (negative: a release). `storage` in bytes. */
export interface QuotaDelta {
  storage?: number;
  messages?: number;
  mailboxes?: number;
}

export interface QuotaUsage {
  /** Bytes. */
  storage: number;
  messages: number;
  mailboxes: number;
}

/** Limits: null is "no limit"; STORAGE in KiB. */
export type QuotaLimits = Record<QuotaResource, number | null>;

export interface QuotaRoot {
  root: string;
  limits: QuotaLimits;
  usage: QuotaUsage;
}

/** A root's usage before and after a recount. */
export interface QuotaRecount {
  root: string;
  before: QuotaUsage;
  after: QuotaUsage;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS roots (
  root TEXT PRIMARY KEY,
  storage_limit INTEGER,
  message_limit INTEGER,
  mailbox_limit INTEGER,
  storage_used INTEGER NOT NULL DEFAULT 0,
  message_used INTEGER NOT NULL DEFAULT 0,
  mailbox_used INTEGER NOT NULL DEFAULT 0,
  scan_upto TEXT,
  scan_storage INTEGER NOT NULL DEFAULT 0,
  scan_messages INTEGER NOT NULL DEFAULT 0,
  scan_mailboxes INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
`;

/** A row of the roots table as SQLite returns it (db-file.ts reads it for cyr_dbtool too). */
export interface RootRow {
  root: string;
  storage_limit: number | null;
  message_limit: number | null;
  mailbox_limit: number | null;
  storage_used: number;
  message_used: number;
  mailbox_used: number;
  scan_upto: string | null;
  scan_storage: number;
  scan_messages: number;
  scan_mailboxes: number;
}

const ROOT_COLUMNS = 'root, storage_limit, message_limit, mailbox_limit, storage_used, message_used, mailbox_used, scan_upto, scan_storage, scan_messages, scan_mailboxes';

function rootRow(r: unknown[]): RootRow {
  return {
    root: r[0] as string, storage_limit: r[1] as number | null, message_limit: r[2] as number | null, mailbox_limit: r[3] as number | null,
    storage_used: r[4] as number, message_used: r[5] as number, mailbox_used: r[6] as number, scan_upto: r[7] as string | null,
    scan_storage: r[8] as number, scan_messages: r[9] as number, scan_mailboxes: r[10] as number,
  };
}

const ZERO: QuotaUsage = { storage: 0, messages: 0, mailboxes: 0 };

function toRoot(row: RootRow): QuotaRoot {
  return {
    root: row.root,
    limits: { STORAGE: row.storage_limit, MESSAGE: row.message_limit, MAILBOX: row.mailbox_limit },
    usage: { storage: row.storage_used, messages: row.message_used, mailboxes: row.mailbox_used },
  };
}

/** The resource a charge of `delta` would take over its limit under `mode`, or null. */
export function exceededResource(row: QuotaRoot, delta: QuotaDelta, mode: QuotaMode): QuotaResource | null {
  if (mode === 'ignore') return null;
  const { limits, usage } = row;
  const storage = delta.storage ?? 0;
  const messages = delta.messages ?? 0;
  const mailboxes = delta.mailboxes ?? 0;
  if (limits.STORAGE !== null && storage > 0) {
    const limit = limits.STORAGE * 1024;
    if (mode === 'strict' ? usage.storage + storage > limit : usage.storage > limit) return 'STORAGE';
  }
  if (limits.MESSAGE !== null && messages > 0 && usage.messages + messages > limits.MESSAGE) return 'MESSAGE';
  if (limits.MAILBOX !== null && mailboxes > 0 && usage.mailboxes + mailboxes > limits.MAILBOX) return 'MAILBOX';
  return null;
}

/** How many mailboxes with a root QuotaStore.charge remembers (then it starts over). */
const CHARGED_KEPT = 10_000;

export class QuotaStore {
  private readonly db: Db;
  private readonly stmts;
  /** Mailboxes charged to a root before by this process (see charge). */
  private readonly charged = new Set<string>();
  /**
   * The root of a mailbox as this process last read or charged it (limits and usage then), or null
   * when none covered it: what precheck passes from without reading quotas.db.
   */
  private readonly lastSeen = new Map<string, QuotaRoot | null>();

  /** `deletedPrefix`: the top-level name of delayed deletes (deletedprefix), never charged. */
  constructor(file: string, private readonly durable: boolean, private readonly deletedPrefix = 'DELETED') {
    // Every access goes through writeTransaction, readTransaction or readWithWaits (nearest).
    this.db = openDb(file, { durable, ownBusyWaits: true });
    // Usage is derived data (quota -f recounts it): charges commit without their own fsync
    // (WAL, synchronous NORMAL: survives a process crash, may lose the last charges on power
    // loss). Limits are not derived: setting them is fsynced (see durably()).
    if (durable) setSynchronous(this.db, 'NORMAL');
    try {
      this.db.exec(SCHEMA);
    } catch (err) {
      this.db.close();
      throw sqliteError(err, 'quotas.db');
    }
    this.stmts = {
      get: this.db.prepare<[string], RootRow>('SELECT * FROM roots WHERE root = ?'),
      getRaw: this.db.prepare<[string], unknown[]>(`SELECT ${ROOT_COLUMNS} FROM roots WHERE root = ?`).raw(true),
      all: this.db.prepare<[], RootRow>('SELECT * FROM roots ORDER BY root'),
      insert: this.db.prepare<[string]>('INSERT OR IGNORE INTO roots (root) VALUES (?)'),
      setLimits: this.db.prepare<[number | null, number | null, number | null, string]>('UPDATE roots SET storage_limit = ?, message_limit = ?, mailbox_limit = ? WHERE root = ?'),
      remove: this.db.prepare<[string]>('DELETE FROM roots WHERE root = ?'),
      add: this.db.prepare<[number, number, number, string]>('UPDATE roots SET storage_used = storage_used + ?, message_used = message_used + ?, mailbox_used = mailbox_used + ? WHERE root = ?'),
      addScan: this.db.prepare<[number, number, number, string]>('UPDATE roots SET scan_storage = scan_storage + ?, scan_messages = scan_messages + ?, scan_mailboxes = scan_mailboxes + ? WHERE root = ?'),
      beginScan: this.db.prepare<[string]>("UPDATE roots SET scan_upto = '', scan_storage = 0, scan_messages = 0, scan_mailboxes = 0 WHERE root = ?"),
      scanUpto: this.db.prepare<[string, string]>('UPDATE roots SET scan_upto = ? WHERE root = ?'),
      endScan: this.db.prepare<[string]>('UPDATE roots SET scan_upto = NULL WHERE root = ?'),
      setUsage: this.db.prepare<[number, number, number, string]>('UPDATE roots SET storage_used = ?, message_used = ?, mailbox_used = ? WHERE root = ?'),
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Every root in name order (with `filter`, only those it accepts). */
  roots(filter?: (root: string) => boolean): QuotaRoot[] {
    return readTransaction(this.db, 'quotas.db list', () => this.stmts.all.all().filter((r) => !filter || filter(r.root)).map(toRoot));
  }

  get(root: string): QuotaRoot | null {
    const row = readTransaction(this.db, 'quotas.db read', () => this.stmts.get.get(root));
    return row ? toRoot(row) : null;
  }

  /** Whether `name` can be charged at all (not a delayed delete's DELETED.* mailbox). */
  isCharged(name: string): boolean {
    return splitName(name).components[0] !== this.deletedPrefix;
  }

  /**
   * The row of the nearest root of mailbox `name` (itself or its closest ancestor that is a root),
   * or null. Rows are read as arrays (rootRow): better-sqlite3's object rows cost twice as much.
   */
  private nearest(name: string): RootRow | null {
    if (!this.isCharged(name)) return null;
    let row: RootRow | null;
    try {
      row = readWithWaits(this.db, () => {
        for (let candidate: string | null = name; candidate !== null; candidate = parentName(candidate)) {
          const raw = this.stmts.getRaw.get(candidate);
          if (raw !== undefined) return rootRow(raw);
        }
        return null;
      });
    } catch (err) {
      throw sqliteError(err, 'quotas.db read');
    }
    this.remember(name, row === null ? null : toRoot(row));
    return row;
  }

  private remember(name: string, root: QuotaRoot | null): void {
    if (this.lastSeen.size >= CHARGED_KEPT && !this.lastSeen.has(name)) this.lastSeen.clear();
    this.lastSeen.set(name, root);
  }

  /** The nearest root of mailbox `name` (itself or its closest ancestor that is a root), or null. */
  rootOf(name: string): string | null {
    return this.nearest(name)?.root ?? null;
  }

  /** The root of `name` with its limits and usage, or null when no root covers it. */
  quotaOf(name: string): QuotaRoot | null {
    const row = this.nearest(name);
    return row === null ? null : toRoot(row);
  }

  /** Whether two mailboxes are charged to the same root (null = none: also the same). */
  sameRoot(a: string, b: string): boolean {
    return readTransaction(this.db, 'quotas.db read', () => this.rootOf(a) === this.rootOf(b));
  }

  /** Throw OverQuota when charging `delta` to mailbox `name` would be refused under `mode`; changes nothing. */
  check(name: string, delta: QuotaDelta, mode: QuotaMode): void {
    const quota = this.quotaOf(name);
    if (quota) this.refuseIfExceeded(quota, delta, mode);
  }

  /**
   * check() before the message of an IMAP APPEND is written, where the charge that follows in the
   * index transaction (charge) decides: passes without reading quotas.db when the root as this
   * process last read or charged it has room for `delta`, else reads it as check() does. So it may
   * pass a message the charge then refuses (another process took the room meanwhile; the message
   * file is written for nothing), never refuse one the root has room for.
   */
  precheck(name: string, delta: QuotaDelta, mode: QuotaMode): void {
    const seen = this.lastSeen.get(name);
    if (seen !== undefined && (seen === null || exceededResource(seen, delta, mode) === null)) return;
    this.check(name, delta, mode);
  }

  private refuseIfExceeded(quota: QuotaRoot, delta: QuotaDelta, mode: QuotaMode): void {
    const resource = exceededResource(quota, delta, mode);
    // The text reaches clients: the resource only, the root (an internal name) in the detail.
    if (resource !== null) throw new MailError('OverQuota', `Over quota (${resource})`, { quotaRoot: quota.root, resource });
  }

  /**
   * THE charge: add `delta` to the root of mailbox `name` (nothing when none), refused with
   * OverQuota under `mode`. Returns the root charged. For messages, call it inside the mailbox's
   * index write lock (the Mailbox does); releases (negative deltas) are never refused.
   */
  charge(name: string, delta: QuotaDelta, mode: QuotaMode): string | null {
    // No root: nothing to lock. (A root created meanwhile recounts this mailbox under its index
    // lock, which the caller holds, so the message is counted there.) A mailbox this process
    // charged before is looked up under the write lock only: one transaction instead of two.
    if (!this.charged.has(name) && this.nearest(name) === null) return null;
    return writeTransaction(this.db, 'quota charge', () => {
      const row = this.nearest(name);
      if (row === null) {
        this.charged.delete(name);
        return null;
      }
      if (this.charged.size >= CHARGED_KEPT) this.charged.clear();
      this.charged.add(name);
      const root = toRoot(row);
      this.refuseIfExceeded(root, delta, mode);
      this.apply(row, name, delta, 1);
      // The usage as this charge leaves it, for precheck (a charge that a failed index commit
      // undoes is refunded by another charge; one inside a caller's transaction that rolls back
      // leaves a usage above the true one, which only makes precheck read).
      const { usage } = root;
      this.remember(name, { ...root, usage: { storage: usage.storage + (delta.storage ?? 0), messages: usage.messages + (delta.messages ?? 0), mailboxes: usage.mailboxes + (delta.mailboxes ?? 0) } });
      return row.root;
    });
  }

  /** Move a mailbox's whole usage from the root of `from` to the root of `to` (rename; `to` null: delete). */
  moveMailbox(from: string, to: string | null, usage: QuotaUsage): void {
    writeTransaction(this.db, 'quota move', () => {
      const source = this.nearest(from);
      const target = to === null ? null : this.nearest(to);
      if (source?.root === target?.root) return;
      if (source !== null) this.apply(source, from, usage, -1);
      if (target !== null) this.apply(target, to!, usage, 1);
    });
  }

  private apply(row: RootRow, name: string, delta: QuotaDelta, sign: 1 | -1): void {
    const s = sign * (delta.storage ?? 0);
    const m = sign * (delta.messages ?? 0);
    const b = sign * (delta.mailboxes ?? 0);
    this.stmts.add.run(s, m, b, row.root);
    // A recount has already walked past this mailbox: its tally follows the charge.
    if (row.scan_upto !== null && name <= row.scan_upto) this.stmts.addScan.run(s, m, b, row.root);
  }

  /** Run an administrative change fsynced (synchronous FULL), as limits cannot be recounted. */
  private durably<T>(fn: () => T): T {
    if (!this.durable) return fn();
    setSynchronous(this.db, 'FULL');
    try {
      return fn();
    } finally {
      setSynchronous(this.db, 'NORMAL');
    }
  }

  /** Create `root` when missing and set its limits (null: no limit). Returns whether it is new. */
  setLimits(root: string, limits: QuotaLimits): boolean {
    this.lastSeen.clear();
    return this.durably(() => writeTransaction(this.db, 'set quota', () => {
      const created = this.stmts.insert.run(root).changes > 0;
      this.stmts.setLimits.run(limits.STORAGE, limits.MESSAGE, limits.MAILBOX, root);
      return created;
    }));
  }

  /** Remove a root; its mailboxes fall to the next root above (recount that one). */
  removeRoot(root: string): boolean {
    this.lastSeen.clear();
    return this.durably(() => writeTransaction(this.db, 'remove quota root', () => this.stmts.remove.run(root).changes > 0));
  }

  /** Rename every root at or below `from` (a user rename); `to` null removes them (a user delete). */
  moveRoots(from: string, to: string | null): string[] {
    this.lastSeen.clear();
    return this.durably(() => writeTransaction(this.db, 'move quota roots', () => {
      const moved: string[] = [];
      for (const row of this.stmts.all.all()) {
        if (!isWithin(row.root, from)) continue;
        moved.push(row.root);
        this.stmts.remove.run(row.root);
        if (to === null) continue;
        const name = to + row.root.slice(from.length);
        this.stmts.insert.run(name);
        this.stmts.setLimits.run(row.storage_limit, row.message_limit, row.mailbox_limit, name);
        this.stmts.setUsage.run(row.storage_used, row.message_used, row.mailbox_used, name);
      }
      return moved;
    }));
  }

  /** Start a recount of `root` (the walk's tally starts at zero, before every name). */
  beginScan(root: string): void {
    writeTransaction(this.db, 'quota scan', () => this.stmts.beginScan.run(root));
  }

  /** The walk reached mailbox `name` with this usage (call under that mailbox's index lock). */
  scanMailbox(root: string, name: string, usage: QuotaUsage): void {
    writeTransaction(this.db, 'quota scan', () => {
      this.stmts.addScan.run(usage.storage, usage.messages, usage.mailboxes, root);
      this.stmts.scanUpto.run(name, root);
    });
  }

  /** End a recount: the usage before and the tally; with `fix`, the tally becomes the usage. */
  endScan(root: string, fix: boolean): QuotaRecount | null {
    return writeTransaction(this.db, 'quota scan', () => {
      const row = this.stmts.get.get(root);
      if (!row) return null;
      const before = { storage: row.storage_used, messages: row.message_used, mailboxes: row.mailbox_used };
      const after = row.scan_upto === null ? before : { storage: row.scan_storage, messages: row.scan_messages, mailboxes: row.scan_mailboxes };
      if (fix) this.stmts.setUsage.run(after.storage, after.messages, after.mailboxes, root);
      this.stmts.endScan.run(root);
      return { root, before, after };
    });
  }
}

export function sameUsage(a: QuotaUsage, b: QuotaUsage): boolean {
  return a.storage === b.storage && a.messages === b.messages && a.mailboxes === b.mailboxes;
}

export { ZERO as NO_USAGE };
