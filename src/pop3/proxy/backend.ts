/**
 * A frontend's POP3 login on the backend that holds a user's INBOX (Cyrus's pop3d as a Murder
 * proxy): connect to the backend's POP3 port, read its greeting, and log in as proxy_authname with
 * the user as authorization identity (AUTH PLAIN); the backend accepts it because proxy_authname
 * is one of its proxyservers. STLS first when murder_tls says so (CAPA lists STLS; link-tls.ts). A backend that is down or refuses
 * is logged here and answered `-ERR [SYS/TEMP]`; the client's session stays as it was.
 */
import type { Identity } from '../../auth/index.js';
import type { Logger } from '../../common/index.js';
import { BackendError, BackendLink, backendAddress, isRemoteEntry, LinkTlsError, murderSettings, proxyLogin, saslPlain, wantStartTls } from '../../murder/index.js';
import type { Pop3Deps } from '../deps.js';
import { Pop3Error } from '../error-map.js';

/** Connecting, and each of the backend's answers during the login, may take this long. */
export const BACKEND_TIMEOUT_MS = 30_000;

const UNAVAILABLE = 'The server holding your mailbox is not available, try again later';

/** The backend holding `identity`'s INBOX, or null when the INBOX is here (or unknown). */
export function remoteMaildropServer(deps: Pop3Deps, identity: Identity): string | null {
  const inbox = deps.namespace.inboxOf(identity);
  if (!inbox) return null;
  const entry = deps.store.lookup(inbox);
  if (entry === null || entry.type.includes('reserved') || !isRemoteEntry(entry, deps.serverName)) return null;
  return entry.server;
}

/** Log in on `server` for `userid`; the link is positioned after the backend's +OK. Pop3Error SYS/TEMP otherwise. */
export async function loginOnBackend(deps: Pop3Deps, server: string, userid: string, log: Logger): Promise<BackendLink> {
  const login = proxyLogin(deps.config, server);
  if (login === null) {
    log.error({ server, user: userid }, 'no proxy password for the backend (proxy_password or <server>_password)');
    throw new Pop3Error('SYS/TEMP', UNAVAILABLE);
  }
  const settings = murderSettings(deps.config, deps.serverName);
  const { host, port } = backendAddress(settings, server, 'pop3');
  const tls = settings.linkTls;
  let link: BackendLink;
  try {
    link = await BackendLink.open({ host, port, timeoutMs: BACKEND_TIMEOUT_MS });
  } catch (err) {
    log.warn({ server, port, user: userid, reason: (err as Error).message }, 'backend unavailable');
    throw new Pop3Error('SYS/TEMP', UNAVAILABLE);
  }
  try {
    const greeting = await link.readLine();
    if (!greeting.startsWith('+OK')) throw new BackendError('closed', `backend greeting: ${greeting.slice(0, 200)}`);
    if (tls.mode !== 'off') {
      link.write('CAPA\r\n');
      let offered = false;
      if ((await link.readLine()).startsWith('+OK')) {
        for (let line = await link.readLine(); line !== '.'; line = await link.readLine()) {
          if (line.trim().toUpperCase() === 'STLS') offered = true;
        }
      }
      if (wantStartTls(tls, offered, `backend ${server}`)) {
        link.write('STLS\r\n');
        const go = await link.readLine();
        if (!go.startsWith('+OK')) throw new LinkTlsError(`backend ${server} refused STLS: ${go.slice(0, 200)}`);
        await link.startTls(tls, host);
      }
    }
    log.info({ server, host, port, user: userid, tls: link.secure }, 'backend connection opened');
    link.write(`AUTH PLAIN ${saslPlain(userid, login.authname, login.password)}\r\n`);
    const answer = await link.readLine();
    if (!answer.startsWith('+OK')) {
      link.close();
      log.warn({ server, user: userid, answer: answer.slice(0, 200) }, 'backend refused the proxy login');
      throw new Pop3Error('SYS/TEMP', 'The server holding your mailbox refused the login, try again later');
    }
    return link;
  } catch (err) {
    if (err instanceof Pop3Error) throw err;
    link.close();
    if (err instanceof LinkTlsError) {
      log.error({ server, user: userid, reason: err.message }, 'TLS to the backend failed: not used');
      throw new Pop3Error('SYS/TEMP', UNAVAILABLE);
    }
    log.warn({ server, user: userid, reason: (err as Error).message }, 'backend unavailable');
    throw new Pop3Error('SYS/TEMP', UNAVAILABLE);
  }
}
