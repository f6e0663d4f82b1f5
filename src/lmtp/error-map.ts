/**
 * The one mapping from domain errors to LMTP replies (basic code + RFC 3463 enhanced code).
 * Anything that is not a MailError is an internal error: the caller logs it in full and the
 * client gets a temporary 451 4.3.0, never a 5xx (the MTA keeps the message and retries).
 */
import { MailError, type MailErrorKind } from '../common/index.js';
import { REPLIES, type Reply } from './wire/replies.js';

export interface ErrorPolicy {
  /** lmtp_over_quota_perm_failure: over quota is 552 5.2.2 instead of 452 4.2.2. */
  overQuotaPermanent: boolean;
}

export interface MappedError {
  reply: Reply;
  /** True when the error was not a domain error and must be logged as a bug. */
  internal: boolean;
}

const BY_KIND: Record<MailErrorKind, Reply> = {
  NotFound: REPLIES.unknownUser,
  BadName: REPLIES.badMailboxName,
  NoPerm: REPLIES.noPermission,
  Cannot: REPLIES.noPermission,
  OverQuota: REPLIES.overQuotaTemporary,
  InUse: REPLIES.mailboxBusy,
  Temp: REPLIES.temporary,
  Exists: REPLIES.temporary,
  Limit: REPLIES.overQuotaTemporary,
  Invalid: REPLIES.badContent,
  AuthFailed: REPLIES.authFailed,
};

export function lmtpReplyFor(err: unknown, policy: ErrorPolicy): MappedError {
  if (!(err instanceof MailError)) return { reply: REPLIES.internal, internal: true };
  const detail = err.detail ?? {};
  switch (err.kind) {
    case 'OverQuota':
      return { reply: policy.overQuotaPermanent ? REPLIES.overQuotaPermanent : REPLIES.overQuotaTemporary, internal: false };
    case 'Limit':
      // A message over maxmessagesize is too big for good; a full mailbox (message count) is a quota.
      if (detail.tooBig === true) return { reply: REPLIES.tooBig, internal: false };
      // A keyword too long to keep (a Sieve :flags value) is the message's fault, not a full mailbox.
      if (typeof detail.flag === 'string') return { reply: REPLIES.badContent, internal: false };
      return { reply: policy.overQuotaPermanent ? REPLIES.overQuotaPermanent : REPLIES.overQuotaTemporary, internal: false };
    case 'InUse':
      return { reply: detail.moving === true ? REPLIES.mailboxMoving : REPLIES.mailboxBusy, internal: false };
    case 'Invalid':
      if (detail.nul === true) return { reply: REPLIES.nulInMessage, internal: false };
      if (detail.empty === true) return { reply: REPLIES.emptyMessage, internal: false };
      if (detail.eightBitHeader === true) return { reply: REPLIES.eightBitHeaders, internal: false };
      return { reply: REPLIES.badContent, internal: false };
    default:
      return { reply: BY_KIND[err.kind], internal: false };
  }
}
