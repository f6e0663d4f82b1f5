/**
 * XFER's two records in mailboxes.db (tables beside the list, so a change of them and of the
 * mailbox entries can share a transaction):
 *
 *  - xfer_moves, on the source backend: one row per mailbox an XFER is moving away, from the
 *    moment its records are frozen until its copy here is removed (or the move is given up). The
 *    phase says what a crash leaves to do: `copying` (the target cannot have it: give it up),
 *    `committing` (the target was asked to commit: ask it how that ended), `committed` (the
 *    target has it: remove the copy here once the mupdate master lists it there). The session
 *    running the move holds a lease on its rows; rows whose holder died or whose lease ran out
 *    are resolved by the recovery of any process (src/imap/xfer/recovery.ts).
 *  - xfer_log, on the target backend: how each XFER received here ended, written in the very
 *    transaction that makes its mailboxes appear (`committed`) or by the source's question after a
 *    crash (`aborted`). A commit finds an `aborted` row and refuses, so a source that gave a move up
 *    can trust the answer: the two are ordered by mailboxes.db's write lock. `settled` says the
 *    committed mailboxes were unfrozen (their headers written) after the commit.
 */
import { MailError } from '../common/errors.js';
import { processAlive } from '../common/process.js';
import type { Db } from '../common/sqlite.js';

export const XFER_SCHEMA = `
CREATE TABLE IF NOT EXISTS xfer_moves (
  name TEXT PRIMARY KEY NOT NULL,
  xfer_id TEXT NOT NULL,
  uniqueid TEXT NOT NULL,
  userid TEXT,
  target TEXT NOT NULL,
  partition TEXT,
  phase TEXT NOT NULL,
  holder TEXT NOT NULL,
  pid INTEGER NOT NULL,
  until INTEGER NOT NULL,
  started INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS xfer_moves_by_id ON xfer_moves(xfer_id);
CREATE INDEX IF NOT EXISTS xfer_moves_by_uniqueid ON xfer_moves(uniqueid);
CREATE INDEX IF NOT EXISTS xfer_moves_by_user ON xfer_moves(userid);
CREATE TABLE IF NOT EXISTS xfer_log (
  xfer_id TEXT PRIMARY KEY NOT NULL,
  state TEXT NOT NULL,
  names TEXT NOT NULL DEFAULT '[]',
  settled INTEGER NOT NULL DEFAULT 0,
  at INTEGER NOT NULL
) WITHOUT ROWID;
`;

export type XferPhase = 'copying' | 'committing' | 'committed';

/** One mailbox an XFER moves away from this server. */
export interface XferMove {
  name: string;
  xferId: string;
  uniqueId: string;
  /** The user moved whole (the mailbox is one of theirs), or null for a single mailbox. */
  userid: string | null;
  /** The backend it goes to (its servername). */
  target: string;
  /** The partition asked for there, or null (the target chooses). */
  partition: string | null;
  phase: XferPhase;
  holder: string;
  pid: number;
  /** The lease's end (ms). */
  until: number;
  started: number;
}

/** An XFER received here: committed (its mailboxes live here) or aborted (it never will). */
export interface XferLogEntry {
  xferId: string;
  state: 'committed' | 'aborted';
  /** The committed mailboxes: [name, uniqueid]. */
  names: Array<[string, string]>;
  settled: boolean;
}

interface MoveRow {
  name: string;
  xfer_id: string;
  uniqueid: string;
  userid: string | null;
  target: string;
  partition: string | null;
  phase: string;
  holder: string;
  pid: number;
  until: number;
  started: number;
}

function fromRow(row: MoveRow): XferMove {
  return {
    name: row.name, xferId: row.xfer_id, uniqueId: row.uniqueid, userid: row.userid, target: row.target, partition: row.partition,
    phase: row.phase as XferPhase, holder: row.holder, pid: row.pid, until: row.until, started: row.started,
  };
}

const MOVE_COLUMNS = 'name, xfer_id, uniqueid, userid, target, partition, phase, holder, pid, until, started';

