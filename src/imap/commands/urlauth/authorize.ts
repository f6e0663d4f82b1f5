/**
 * URLAUTH (RFC 4467): the INTERNAL mechanism and the checks around it. A token is the hex
 * HMAC-SHA256 of the rump URL (everything up to and including `;URLAUTH=<access>`) under the
 * mailbox access key of the URL's user for that mailbox (store.accessKeys, mboxkey.db).
 *
 * A URL is redeemed (URLFETCH, CATENATE) with the rights of the user it names, not those of the
 * session; the session only has to match the access identifier: `anonymous` anyone, `authuser`
 * any logged-in user, `user+fred` fred, `submit+fred` a login listed in `submitservers`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Identity } from '../../../auth/index.js';
import { MailError } from '../../../common/index.js';
import type { MailboxEntry } from '../../../store/index.js';
import type { ImapDeps } from '../../deps.js';
import { encodeModifiedUtf7 } from '../../wire/mutf7.js';
import { UrlError, type ImapUrl, type UrlAccess } from '../../wire/parse/url.js';

/** The one mechanism (RFC 4467 section 2.4.1), as URLMECH and URLs name it. */
export const INTERNAL = 'INTERNAL';

export function internalToken(key: Buffer, rump: string): string {
  return createHmac('sha256', key).update(rump, 'utf8').digest('hex');
}

function tokenMatches(key: Buffer, rump: string, token: string): boolean {
  const expected = Buffer.from(internalToken(key, rump), 'latin1');
  const given = Buffer.from(token, 'latin1');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The URL names this server (host = servername, case-insensitively) and a user. */
export function requireOwnServer(deps: ImapDeps, url: ImapUrl): string {
  if (!url.absolute) throw new UrlError('Relative URL not allowed');
  if (url.host !== deps.serverName.toLowerCase()) throw new UrlError(`Not this server (${deps.serverName})`);
  if (url.user === null) throw new UrlError('URL names no user');
  return url.user;
}

/** The mailbox a URL names, as `who` names mailboxes (UrlError when there is none). */
export function urlMailbox(deps: ImapDeps, url: ImapUrl, who: Identity): MailboxEntry {
  let internal: string;
  try {
    internal = deps.namespace.toInternal(encodeModifiedUtf7(url.mailbox), who);
  } catch (err) {
    if (err instanceof MailError) throw new UrlError('Invalid mailbox name');
    throw err;
  }
  const entry = deps.store.lookup(internal);
  if (!entry) throw new UrlError('Mailbox does not exist');
  return entry;
}

function mayRedeem(deps: ImapDeps, access: UrlAccess, session: Identity): boolean {
  switch (access.kind) {
    case 'anonymous':
      return true;
    case 'authuser':
      return !session.isAnonymous;
    case 'user':
      return !session.isAnonymous && session.userid === access.userid;
    case 'submit': {
      if (session.isAnonymous) return false;
      const allowed = new Set(deps.config.list('submitservers'));
      return allowed.has(session.userid) || session.groups().some((group) => allowed.has(`group:${group}`));
    }
  }
}

/**
 * Check a full URLAUTH URL for `session` (RFC 4467 section 6): this server, a known mechanism,
 * not expired, the access identifier, the owner's read right, the token. Returns the owner and
 * the mailbox; UrlError otherwise (URLFETCH answers NIL, CATENATE BADURL).
 */
export function redeem(deps: ImapDeps, url: ImapUrl, session: Identity, now = new Date()): { owner: Identity; entry: MailboxEntry } {
  const userid = requireOwnServer(deps, url);
  const auth = url.urlauth;
  if (auth === null || auth.mechanism === null || auth.token === null) throw new UrlError('Not a URLAUTH-authorized URL');
  if (auth.mechanism !== INTERNAL) throw new UrlError(`Unknown URLAUTH mechanism ${auth.mechanism}`);
  if (auth.expire !== null && auth.expire.getTime() <= now.getTime()) throw new UrlError('URLAUTH has expired');
  if (!mayRedeem(deps, auth.access, session)) throw new UrlError('Access identifier does not allow this user');
  const owner = deps.auth.identityOf(userid, deps.serviceName);
  const entry = urlMailbox(deps, url, owner);
  if (!deps.rights.hasRights(owner, entry, 'r')) throw new UrlError('URLAUTH verification failed');
  const key = deps.store.accessKeys.find(owner.userid, entry.uniqueId);
  if (key === null || !tokenMatches(key, auth.rump, auth.token)) throw new UrlError('URLAUTH verification failed');
  return { owner, entry };
}
