/**
 * The quota answers of the recipient decision (LMTP RCPT, smmapd). It asks whether the target
 * mailbox can take a message of the announced size (MAIL SIZE=, else 0); a refusal is
 * MailError('OverQuota'), which each protocol maps (LMTP: 452 4.2.2, or 552 5.2.2 with
 * lmtp_over_quota_perm_failure; smmapd: TEMP, or PERM with that option). `strict` is lmtp_strict_quota:
 * refuse a message that would take the root over, not only a root already over. RCPT ...
 * IGNOREQUOTA skips the check (and the intake's charge is then made in 'ignore' mode). The charge
 * itself happens when the intake stores the message (src/intake, the store's QuotaStore).
 */
import type { MailboxEntry, MailStore } from '../store/index.js';

export interface RecipientQuota {
  /** Throw MailError('OverQuota') when `mailbox` cannot take `size` more bytes. */
  check(mailbox: MailboxEntry, size: number, opts: { strict: boolean }): void;
}

/** Nobody is over quota (tests of the protocol alone). */
export const NO_QUOTA: RecipientQuota = Object.freeze({ check: () => undefined });

/** The store's quotas (quotas.db): the same check the intake's charge makes, without charging. */
export function storeQuota(store: MailStore): RecipientQuota {
  return {
    check(mailbox, size, { strict }) {
      // At least one byte: a message of unknown size still meets a root that is already over.
      store.quotas.check(mailbox.name, { storage: Math.max(size, 1), messages: 1 }, strict ? 'strict' : 'delivery');
    },
  };
}
