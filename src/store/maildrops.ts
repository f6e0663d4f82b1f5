/**
 * What POP3 remembers about a maildrop beyond its messages (pop3.db in configdirectory, SQLite,
 * WAL), shared by every process and kept across restarts:
 * - the last login time, for popminpoll (RFC 2449 LOGIN-DELAY) with Cyrus's poppollpadding burst;
 * - the exclusive maildrop lock of RFC 1939 (poplockmaildrop), held by a process id and a session
 *   token; a lock whose process is gone (a crash, a restart) is taken over.
 * Maildrops are keyed by the mailbox's uniqueid, so a rename keeps both.
 */
import { MailError } from '../common/errors.js';
import { processAlive } from '../common/process.js';
import { openDb, sqliteError, writeTransaction, type Db } from '../common/sqlite.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS last_login (
  uniqueid TEXT PRIMARY KEY,
  at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS maildrop_lock (
  uniqueid TEXT PRIMARY KEY,
  pid INTEGER NOT NULL,
  holder TEXT NOT NULL,
  since INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** The popminpoll rule for one login attempt (seconds). */
export interface LoginDelayRule {
  /** popminpoll in seconds (0: no rule, nothing is recorded). */
  minPollSeconds: number;
  /** poppollpadding: logins allowed in a burst (1: none). */
  padding: number;
}

export class MaildropStore {
  private readonly db: Db;
  private readonly stmts;

  private constructor(file: string, durable: boolean) {
    this.db = openDb(file, { durable, cacheKiB: 128 });
    try {
      this.db.exec(SCHEMA);
    } catch (err) {
      this.db.close();
      throw sqliteError(err, 'pop3.db');
    }
    this.stmts = {
      lastLogin: this.db.prepare<[string], { at: number }>('SELECT at FROM last_login WHERE uniqueid = ?'),
      setLastLogin: this.db.prepare<[string, number]>('INSERT OR REPLACE INTO last_login (uniqueid, at) VALUES (?, ?)'),
      lock: this.db.prepare<[string], { pid: number; holder: string }>('SELECT pid, holder FROM maildrop_lock WHERE uniqueid = ?'),
      putLock: this.db.prepare<[string, number, string, number]>('INSERT OR REPLACE INTO maildrop_lock (uniqueid, pid, holder, since) VALUES (?, ?, ?, ?)'),
      dropLock: this.db.prepare<[string, string]>('DELETE FROM maildrop_lock WHERE uniqueid = ? AND holder = ?'),
    };
  }

  /** Open (creating when missing) the database file, e.g. configdirectory/pop3.db. */
  static open(file: string, durable: boolean): MaildropStore {
    return new MaildropStore(file, durable);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Admit a login to maildrop `uniqueId` at `now` (seconds since the epoch) under `rule`, and
   * remember it; MailError('Limit', …, { loginDelay: true }) when it comes too soon. Cyrus's
   * arithmetic: the remembered time moves on by popminpoll per login, never below
   * now - popminpoll × padding, and a login is refused while it lies less than popminpoll ago.
   */
  admitLogin(uniqueId: string, now: number, rule: LoginDelayRule): void {
    const { minPollSeconds, padding } = rule;
    if (minPollSeconds <= 0) return;
    writeTransaction(this.db, 'pop3 login delay', () => {
      const last = this.stmts.lastLogin.get(uniqueId)?.at ?? null;
      if (last !== null && last + minPollSeconds > now) {
        throw new MailError('Limit', 'logins come too often', { loginDelay: true, minPollSeconds });
      }
      let next = now;
      if (padding > 1) {
        const floor = now - minPollSeconds * padding;
        next = last === null || last < floor ? floor + minPollSeconds : last + minPollSeconds;
      }
      this.stmts.setLastLogin.run(uniqueId, next);
    });
  }

  /**
   * Take the exclusive lock of maildrop `uniqueId` for `holder` (unique per session), or throw
   * MailError('InUse') while another live session holds it. A lock left by a process that no
   * longer exists is taken over.
   */
  lock(uniqueId: string, holder: string): void {
    writeTransaction(this.db, 'pop3 maildrop lock', () => {
      const current = this.stmts.lock.get(uniqueId);
      if (current && current.holder !== holder && processAlive(current.pid)) {
        throw new MailError('InUse', 'maildrop is locked by another POP3 session', { maildropLocked: true });
      }
      this.stmts.putLock.run(uniqueId, process.pid, holder, Date.now());
    });
  }

  /** Release `holder`'s lock (nothing when it holds none). */
  unlock(uniqueId: string, holder: string): void {
    writeTransaction(this.db, 'pop3 maildrop unlock', () => this.stmts.dropLock.run(uniqueId, holder));
  }
}
