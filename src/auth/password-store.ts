/**
 * The auxprop password store: configdirectory/sasldb.sqlite (better-sqlite3, WAL). Passwords are
 * never kept: each user has a salted scrypt hash for plaintext checks (LOGIN, PLAIN, POP3 PASS)
 * and, beside it, the SCRAM-SHA-1 and SCRAM-SHA-256 keys (RFC 5802: salt, iteration count,
 * StoredKey, ServerKey) so that SCRAM works without the password. Keys are canonical userids
 * ("fred", "fred@example.com"). The table server_secrets keeps secrets every process shares, made
 * once: the key of the fake SCRAM salts shown for unknown users.
 */
import Database from 'better-sqlite3';
import type { ImapdConfig } from '../config/index.js';
import { createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MailError } from '../common/errors.js';
import { saslprep } from './saslprep.js';
import { scramKeys, type ScramHash } from './scram-keys.js';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export interface PasswordStoreOptions {
  /** scrypt cost; default N=16384 r=8 p=1 (about 50 ms). Tests may lower it. */
  scrypt?: ScryptParams;
  /** PBKDF2 iterations for new SCRAM keys; default 4096 (RFC 7677's minimum advice). */
  scramIterations?: number;
  readonly?: boolean;
}

/** What SCRAM needs for one user and one hash (RFC 5802 section 3). */
export interface ScramCredentials {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

interface UserRow {
  userid: string;
  salt: Buffer;
  hash: Buffer;
  n: number;
  r: number;
  p: number;
}

interface ScramRow {
  salt: Buffer;
  iterations: number;
  stored_key: Buffer;
  server_key: Buffer;
}

const DEFAULT_SCRYPT: ScryptParams = { N: 16384, r: 8, p: 1 };

/** The scrypt cost of new password hashes as configured (auth_scrypt_cost; r and p fixed). */
export function scryptCost(config: Pick<ImapdConfig, 'int'>): ScryptParams {
  return { ...DEFAULT_SCRYPT, N: config.int('auth_scrypt_cost') };
}
const HASH_BYTES = 32;
const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  userid TEXT PRIMARY KEY,
  salt BLOB NOT NULL, hash BLOB NOT NULL, n INTEGER NOT NULL, r INTEGER NOT NULL, p INTEGER NOT NULL,
  changed INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS scram (
  userid TEXT NOT NULL REFERENCES users(userid) ON DELETE CASCADE,
  hash TEXT NOT NULL,
  salt BLOB NOT NULL, iterations INTEGER NOT NULL, stored_key BLOB NOT NULL, server_key BLOB NOT NULL,
  PRIMARY KEY (userid, hash)
);
CREATE TABLE IF NOT EXISTS server_secrets (
  name TEXT PRIMARY KEY,
  value BLOB NOT NULL
);`;
/** server_secrets row: the key of the fake SCRAM salts of unknown users. */
const FAKE_SALT_KEY = 'scram_fake_salt_key';

function scryptAsync(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password, salt, HASH_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** A read of a table an older, read-only store may not have yet: undefined then. */
function readIfPresent<T>(read: () => T | undefined): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

export class PasswordStore {
  private readonly db: Database.Database;
  private readonly scryptParams: ScryptParams;
  private readonly scramIterations: number;
  /** Hashed against when the user is unknown, so that the answer takes as long as for a known one. */
  private readonly dummy: { salt: Buffer; hash: Buffer };
  private readonly readonly: boolean;
  private fakeSaltKey: Buffer | undefined;

  private constructor(file: string, options: PasswordStoreOptions) {
    if (!options.readonly) mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    this.db.pragma('foreign_keys = ON');
    if (!options.readonly) {
      chmodSync(file, 0o600); // secrets: owner only (SQLite gives the -wal/-shm files the same mode)
      this.db.pragma('journal_mode = WAL');
      this.db.exec(SCHEMA);
    }
    this.readonly = options.readonly ?? false;
    this.scryptParams = options.scrypt ?? DEFAULT_SCRYPT;
    this.scramIterations = options.scramIterations ?? 4096;
    this.dummy = { salt: randomBytes(16), hash: randomBytes(HASH_BYTES) };
  }

  static open(file: string, options: PasswordStoreOptions = {}): PasswordStore {
    return new PasswordStore(file, options);
  }

  close(): void {
    this.db.close();
  }

  /** Set (create or change) the password of canonical `userid`. */
  async setPassword(userid: string, password: string): Promise<void> {
    const prepared = saslprep(password);
    if (prepared.length === 0) throw new MailError('Invalid', 'empty password');
    const salt = randomBytes(16);
    const hash = await scryptAsync(prepared, salt, this.scryptParams);
    const scram = (['sha1', 'sha256'] as ScramHash[]).map((h) => ({ h, keys: scramKeys(h, prepared, randomBytes(16), this.scramIterations) }));
    const { N, r, p } = this.scryptParams;
    this.db.transaction(() => {
      this.db.prepare('INSERT OR REPLACE INTO users (userid, salt, hash, n, r, p, changed) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(userid, salt, hash, N, r, p, Date.now());
      const put = this.db.prepare('INSERT OR REPLACE INTO scram (userid, hash, salt, iterations, stored_key, server_key) VALUES (?, ?, ?, ?, ?, ?)');
      for (const { h, keys } of scram) put.run(userid, h, keys.salt, keys.iterations, keys.storedKey, keys.serverKey);
    })();
  }

  /** Remove a user; NotFound when there is none. */
  deletePassword(userid: string): void {
    const result = this.db.prepare('DELETE FROM users WHERE userid = ?').run(userid);
    if (result.changes === 0) throw new MailError('NotFound', 'no such user in the password store');
  }

  listUsers(): string[] {
    return (this.db.prepare('SELECT userid FROM users ORDER BY userid').all() as Array<{ userid: string }>).map((r) => r.userid);
  }

  hasUser(userid: string): boolean {
    return this.db.prepare('SELECT 1 FROM users WHERE userid = ?').get(userid) !== undefined;
  }

  /**
   * Whether `password` is the password of `userid`. An unknown user costs the same scrypt run as a
   * known one, and hashes are compared in constant time.
   */
  async verify(userid: string, password: string): Promise<boolean> {
    const row = this.db.prepare('SELECT userid, salt, hash, n, r, p FROM users WHERE userid = ?').get(userid) as UserRow | undefined;
    let prepared: string;
    try {
      prepared = saslprep(password);
    } catch {
      prepared = '\u0000invalid';
    }
    const params = row ? { N: row.n, r: row.r, p: row.p } : this.scryptParams;
    const expected = row ? row.hash : this.dummy.hash;
    const computed = await scryptAsync(prepared, row ? row.salt : this.dummy.salt, params);
    const same = computed.length === expected.length && timingSafeEqual(computed, expected);
    return row !== undefined && same;
  }

  /**
   * What identifies `userid`'s current password record (its stored hash: a new password, even the
   * same one set again, has a new salt and so a new hash); null when the user is unknown.
   */
  passwordStamp(userid: string): Buffer | null {
    const row = this.db.prepare('SELECT hash FROM users WHERE userid = ?').get(userid) as { hash: Buffer } | undefined;
    return row ? row.hash : null;
  }

  /** SCRAM keys of `userid` for `hash`; null when the user is unknown. */
  scramCredentials(userid: string, hash: ScramHash): ScramCredentials | null {
    const row = this.db.prepare('SELECT salt, iterations, stored_key, server_key FROM scram WHERE userid = ? AND hash = ?').get(userid, hash) as ScramRow | undefined;
    if (!row) return null;
    return { salt: row.salt, iterations: row.iterations, storedKey: row.stored_key, serverKey: row.server_key };
  }

  /**
   * The SCRAM salt to show for an unknown `name` and `hash`: the same in every process on this store
   * and after restarts (an HMAC under a key kept in the store, made once), different per hash as
   * real users' salts are, so probing cannot tell unknown users from known ones.
   */
  fakeScramSalt(name: string, hash: ScramHash): Buffer {
    this.fakeSaltKey ??= this.serverSecret(FAKE_SALT_KEY);
    return createHmac('sha256', this.fakeSaltKey).update(`${hash}\0${name}`).digest().subarray(0, 16);
  }

  /** A random secret kept in server_secrets under `name`, created on first use (first writer wins). */
  private serverSecret(name: string): Buffer {
    const read = () => (this.db.prepare('SELECT value FROM server_secrets WHERE name = ?').get(name) as { value: Buffer } | undefined)?.value;
    const existing = this.readonly ? readIfPresent(read) : read();
    if (existing) return existing;
    if (this.readonly) return randomBytes(32); // a read-only store without the row: nothing to share
    this.db.prepare('INSERT OR IGNORE INTO server_secrets (name, value) VALUES (?, ?)').run(name, randomBytes(32));
    return read()!;
  }

  /** Iteration count new SCRAM keys get (also used for a fake answer about unknown users). */
  get defaultScramIterations(): number {
    return this.scramIterations;
  }
}
