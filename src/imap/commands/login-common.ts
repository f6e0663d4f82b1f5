/** What LOGIN and AUTHENTICATE share: failure delays and what happens right after a login. */
import type { Identity } from '../../auth/index.js';
import { MailError } from '../../common/errors.js';
import { CommandFailure, type CommandContext, type CommandResult } from './types.js';
import { checkSpecialUse } from './mailbox/create.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Turn an authentication error into the tagged answer, after the growing failure delay.
 * Past the failure limit the session is closed after the answer.
 */
export async function authFailure(ctx: CommandContext, err: unknown): Promise<never> {
  if (!(err instanceof MailError)) throw err;
  if (err.kind === 'AuthFailed') {
    const verdict = ctx.deps.auth.recordFailure(ctx.connection);
    ctx.deps.logger.info({ sid: ctx.sessionId, remote: ctx.connection.remoteAddress }, 'authentication failed');
    if (verdict.delayMs > 0) await sleep(verdict.delayMs);
    if (verdict.disconnect) ctx.logout();
    throw new CommandFailure('NO', 'AUTHENTICATIONFAILED', 'Authentication failed');
  }
  if (err.kind === 'NoPerm' && err.detail?.privacyRequired) throw new CommandFailure('NO', 'PRIVACYREQUIRED', 'Plaintext login is only allowed over TLS');
  if (err.kind === 'NoPerm') throw new CommandFailure('NO', 'AUTHORIZATIONFAILED', 'Not authorized to act as that user');
  if (err.kind === 'Invalid' && err.detail?.unsupportedMechanism) throw new CommandFailure('NO', 'CANNOT', 'Mechanism not available');
  if (err.kind === 'Invalid') throw new CommandFailure('BAD', null, 'Malformed authentication exchange');
  if (err.kind === 'Limit') throw new CommandFailure('BAD', null, 'Authentication message too long');
  if (err.kind === 'Temp') throw new CommandFailure('NO', 'UNAVAILABLE', 'Authentication service unavailable');
  throw err;
}

/** What `xlist-FLAG: folder` gives the folder, checked as CREATE (USE ...) is; a refusal is logged and skipped. */
function autocreateSpecialUse(ctx: CommandContext, mailbox: string, folder: string): string | null {
  try {
    return checkSpecialUse(ctx, mailbox, ctx.deps.config.specialUseOf(folder));
  } catch (err) {
    if (!(err instanceof CommandFailure)) throw err;
    ctx.deps.logger.warn({ sid: ctx.sessionId, mailbox, reason: err.message }, 'autocreate: special use not set');
    return null;
  }
}

/**
 * Autocreate the user's INBOX (autocreate_quota >= 0, as in Cyrus) and its folders. As in Cyrus,
 * the INBOX is always subscribed, a folder only when autocreate_subscribe_folders names it, and
 * `xlist-FLAG: folder` gives a folder its special-use attribute (the same check as CREATE (USE ...)).
 */
function autocreateInbox(ctx: CommandContext, identity: Identity): void {
  const config = ctx.deps.config;
  if (identity.isAnonymous || config.int('autocreate_quota') < 0) return;
  const inbox = ctx.deps.namespace.inboxOf(identity);
  if (!inbox || ctx.deps.store.lookup(inbox)) return;
  const acl = `${identity.userid}\tlrswipkxtecdan\t`;
  ctx.deps.store.createMailbox(inbox, { acl });
  ctx.deps.store.subscribe(identity.userid, inbox);
  const subscribe = new Set(config.list('autocreate_subscribe_folders'));
  for (const folder of config.list('autocreate_inbox_folders')) {
    const name = `${inbox}.${folder.replaceAll('.', '^')}`;
    try {
      ctx.deps.store.createMailbox(name, { acl, specialUse: autocreateSpecialUse(ctx, name, folder) });
      if (subscribe.has(folder)) ctx.deps.store.subscribe(identity.userid, name);
    } catch (err) {
      ctx.deps.logger.warn({ err, mailbox: name }, 'autocreate of a folder failed');
    }
  }
  ctx.deps.logger.info({ sid: ctx.sessionId, user: identity.userid }, 'autocreated INBOX');
}

/** How the client proved who it is: a password sent as is (LOGIN, PLAIN, LOGIN mechanism) or otherwise. */
export interface LoginMethod {
  plaintext: boolean;
}

/** Text fit for a response line: no control characters. */
const responseText = (text: string): string => text.replace(/[\x00-\x1f\x7f]/g, ' ').trim();

/** The ALERTs Cyrus sends right after a login, before the tagged OK: the motd, then plaintextloginalert. */
function loginAlerts(ctx: CommandContext, method: LoginMethod): void {
  const motd = ctx.deps.motd();
  if (motd) ctx.out.line(`* OK [ALERT] ${responseText(motd)}`);
  const unprotected = !ctx.tls && !ctx.connection.unixSocket;
  const alert = method.plaintext && unprotected ? responseText(ctx.deps.config.string('plaintextloginalert') ?? '') : '';
  if (alert) ctx.out.line(`* OK [ALERT] ${alert}`);
}

export async function loginSucceeded(ctx: CommandContext, identity: Identity, method: LoginMethod): Promise<CommandResult> {
  ctx.deps.auth.recordSuccess(ctx.connection);
  await ctx.authenticated(identity);
  // The login stands even when the INBOX cannot be made now (as in Cyrus): the user is told by
  // SELECT, and the next login tries again.
  try {
    autocreateInbox(ctx, identity);
  } catch (err) {
    ctx.deps.logger.warn({ err, sid: ctx.sessionId, user: identity.userid }, 'autocreate of INBOX failed');
  }
  loginAlerts(ctx, method);
  return { status: 'OK', code: `CAPABILITY ${ctx.capabilities().join(' ')}`, text: 'User logged in' };
}
