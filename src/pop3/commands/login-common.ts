/** What USER/PASS and AUTH share: the answer to a failed login, after the growing delay. */
import { MailError } from '../../common/index.js';
import { Pop3Error, pop3Failure } from '../error-map.js';
import type { CommandContext } from './types.js';

/**
 * Answer an authentication error (the auth module waited out the login penalty and counted the
 * failure): past auth_max_failures the connection is closed after the answer. Throws the Pop3Error to send.
 */
export function refuseLogin(ctx: CommandContext, err: unknown): never {
  if (!(err instanceof MailError)) throw err;
  if (err.kind === 'AuthFailed' && err.detail?.disconnect === true) ctx.closeAfterReply();
  if (err.kind === 'Temp' && err.detail?.busy) throw new Pop3Error('SYS/TEMP', 'Too many login attempts from your address at once, try again later');
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
