/**
 * The one mapping from domain errors to IMAP responses (RFC 5530 response codes). Anything that is
 * not a MailError is an internal error: the caller logs it in full and the client gets a short
 * `NO [SERVERBUG]` without internals.
 */
import { MailError, type MailErrorKind } from '../common/index.js';

interface ImapFailure {
  status: 'NO' | 'BAD';
  code: string | null;
  text: string;
  /** True when the error was not a domain error and must be logged as a bug. */
  internal: boolean;
}

const CODES: Record<MailErrorKind, { status: 'NO' | 'BAD'; code: string | null; text: string }> = {
  NotFound: { status: 'NO', code: 'NONEXISTENT', text: 'Mailbox does not exist' },
  Exists: { status: 'NO', code: 'ALREADYEXISTS', text: 'Mailbox already exists' },
  NoPerm: { status: 'NO', code: 'NOPERM', text: 'Permission denied' },
  OverQuota: { status: 'NO', code: 'OVERQUOTA', text: 'Over quota' },
  InUse: { status: 'NO', code: 'INUSE', text: 'Mailbox in use, try again later' },
  Limit: { status: 'NO', code: 'LIMIT', text: 'Limit exceeded' },
  Temp: { status: 'NO', code: 'UNAVAILABLE', text: 'Temporary failure, try again later' },
  BadName: { status: 'NO', code: 'CANNOT', text: 'Invalid mailbox name' },
  Invalid: { status: 'BAD', code: null, text: 'Invalid arguments' },
  AuthFailed: { status: 'NO', code: 'AUTHENTICATIONFAILED', text: 'Authentication failed' },
  Cannot: { status: 'NO', code: 'CANNOT', text: 'Operation not permitted' },
};

/**
 * Map any thrown value to an IMAP failure. The domain message is shown for kinds whose message
 * is written for users (names, limits); the table's generic text otherwise.
 */
export function imapFailure(err: unknown): ImapFailure {
  if (err instanceof MailError) {
    const entry = CODES[err.kind];
    const userFacing = err.kind === 'Limit' || err.kind === 'BadName' || err.kind === 'Invalid' || err.kind === 'Cannot' || err.kind === 'OverQuota' || err.detail?.moving === true;
    // A layer may name a more precise response code (e.g. UNKNOWN-CTE from the message layer).
    const code = typeof err.detail?.responseCode === 'string' ? err.detail.responseCode : entry.code;
    return { status: entry.status, code, text: userFacing && err.message ? err.message : entry.text, internal: false };
  }
  return { status: 'NO', code: 'SERVERBUG', text: 'Internal server error', internal: true };
}
