/**
 * Domain errors thrown by the storage, authentication and partition layers.
 * They carry no protocol text: each protocol maps a `kind` to its own reply
 * (IMAP response codes per RFC 5530, LMTP enhanced status codes, POP3 -ERR).
 */
export type MailErrorKind =
  | 'NotFound' // mailbox, message or user does not exist
  | 'Exists' // the thing to create is already there
  | 'NoPerm' // the identity lacks the rights
  | 'OverQuota' // the charge would exceed a quota
  | 'InUse' // locked or busy (e.g. POP3 maildrop already locked)
  | 'Limit' // a configured limit was hit (name length, message size, count)
  | 'Temp' // transient failure; retrying later may succeed
  | 'BadName' // a mailbox or user name is malformed or unsafe
  | 'Invalid' // an argument is malformed (bad flag, bad date, bad partition name)
  | 'AuthFailed' // authentication failed (wrong password or unknown user; never says which)
  | 'Cannot'; // the operation is impossible by its nature (delete INBOX, rename into self)

export class MailError extends Error {
  readonly kind: MailErrorKind;
  /** Extra machine-readable detail for the protocol mapper (e.g. the quota root). */
  readonly detail?: Record<string, unknown>;

  constructor(kind: MailErrorKind, message: string, detail?: Record<string, unknown>) {
    super(message);
    this.name = 'MailError';
    this.kind = kind;
    this.detail = detail;
  }
}

export function isMailError(err: unknown, kind?: MailErrorKind): err is MailError {
  return err instanceof MailError && (kind === undefined || err.kind === kind);
}
