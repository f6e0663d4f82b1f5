/**
 * The one mapping from the recipient decision to socketmap replies. A recipient the decision takes
 * is OK with the key as value (as Cyrus's smmapd answers); one LMTP would refuse for good (no such
 * user or mailbox, no p right on a shared mailbox, a name that cannot be a mailbox) is NOTFOUND, so
 * the MTA refuses it at SMTP time; over quota is TEMP, or PERM with lmtp_over_quota_perm_failure
 * (Cyrus's choice; Postfix defers the recipient either way); anything passing is TEMP. Anything that
 * is not a MailError is internal: the caller logs it, the MTA hears only "TEMP internal error".
 */
import { MailError, type MailErrorKind } from '../common/index.js';
import type { MapReply } from './wire/request.js';

export interface AnswerPolicy {
  /** lmtp_over_quota_perm_failure. */
  overQuotaPermanent: boolean;
}

export interface MappedAnswer {
  reply: MapReply;
  /** True when the error was not a domain error and must be logged as a bug. */
  internal: boolean;
}

const NOT_FOUND: MapReply = { status: 'NOTFOUND' };
const OVER_QUOTA = 'Over quota';

const BY_KIND: Record<MailErrorKind, MapReply> = {
  NotFound: NOT_FOUND,
  NoPerm: NOT_FOUND,
  BadName: NOT_FOUND,
  Cannot: NOT_FOUND,
  Invalid: NOT_FOUND,
  AuthFailed: NOT_FOUND,
  OverQuota: { status: 'TEMP', reason: OVER_QUOTA },
  Limit: { status: 'TEMP', reason: OVER_QUOTA },
  InUse: { status: 'TEMP', reason: 'Mailbox is busy' },
  Temp: { status: 'TEMP', reason: 'Temporary failure' },
  Exists: { status: 'TEMP', reason: 'Temporary failure' },
};

export function smmapReplyFor(err: unknown, policy: AnswerPolicy): MappedAnswer {
  if (!(err instanceof MailError)) return { reply: { status: 'TEMP', reason: 'internal error' }, internal: true };
  if ((err.kind === 'OverQuota' || err.kind === 'Limit') && policy.overQuotaPermanent) {
    return { reply: { status: 'PERM', reason: OVER_QUOTA }, internal: false };
  }
  return { reply: BY_KIND[err.kind], internal: false };
}
