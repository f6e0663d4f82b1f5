/**
 * The intake layer: storing a new message, the same for IMAP APPEND, LMTP delivery and the tools.
 * Build one per process and share it:
 *
 *   const intake = new Intake({ store, config, logger, settings?, hooks? });
 *
 *   intake.prepare({ bytes, binary? }) → PreparedMessage           (the byte rules, no I/O)
 *     In this order, on the bytes as received:
 *     - larger than maxmessagesize → MailError('Limit', ..., { maxMessageSize, tooBig: true })
 *     - empty → MailError('Invalid', ..., { empty: true })
 *     - binary (IMAP literal8): binary parts and parts holding NUL re-encoded as base64
 *     - NUL left anywhere → MailError('Invalid', ..., { nul: true })
 *     - line ends: bare CR / LF become CRLF; with munge8bit, top-level header bytes that are
 *       neither ASCII nor UTF-8 become 'X'
 *
 *   await intake.append(mailboxName, [{ bytes, binary?, flags?, internalDate? }, ...], { userid? })
 *     → { uidValidity, uids }
 *     APPEND / MULTIAPPEND: every message passes the byte rules and the quota seam first, then one
 *     Mailbox.append stores them all or none. Flags are the caller's (filtered by rights).
 *     NotFound when the mailbox does not exist. Rights are the caller's.
 *
 *   await intake.deliver(prepared, [{ mailbox, userid, flags?, internalDate? }, ...]) → DeliveryOutcome[]
 *     One prepared message into several mailboxes (LMTP: one per RCPT), one outcome per recipient
 *     in the given order; a failure of one recipient never fails another. Per recipient: Sieve seam
 *     (where to file; default keep) → duplicate seam (by Message-ID and mailbox) → quota seam →
 *     store → record the delivery. Single-instance store: the file is written once per partition
 *     and hard-linked (Mailbox.append linkFrom) into the other mailboxes on it.
 *     Concurrent deliveries into one mailbox are stored together in one Mailbox.append (one index
 *     commit and fsync), each still answered on its own once durable (delivery-batches.ts); the
 *     mailboxes that received mail stay open a few seconds (open-mailboxes.ts).
 *
 *   intake.close(): closes those mailboxes (before store.close()).
 *
 *   intake.settings: IntakeSettings (maxMessageSize, munge8bit, singleInstance)
 *   intakeSettingsFromConfig(config) → IntakeSettings
 *
 * Errors are MailErrors: Limit (too big), Invalid (NUL, empty), NotFound (no mailbox), OverQuota,
 * Temp (disk, locks). Each protocol maps them in its own error function.
 */
export { Intake, intakeSettingsFromConfig } from './intake.js';
export { prepareMessage } from './byte-rules.js';
export { SieveFilter, type ActiveScript, type ActiveScripts, type SieveFilterDeps } from './sieve.js';
export { sendMail, type OutgoingMail } from './outgoing.js';
export type * from './types.js';
