/**
 * QUOTA SEAM (issue 14 builds quotas; there is no quota store yet). At RCPT time lmtpd asks
 * whether the target mailbox can take a message of the announced size; a refusal is
 * MailError('OverQuota'), which the error map answers 452 4.2.2 (or 552 5.2.2 with
 * lmtp_over_quota_perm_failure). `strict` is lmtp_strict_quota: refuse a message that would take
 * the mailbox over, not only a mailbox already over. RCPT ... IGNOREQUOTA skips the check.
 * Until quotas exist nobody is over quota: NO_QUOTA answers yes to everything.
 */
import type { MailboxEntry } from '../store/index.js';

export interface RecipientQuota {
  /** Throw MailError('OverQuota') when `mailbox` cannot take `size` more bytes. */
  check(mailbox: MailboxEntry, size: number, opts: { strict: boolean }): void;
}

export const NO_QUOTA: RecipientQuota = Object.freeze({ check: () => undefined });