/** How long a settled or aborted log row is kept (a source asks about a move within minutes). */
const LOG_KEEP_MS = 30 * 24 * 3600_000;

export class XferLedger {
  private readonly stmts;

  constructor(private readonly db: Db, private readonly write: <T>(what: string, fn: () => T) => T) {
    this.stmts = {
      insert: db.prepare<MoveRow>(`INSERT INTO xfer_moves (${MOVE_COLUMNS}) VALUES (@name, @xfer_id, @uniqueid, @userid, @target, @partition, @phase, @holder, @pid, @until, @started)`),
      byName: db.prepare<[string], MoveRow>(`SELECT ${MOVE_COLUMNS} FROM xfer_moves WHERE name = ?`),
      byId: db.prepare<[string], MoveRow>(`SELECT ${MOVE_COLUMNS} FROM xfer_moves WHERE xfer_id = ? ORDER BY name`),
      byUniqueId: db.prepare<[string], MoveRow>(`SELECT ${MOVE_COLUMNS} FROM xfer_moves WHERE uniqueid = ?`),
      byUser: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM xfer_moves WHERE userid = ?'),
      any: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM xfer_moves'),
      ids: db.prepare<[], { xfer_id: string; holder: string; pid: number; until: number }>('SELECT xfer_id, min(holder) AS holder, min(pid) AS pid, min(until) AS until FROM xfer_moves GROUP BY xfer_id'),
      setPhase: db.prepare<[string, string, string]>('UPDATE xfer_moves SET phase = ? WHERE xfer_id = ? AND holder = ?'),
      lease: db.prepare<[string, number, number, string]>('UPDATE xfer_moves SET holder = ?, pid = ?, until = ? WHERE xfer_id = ?'),
      drop: db.prepare<[string]>('DELETE FROM xfer_moves WHERE xfer_id = ?'),
      log: db.prepare<[string], { xfer_id: string; state: string; names: string; settled: number }>('SELECT xfer_id, state, names, settled FROM xfer_log WHERE xfer_id = ?'),
      putLog: db.prepare<[string, string, string, number, number]>('INSERT INTO xfer_log (xfer_id, state, names, settled, at) VALUES (?, ?, ?, ?, ?)'),
      unsettled: db.prepare<[], { xfer_id: string; state: string; names: string; settled: number }>("SELECT xfer_id, state, names, settled FROM xfer_log WHERE state = 'committed' AND settled = 0"),
      settle: db.prepare<[string]>('UPDATE xfer_log SET settled = 1 WHERE xfer_id = ?'),
      prune: db.prepare<[number]>("DELETE FROM xfer_log WHERE at < ? AND (state = 'aborted' OR settled = 1)"),
    };
  }

  // ---- the source's moves ----

  /**
   * Record the mailboxes of a new move (one transaction; the caller's when it runs in one). Refused
   * (InUse) when one of them is already being moved.
   */
  begin(moves: ReadonlyArray<Omit<XferMove, 'until' | 'started' | 'phase' | 'pid'>>, leaseMs: number, now = Date.now()): void {
    this.write('xfer begin', () => {
      for (const move of moves) {
        if (this.stmts.byName.get(move.name)) throw new MailError('InUse', `mailbox ${move.name} is already being moved`, { moving: true });
        this.stmts.insert.run({
          name: move.name, xfer_id: move.xferId, uniqueid: move.uniqueId, userid: move.userid, target: move.target, partition: move.partition,
          phase: 'copying', holder: move.holder, pid: process.pid, until: now + leaseMs, started: now,
        });
      }
    });
  }

  moveOf(name: string): XferMove | null {
    const row = this.stmts.byName.get(name);
    return row ? fromRow(row) : null;
  }

  moveByUniqueId(uniqueId: string): XferMove | null {
    const row = this.stmts.byUniqueId.get(uniqueId);
    return row ? fromRow(row) : null;
  }

  /** Whether the whole of `userid` is being moved away (subscriptions and Sieve scripts are frozen). */
  userMoving(userid: string): boolean {
    return this.stmts.byUser.get(userid)!.n > 0;
  }

