/** What USER/PASS and AUTH share: the answer to a failed login, after the growing delay. */
import { MailError } from '../../common/index.js';
import { Pop3Error, pop3Failure } from '../error-map.js';
import type { CommandContext } from './types.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Answer an authentication error: a wrong password waits out the auth module's delay (doubling per
 * failure from this connection or address) and, past auth_max_failures, the connection is closed
 * after the answer. Throws the Pop3Error to send.
 */
export async function refuseLogin(ctx: CommandContext, err: unknown): Promise<never> {
  if (!(err instanceof MailError)) throw err;
  if (err.kind === 'AuthFailed') {
    const verdict = ctx.deps.auth.recordFailure(ctx.connection);
    ctx.log.info({ remote: ctx.connection.remoteAddress }, 'authentication failed');
    if (verdict.delayMs > 0) await sleep(verdict.delayMs);
    if (verdict.disconnect) ctx.closeAfterReply();
  }
  const failure = pop3Failure(err, 'authenticate');
  throw new Pop3Error(failure.code, failure.text);
}

/**
 * popsubfolders: "fred+Sent" or "fred+Sent@example.com" logs in as fred (fred@example.com) and
 * opens the folder Sent; without the option the name is used as given.
 */
export function splitSubfolder(login: string, subfolders: boolean): { login: string; subfolder: string | null } {
  if (!subfolders) return { login, subfolder: null };
  const at = login.lastIndexOf('@');
  const local = at >= 0 ? login.slice(0, at) : login;
  const plus = local.indexOf('+');
  if (plus < 0) return { login, subfolder: null };
  const subfolder = local.slice(plus + 1);
  return { login: local.slice(0, plus) + (at >= 0 ? login.slice(at) : ''), subfolder: subfolder === '' ? null : subfolder };
}
