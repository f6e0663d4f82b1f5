/**
 * The one mapping from domain errors to ManageSieve answers (RFC 5804 response codes). Anything
 * that is not a MailError is an internal error: the caller logs it in full and the client gets
 * `NO (TRYLATER)` without internals.
 */
import { MailError, type MailErrorKind } from '../common/index.js';
import type { ResponseCode } from './wire/response.js';

export interface SieveFailure {
  code: ResponseCode | null;
  text: string;
  /** True when the error was not a domain error and must be logged as a bug. */
  internal: boolean;
}

type Answer = { code: ResponseCode | null; text: string };

const ANSWERS: Record<MailErrorKind, Answer> = {
  NotFound: { code: 'NONEXISTENT', text: 'Script does not exist' },
  Exists: { code: 'ALREADYEXISTS', text: 'A script with that name already exists' },
  NoPerm: { code: null, text: 'Permission denied' },
  OverQuota: { code: 'QUOTA', text: 'Over quota' },
  InUse: { code: 'TRYLATER', text: 'Busy, try again later' },
  Limit: { code: null, text: 'Limit exceeded' },
  Temp: { code: 'TRYLATER', text: 'Temporary failure, try again later' },
  BadName: { code: null, text: 'Invalid script name' },
  Invalid: { code: null, text: 'Invalid arguments' },
  AuthFailed: { code: null, text: 'Authentication failed' },
  Cannot: { code: null, text: 'Operation not permitted' },
};

/** A script-store error. */
function scriptAnswer(err: MailError): Answer {
  const detail = err.detail ?? {};
  if (err.kind === 'InUse' && detail.active) return { code: 'ACTIVE', text: 'You may not delete an active script' };
  if (err.kind === 'OverQuota') {
    if (detail.quota === 'maxsize') return { code: 'QUOTA/MAXSIZE', text: 'Script is too big' };
    if (detail.quota === 'maxscripts') return { code: 'QUOTA/MAXSCRIPTS', text: 'Too many scripts' };
  }
  return ANSWERS[err.kind];
}

/** What the auth module's errors mean to a client that is authenticating. */
function authenticationAnswer(err: MailError): Answer {
  const detail = err.detail ?? {};
  switch (err.kind) {
    case 'NoPerm':
      if (detail.userDenied) return { code: null, text: String(detail.denyMessage) };
      return detail.privacyRequired
        ? { code: 'ENCRYPT-NEEDED', text: 'Plaintext authentication is only allowed over TLS' }
        : { code: null, text: 'Not authorized to act as that user' };
    case 'Invalid':
      return detail.unsupportedMechanism ? { code: null, text: 'Mechanism not available' } : { code: null, text: 'Malformed authentication exchange' };
    case 'Limit':
      return { code: null, text: 'Authentication message too long' };
    case 'Temp':
      return detail.busy
        ? { code: 'TRYLATER', text: 'Too many login attempts from your address at once, try again later' }
        : { code: 'TRYLATER', text: 'Authentication service unavailable' };
    default:
      return ANSWERS[err.kind];
  }
}

export function sieveFailure(err: unknown, phase: 'authenticate' | 'command'): SieveFailure {
  if (!(err instanceof MailError)) return { code: 'TRYLATER', text: 'Internal server error', internal: true };
  return { ...(phase === 'authenticate' ? authenticationAnswer(err) : scriptAnswer(err)), internal: false };
}

/** An answer decided by the protocol itself (bad arguments, wrong state). */
export class SieveError extends Error {
  constructor(
    readonly code: ResponseCode | null,
    text: string,
  ) {
    super(text);
    this.name = 'SieveError';
  }
}
