/**
 * The one mapping from domain errors to POP3 answers: RFC 3206 response codes ([AUTH], [SYS/TEMP],
 * [SYS/PERM], [IN-USE], [LOGIN-DELAY]) and short texts. Anything that is not a MailError is an
 * internal error: the caller logs it in full and the client gets `-ERR [SYS/TEMP]` without internals.
 */
import { MailError, type MailErrorKind } from '../common/index.js';

export interface Pop3Failure {
  /** RFC 3206 (or RFC 2449) response code, without brackets; null for none. */
  code: string | null;
  text: string;
  /** True when the error was not a domain error and must be logged as a bug. */
  internal: boolean;
}

/**
 * Where the error happened: proving who the client is (USER/PASS, AUTH), opening the maildrop
 * right after (Cyrus words those "Unable to open maildrop: ..."), or a TRANSACTION command.
 */
export type FailurePhase = 'authenticate' | 'maildrop' | 'command';

type Answer = { code: string | null; text: string };

const ANSWERS: Record<MailErrorKind, Answer> = {
  NotFound: { code: 'SYS/TEMP', text: 'Mailbox does not exist' },
  Exists: { code: 'SYS/PERM', text: 'Mailbox already exists' },
  NoPerm: { code: 'SYS/PERM', text: 'Permission denied' },
  OverQuota: { code: 'SYS/PERM', text: 'Over quota' },
  InUse: { code: 'IN-USE', text: 'Mailbox is busy, try again later' },
  Limit: { code: 'SYS/PERM', text: 'Limit exceeded' },
  Temp: { code: 'SYS/TEMP', text: 'Temporary failure, try again later' },
  BadName: { code: 'SYS/PERM', text: 'Invalid mailbox name' },
  Invalid: { code: null, text: 'Invalid arguments' },
  AuthFailed: { code: 'AUTH', text: 'Invalid login' },
  Cannot: { code: 'SYS/PERM', text: 'Operation not permitted' },
};

/** What the auth module's errors mean to a client that is logging in (RFC 3206 [AUTH] mostly). */
function authenticationAnswer(err: MailError): Answer {
  const detail = err.detail ?? {};
  switch (err.kind) {
    case 'NoPerm':
      // cyr_deny: Cyrus 3.6's pop3d answers PASS with [SYS/TEMP] and the admin's message (tried).
      if (detail.userDenied) return { code: 'SYS/TEMP', text: String(detail.denyMessage) };
      return detail.privacyRequired
        ? { code: 'AUTH', text: 'Plaintext login is only allowed over TLS' }
        : { code: 'AUTH', text: 'Not authorized to act as that user' };
    case 'Invalid':
      return detail.unsupportedMechanism
        ? { code: 'AUTH', text: 'Mechanism not available' }
        : { code: 'AUTH', text: 'Malformed authentication exchange' };
    case 'Limit':
      return { code: 'AUTH', text: 'Authentication message too long' };
    case 'Temp':
      return { code: 'SYS/TEMP', text: 'Authentication service unavailable' };
    default:
      return ANSWERS[err.kind];
  }
}

const minutes = (seconds: number) => {
  const n = Math.max(1, Math.round(seconds / 60));
  return `${n} minute${n === 1 ? '' : 's'}`;
};

/** Opening the maildrop after a good login: the lock and popminpoll have their own codes. */
function maildropAnswer(err: MailError): Answer {
  const detail = err.detail ?? {};
  if (err.kind === 'Limit' && detail.loginDelay) {
    return { code: 'LOGIN-DELAY', text: `Logins must be at least ${minutes(Number(detail.minPollSeconds))} apart` };
  }
  if (err.kind === 'InUse' && detail.maildropLocked) return { code: 'IN-USE', text: 'Unable to lock maildrop: another POP3 session holds it' };
  const answer = ANSWERS[err.kind];
  return { code: answer.code ?? 'SYS/PERM', text: `Unable to open maildrop: ${answer.text}` };
}

/** Map any thrown value to a POP3 failure. */
export function pop3Failure(err: unknown, phase: FailurePhase): Pop3Failure {
  if (!(err instanceof MailError)) return { code: 'SYS/TEMP', text: 'Internal server error', internal: true };
  const answer = phase === 'authenticate' ? authenticationAnswer(err) : phase === 'maildrop' ? maildropAnswer(err) : ANSWERS[err.kind];
  return { ...answer, internal: false };
}

/** The response line of a failure: "-ERR [CODE] text". */
export function errLine(failure: Answer): string {
  return failure.code ? `-ERR [${failure.code}] ${failure.text}` : `-ERR ${failure.text}`;
}

/** A POP3 answer decided by the protocol itself (bad arguments, no such message). */
export class Pop3Error extends Error {
  constructor(
    readonly code: string | null,
    text: string,
  ) {
    super(text);
    this.name = 'Pop3Error';
  }
}
