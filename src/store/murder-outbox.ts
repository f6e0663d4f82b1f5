/**
 * The Murder outbox in mailboxes.db: on a Murder backend every change of a local mailbox's place
 * in the list (create, delete, rename, ACL or partition change) leaves a row here, written by
 * MailboxList in the very transaction of the change, so no crash can lose one. A pusher
 * (src/murder/pusher.ts) sends the rows to the mupdate master in seq order and drops each once
 * the master said OK.
 *
 * Who drains: one process at a time, the holder of the lease row (murder_push_lease). A process
 * takes the lease when nobody holds it, when it has run out, or when its holder's pid is dead;
 * the holder renews it before every row and gives it up only in a transaction that finds the
 * outbox empty. A process that wrote a row tries the lease after its commit, so either the holder
 * still sees the row before letting go, or the writer finds the lease free: no row is stranded.
 */
import { processAlive } from '../common/process.js';
import { writeTransaction, type Db } from '../common/sqlite.js';

export const OUTBOX_SCHEMA = `
CREATE TABLE IF NOT EXISTS murder_outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  action TEXT NOT NULL,
  location TEXT NOT NULL DEFAULT '',
  acl TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS murder_push_lease (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  holder TEXT NOT NULL,
  pid INTEGER NOT NULL,
  until INTEGER NOT NULL
);
`;

/** One change to tell the mupdate master: ACTIVATE name location acl, or DELETE name. */
export type OutboxRow =
  | { seq: number; action: 'activate'; name: string; location: string; acl: string }
  | { seq: number; action: 'delete'; name: string };

interface RawRow {
  seq: number;
  name: string;
  action: string;
  location: string;
  acl: string;
}

function fromRaw(row: RawRow): OutboxRow {
  return row.action === 'delete'
    ? { seq: row.seq, action: 'delete', name: row.name }
    : { seq: row.seq, action: 'activate', name: row.name, location: row.location, acl: row.acl };
}

export class MurderOutbox {
  private readonly stmts;
  /** Rows this connection appended (a hint for the store to wake its pusher; rollbacks count too). */
  appended = 0;

  constructor(private readonly db: Db, private readonly afterWrite: () => void) {
    this.stmts = {
      append: db.prepare<[string, string, string, string]>('INSERT INTO murder_outbox (name, action, location, acl) VALUES (?, ?, ?, ?)'),
      pending: db.prepare<[number], RawRow>('SELECT seq, name, action, location, acl FROM murder_outbox ORDER BY seq LIMIT ?'),
      first: db.prepare<[], number>('SELECT min(seq) FROM murder_outbox').pluck(),
      last: db.prepare<[], number>('SELECT max(seq) FROM murder_outbox').pluck(),
      done: db.prepare<[number]>('DELETE FROM murder_outbox WHERE seq = ?'),
      doneThrough: db.prepare<[number]>('DELETE FROM murder_outbox WHERE seq <= ?'),
      lease: db.prepare<[], { holder: string; pid: number; until: number }>('SELECT holder, pid, until FROM murder_push_lease WHERE id = 1'),
      setLease: db.prepare<[string, number, number]>('INSERT OR REPLACE INTO murder_push_lease (id, holder, pid, until) VALUES (1, ?, ?, ?)'),
      dropLease: db.prepare<[string]>('DELETE FROM murder_push_lease WHERE id = 1 AND holder = ?'),
    };
  }

  /** Append a row; MailboxList calls it inside the transaction of the change. */
  append(change: { action: 'activate'; name: string; location: string; acl: string } | { action: 'delete'; name: string }): void {
    this.stmts.append.run(change.name, change.action, change.action === 'activate' ? change.location : '', change.action === 'activate' ? change.acl : '');
    this.appended++;
  }

  /** The oldest rows not yet pushed, in the order to push them. */
  pending(limit = 100): OutboxRow[] {
    return this.stmts.pending.all(limit).map(fromRaw);
  }

  /** The seq of the newest row waiting, or null when the outbox is empty. */
  lastSeq(): number | null {
    return this.stmts.last.get() ?? null;
  }

  /** The seq of the oldest row waiting, or null when the outbox is empty. */
  firstSeq(): number | null {
    return this.stmts.first.get() ?? null;
  }

  /** The master has row `seq`: drop it. */
  done(seq: number): void {
    this.write('murder outbox done', () => this.stmts.done.run(seq));
  }

  /** Drop every row up to `seq` (ctl_mboxlist -m made the master match the list read after them). */
  doneThrough(seq: number): void {
    this.write('murder outbox done', () => this.stmts.doneThrough.run(seq));
  }

  /**
   * Take or renew the drain lease for `holder` (a process-unique id) for `leaseMs`; false when a
   * live other holder has it.
   */
  claim(holder: string, leaseMs: number, now = Date.now()): boolean {
    return this.write('murder push lease', () => {
      const lease = this.stmts.lease.get();
      if (lease && lease.holder !== holder && lease.until > now && processAlive(lease.pid)) return false;
      this.stmts.setLease.run(holder, process.pid, now + leaseMs);
      return true;
    });
  }

  /** Whether a live process other than `holder` holds an unexpired lease (a read: no lock taken). */
  leasedElsewhere(holder: string, now = Date.now()): boolean {
    const lease = this.stmts.lease.get();
    return lease !== undefined && lease.holder !== holder && lease.until > now && processAlive(lease.pid);
  }

  /** Give the lease up, but only when the outbox is empty (false: rows wait, the lease is kept). */
  release(holder: string): boolean {
    return this.write('murder push lease', () => {
      if (this.stmts.first.get() !== null) return false;
      this.stmts.dropLease.run(holder);
      return true;
    });
  }

  /** Drop `holder`'s lease (if it has it) whatever waits: a pusher closing, ctl_mboxlist -m when done. */
  surrender(holder: string): void {
    this.write('murder push lease', () => this.stmts.dropLease.run(holder));
  }

  /** Who holds the lease, if anyone (tests, diagnostics). */
  lease(): { holder: string; pid: number; until: number } | null {
    return this.stmts.lease.get() ?? null;
  }

  private write<T>(what: string, fn: () => T): T {
    try {
      return writeTransaction(this.db, what, fn);
    } finally {
      this.afterWrite();
    }
  }
}