  /** Whether any move is under way (a cheap look before the others). */
  anyMoves(): boolean {
    return this.stmts.any.get()!.n > 0;
  }

  moves(xferId: string): XferMove[] {
    return this.stmts.byId.all(xferId).map(fromRow);
  }

  /** Move to `phase`, if `holder` still runs the move (false: another process took it over). */
  setPhase(xferId: string, phase: XferPhase, holder: string): boolean {
    return this.write('xfer phase', () => this.stmts.setPhase.run(phase, xferId, holder).changes > 0);
  }

  /** Renew `holder`'s lease; false when another holder took the move over. */
  renew(xferId: string, holder: string, leaseMs: number, now = Date.now()): boolean {
    return this.write('xfer lease', () => {
      const rows = this.stmts.byId.all(xferId);
      if (rows.length === 0 || rows.some((r) => r.holder !== holder)) return false;
      this.stmts.lease.run(holder, process.pid, now + leaseMs, xferId);
      return true;
    });
  }

  /** The moves whose holder is gone (its process dead, or its lease over): the recovery's work. */
  orphans(now = Date.now()): string[] {
    return this.stmts.ids.all().filter((r) => r.until <= now || !processAlive(r.pid)).map((r) => r.xfer_id);
  }

  /** Take an orphaned move over for `holder`; false when it is not orphaned (any more). */
  adopt(xferId: string, holder: string, leaseMs: number, now = Date.now()): boolean {
    return this.write('xfer adopt', () => {
      const rows = this.stmts.byId.all(xferId);
      if (rows.length === 0) return false;
      const mine = rows.every((r) => r.holder === holder);
      if (!mine && rows.some((r) => r.until > now && processAlive(r.pid))) return false;
      this.stmts.lease.run(holder, process.pid, now + leaseMs, xferId);
      return true;
    });
  }

  /** Forget a move's rows (it ended); inside the caller's transaction when there is one. */
  drop(xferId: string): void {
    this.write('xfer end', () => this.stmts.drop.run(xferId));
  }

  // ---- the target's log ----

  logged(xferId: string): XferLogEntry | null {
    const row = this.stmts.log.get(xferId);
    if (!row) return null;
    return { xferId: row.xfer_id, state: row.state as XferLogEntry['state'], names: JSON.parse(row.names) as Array<[string, string]>, settled: row.settled === 1 };
  }

  /**
   * Record a commit; call inside the transaction that makes the mailboxes appear. Refused (Cannot)
   * when the move was given up (a source asked about it first) or committed before.
   */
  logCommit(xferId: string, names: Array<[string, string]>, now = Date.now()): void {
    const existing = this.stmts.log.get(xferId);
    if (existing) throw new MailError('Cannot', `XFER ${xferId} was already ${existing.state} here`);
    this.stmts.putLog.run(xferId, 'committed', JSON.stringify(names), 0, now);
    this.stmts.prune.run(now - LOG_KEEP_MS);
  }

  /**
   * A source's question after a crash: how did `xferId` end here? A move not committed is recorded
   * as aborted, so that its commit, should it still come, is refused.
   */
  settleQuestion(xferId: string, now = Date.now()): 'committed' | 'aborted' {
    return this.write('xfer abort', () => {
      const existing = this.stmts.log.get(xferId);
      if (existing) return existing.state as 'committed' | 'aborted';
      this.stmts.putLog.run(xferId, 'aborted', '[]', 0, now);
      return 'aborted';
    });
  }

  /** Committed moves whose mailboxes were not unfrozen yet (a crash right after the commit). */
  unsettled(): XferLogEntry[] {
    return this.stmts.unsettled.all().map((row) => ({ xferId: row.xfer_id, state: 'committed' as const, names: JSON.parse(row.names) as Array<[string, string]>, settled: false }));
  }

  settle(xferId: string): void {
    this.write('xfer settled', () => this.stmts.settle.run(xferId));
  }
}
