/**
 * Successful password checks kept for a while (Dovecot's auth_cache): a client that logs in again
 * and again (POP3 polling, IMAP clients opening a connection per folder) pays the scrypt cost once
 * per `ttlMs` instead of every time.
 *
 * An entry is one user's last good password as a keyed hash (HMAC-SHA-256 with a key drawn per
 * process and never stored, so the cache holds no password nor anything to test guesses against
 * offline) beside the stamp of the password record it was checked against (its stored hash).
 * A hit needs all three: the same userid, the same password, and an unchanged record: a password
 * changed in any process misses at once. Only successes are kept, so a wrong password always costs
 * a full check (and counts as a failure).
 *
 * Checks in flight are shared (single flight): while the check of one userid, password and record
 * stamp runs, another attempt with the same three waits for that check's verdict instead of running
 * its own, so N clients of one user logging in at once cost one scrypt, not N. A verdict, right or
 * wrong, leaves the table when its check ends: only a success is then kept (above). Each attempt
 * still waits its own login penalty before it asks, and a failed one still counts (login-gate.ts);
 * only identical guesses share, so sharing tells a guesser nothing it did not send itself.
 *
 * The cache is per process (each worker pays one check per user per TTL): sharing it between
 * processes would mean a key or the entries outside this process's memory.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface AuthCacheOptions {
  /** How long a success is kept; 0 disables the cache. */
  ttlMs: number;
  /** Entries kept at most (least recently used go first). */
  maxEntries?: number;
  /** The clock (tests). */
  now?: () => number;
}

interface Entry {
  passwordMac: Buffer;
  stamp: Buffer;
  expires: number;
}

const DEFAULT_MAX_ENTRIES = 10_000;

export class AuthCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly options: AuthCacheOptions) {
    this.maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_MAX_ENTRIES);
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.options.ttlMs > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Whether `password` was verified for `userid` against the record stamped `stamp` within the TTL. */
  hit(userid: string, password: string, stamp: Buffer): boolean {
    if (!this.enabled) return false;
    const entry = this.entries.get(userid);
    if (entry === undefined) return false;
    if (entry.expires <= this.now()) {
      this.entries.delete(userid);
      return false;
    }
    if (!sameBytes(entry.stamp, stamp)) {
      this.entries.delete(userid);
      return false;
    }
    if (!sameBytes(entry.passwordMac, this.mac(userid, password))) return false;
    // most recently used last
    this.entries.delete(userid);
    this.entries.set(userid, entry);
    return true;
  }

  /** Keep a successful check of `password` for `userid` against the record stamped `stamp`. */
  remember(userid: string, password: string, stamp: Buffer): void {
    if (!this.enabled) return;
    this.entries.delete(userid);
    this.entries.set(userid, { passwordMac: this.mac(userid, password), stamp: Buffer.from(stamp), expires: this.now() + this.options.ttlMs });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /**
   * The key under which a check of `password` for `userid` against the record `stamp` is shared
   * while in flight (keyed hashes only, as the entries).
   */
  flightKey(userid: string, password: string, stamp: Buffer): string {
    return `${userid}\u0000${this.mac(userid, password).toString('base64')}\u0000${stamp.toString('base64')}`;
  }

  /** Forget `userid` (its password was changed or removed through this process). */
  forget(userid: string): void {
    this.entries.delete(userid);
  }

  private mac(userid: string, password: string): Buffer {
    return createHmac('sha256', this.key).update(userid).update('\u0000').update(password).digest();
  }
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
