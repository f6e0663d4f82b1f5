/**
 * Plaintext password checking (IMAP LOGIN, POP3 PASS, PLAIN, LOGIN) through the configured
 * sasl_pwcheck_method: auxprop (our password store), saslauthd, or alwaystrue (tests only).
 */
import type { Logger } from '../common/log.js';
import { MailError } from '../common/errors.js';
import type { PasswordStore } from './password-store.js';
import { askSaslauthd } from './saslauthd-client.js';
import { splitUserid } from './identity.js';

export type PwcheckMethod = 'auxprop' | 'saslauthd' | 'alwaystrue';

export interface PasswordCheckerInit {
  method: PwcheckMethod;
  logger: Logger;
  /** Opened on first use (auxprop). */
  store: () => PasswordStore;
  saslauthdPath: string;
}

export class PasswordChecker {
  constructor(private readonly init: PasswordCheckerInit) {}

  /**
   * Whether `password` belongs to canonical `userid` (null: the name was malformed; the check
   * still costs what a real one costs with auxprop, then fails).
   */
  async check(userid: string | null, password: string, service: string): Promise<boolean> {
    switch (this.init.method) {
      case 'auxprop':
        return this.init.store().verify(userid ?? '\u0000no-such-user', password).then((ok) => ok && userid !== null);
      case 'saslauthd': {
        if (userid === null) return false;
        const { localPart, domain } = splitUserid(userid);
        return askSaslauthd(this.init.saslauthdPath, { login: localPart, password, service, realm: domain ?? '' });
      }
      case 'alwaystrue':
        this.init.logger.warn({ userid, service }, 'sasl_pwcheck_method alwaystrue: password NOT checked (tests only)');
        return userid !== null;
      default:
        throw new MailError('Cannot', `unknown sasl_pwcheck_method ${String(this.init.method)}`);
    }
  }

  /** Whether the method can serve SCRAM (it needs the stored keys of auxprop). */
  get hasScramSecrets(): boolean {
    return this.init.method === 'auxprop';
  }
}
