/**
 * Plaintext password checking (IMAP LOGIN, POP3 PASS, PLAIN, LOGIN) through the configured
 * sasl_pwcheck_method: auxprop (our password store), saslauthd, or alwaystrue (tests only).
 */
import type { Logger } from '../common/log.js';
import { MailError, isMailError } from '../common/errors.js';
import type { PasswordStore } from './password-store.js';
import { askSaslauthd } from './saslauthd-client.js';
import { splitUserid } from './identity.js';
import { AuthCache } from './auth-cache.js';

export type PwcheckMethod = 'auxprop' | 'saslauthd' | 'alwaystrue';

export interface PasswordCheckerInit {
  method: PwcheckMethod;
  logger: Logger;
  /** Opened on first use (auxprop). */
  store: () => PasswordStore;
  saslauthdPath: string;
  /** auth_cache_ttl in ms (0: every check runs scrypt); auxprop only, whose records carry a stamp. */
  cacheTtlMs?: number;
  /** The cache's clock (tests). */
  now?: () => number;
}

/** Runs a costly check when its turn comes (the check queue); by default at once. */
export type CheckScheduler = <T>(check: () => Promise<T>) => Promise<T>;

const atOnce: CheckScheduler = (check) => check();

export class PasswordChecker {
  private readonly cache: AuthCache;
  /** Checks running now, by AuthCache.flightKey: their verdict is shared, then forgotten. */
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(private readonly init: PasswordCheckerInit) {
    this.cache = new AuthCache({ ttlMs: init.cacheTtlMs ?? 0, now: init.now });
  }

  /**
   * Whether `password` belongs to canonical `userid` (null: the name was malformed; the check
   * still costs what a real one costs with auxprop, then fails). The costly part (scrypt, asking
   * saslauthd) runs through `schedule`; a cache hit does not wait for it.
   */
  async check(userid: string | null, password: string, service: string, schedule: CheckScheduler = atOnce): Promise<boolean> {
    switch (this.init.method) {
      case 'auxprop':
        return this.checkAuxprop(userid, password, schedule);
      case 'saslauthd': {
        if (userid === null) return false;
        const { localPart, domain } = splitUserid(userid);
        return schedule(() => askSaslauthd(this.init.saslauthdPath, { login: localPart, password, service, realm: domain ?? '' }));
      }
      case 'alwaystrue':
        this.init.logger.warn({ userid, service }, 'sasl_pwcheck_method alwaystrue: password NOT checked (tests only)');
        return userid !== null;
      default:
        throw new MailError('Cannot', `unknown sasl_pwcheck_method ${String(this.init.method)}`);
    }
  }

  /**
   * Our password store, through the cache: a hit needs the same password for the same record stamp
   * (read before the check, so a password changed meanwhile is not kept under the new stamp).
   * A check of the same userid, password and stamp already running is joined, not run again
   * (auth-cache.ts); its verdict, right or wrong, is this attempt's.
   */
  private async checkAuxprop(userid: string | null, password: string, schedule: CheckScheduler): Promise<boolean> {
    const store = this.init.store();
    const stamp = userid !== null && this.cache.enabled ? store.passwordStamp(userid) : null;
    if (userid === null || stamp === null) return (await schedule(() => store.verify(userid ?? '\u0000no-such-user', password))) && userid !== null;
    if (this.cache.hit(userid, password, stamp)) return true;
    const key = this.cache.flightKey(userid, password, stamp);
    for (;;) {
      const running = this.inFlight.get(key);
      if (running === undefined) break;
      try {
        return await running;
      } catch (err) {
        // The check we joined was dropped for its own client (gone before its turn): run ours.
        if (!isMailError(err, 'AuthFailed') || err.detail?.abandoned !== true) throw err;
      }
    }
    const check = schedule(() => store.verify(userid, password)).then((ok) => {
      if (ok) this.cache.remember(userid, password, stamp);
      return ok;
    });
    const shared = check.finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, shared);
    return shared;
  }

  /** Whether the method can serve SCRAM (it needs the stored keys of auxprop). */
  get hasScramSecrets(): boolean {
    return this.init.method === 'auxprop';
  }
}
