/** What LOGIN and AUTHENTICATE share: the answer to a failure and what happens right after a login. */
import type { Identity } from '../../auth/index.js';
import { MailError } from '../../common/index.js';
import { CommandFailure, type CommandContext, type CommandResult } from './types.js';
import { codes, untaggedStatus } from '../wire/serialize/response.js';

/**
 * Turn an authentication error into the tagged answer (the auth module waited out the login
 * penalty and counted the failure). Past the failure limit the session is closed after the answer.
 */
export function authFailure(ctx: CommandContext, err: unknown): never {
  if (!(err instanceof MailError)) throw err;
  if (err.kind === 'AuthFailed') {
    if (err.detail?.disconnect === true) ctx.logout();
    throw new CommandFailure('NO', 'AUTHENTICATIONFAILED', 'Authentication failed');
  }
  if (err.kind === 'Temp' && err.detail?.busy) throw new CommandFailure('NO', 'UNAVAILABLE', 'Too many login attempts from your address at once, try again later');
  if (err.kind === 'NoPerm' && err.detail?.privacyRequired) throw new CommandFailure('NO', 'PRIVACYREQUIRED', 'Plaintext login is only allowed over TLS');
  if (err.kind === 'NoPerm' && err.detail?.userDenied) throw new CommandFailure('NO', 'AUTHORIZATIONFAILED', String(err.detail.denyMessage));
  if (err.kind === 'NoPerm') throw new CommandFailure('NO', 'AUTHORIZATIONFAILED', 'Not authorized to act as that user');
  if (err.kind === 'Invalid' && err.detail?.unsupportedMechanism) throw new CommandFailure('NO', 'CANNOT', 'Mechanism not available');
  if (err.kind === 'Invalid') throw new CommandFailure('BAD', null, 'Malformed authentication exchange');
  if (err.kind === 'Limit') throw new CommandFailure('BAD', null, 'Authentication message too long');
  if (err.kind === 'Temp') throw new CommandFailure('NO', 'UNAVAILABLE', 'Authentication service unavailable');
  throw err;
}

/** How the client proved who it is: a password sent as is (LOGIN, PLAIN, LOGIN mechanism) or otherwise. */
export interface LoginMethod {
  plaintext: boolean;
}

/** The ALERTs Cyrus sends right after a login, before the tagged OK: the motd, then plaintextloginalert. */
function loginAlerts(ctx: CommandContext, method: LoginMethod): void {
  const motd = ctx.deps.motd();
  if (motd?.trim()) ctx.out.send(untaggedStatus('OK', codes.alert(), motd.trim()));
  const unprotected = !ctx.tls && !ctx.connection.unixSocket;
  const alert = method.plaintext && unprotected ? (ctx.deps.config.string('plaintextloginalert') ?? '').trim() : '';
  if (alert) ctx.out.send(untaggedStatus('OK', codes.alert(), alert));
}

export async function loginSucceeded(ctx: CommandContext, identity: Identity, method: LoginMethod): Promise<CommandResult> {
  await ctx.authenticated(identity);
  // The login stands even when the INBOX cannot be made now (as in Cyrus): the user is told by
  // SELECT, and the next login tries again.
  try {
    const contact = await ctx.deps.accounts.firstLogin(identity);
    if (contact.kind === 'frontend' && contact.backend !== null) await ctx.provisionInbox(identity, contact.backend);
  } catch (err) {
    ctx.deps.logger.warn({ err, sid: ctx.sessionId, user: identity.userid }, 'autocreate of INBOX failed');
  }
  loginAlerts(ctx, method);
  return { status: 'OK', code: codes.capability(ctx.capabilities()), text: 'User logged in' };
}
