/**
 * The recipients layer: the one place that decides whether a recipient address is deliverable
 * here, shared by LMTP's RCPT and smmapd (the MTA's socketmap lookups). Build one per process:
 *
 *   const recipients = Recipients.create({ config, store, accounts, rights, identityOf, logger, quota? });
 *
 *   await recipients.decide({ localPart, domain }, poster, { intent, size?, ignoreQuota? }) → RecipientVerdict
 *     - 'remote' { server }: a Murder frontend's mirror puts the mailbox on that backend (it decides)
 *     - 'local' { recipient: { address, userid, mailbox } }: the mailbox that takes the message
 *     - 'new-inbox' { address, userid }: intent 'lookup' only; delivery would create the INBOX
 *     Cyrus lmtpd's rules (resolver.ts): user, user+detail (the folder when it exists and `poster`
 *     has p there, else the INBOX), +shared.folder and postuser+shared.folder (p needed),
 *     virtdomains, lmtp_downcase_rcpt, lmtp_fuzzy_mailbox_match, lmtp_exclude_specialuse,
 *     autocreate_post (intent 'deliver' creates the INBOX; 'lookup' creates nothing),
 *     lmtp_catchall_mailbox; then the quota root (a root already over; with lmtp_strict_quota also
 *     a message of `size` that would take it over).
 *     Refusals are MailErrors: NotFound (no such user or mailbox), NoPerm (no p on a shared mailbox),
 *     BadName, OverQuota. Each protocol maps them in its own error function.
 *
 *   storeQuota(store) / NO_QUOTA: the quota answers (quotas.db, or nobody over for protocol tests).
 */
export { Recipients, type RecipientQuery, type RecipientVerdict, type RecipientsOptions } from './decision.js';
export { NO_QUOTA, storeQuota, type RecipientQuota } from './quota.js';
export type { ResolvedRecipient } from './resolver.js';
export type * from './types.js';
