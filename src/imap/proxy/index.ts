/**
 * Murder frontend IMAP (Cyrus's proxyd): commands on mailboxes of other servers relayed to their
 * backends. The session asks `proxyFor(session)` once (null on a server in no Murder) and then
 * `proxy.route(command, raw)` for each command: null when it runs here.
 */
import type { ImapDeps } from '../deps.js';
import { ImapProxy, type ProxyHost } from './proxy.js';

export { ImapProxy, type ProxyHost } from './proxy.js';

const inMurder = new WeakMap<ImapDeps, boolean>();

/** The session's proxy when this server is in a Murder (mupdate_server set), else null. */
export function proxyFor(host: ProxyHost): ImapProxy | null {
  let murder = inMurder.get(host.deps);
  if (murder === undefined) inMurder.set(host.deps, (murder = host.deps.config.string('mupdate_server') !== null));
  return murder ? new ImapProxy(host) : null;
}
