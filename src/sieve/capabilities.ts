/**
 * The capability list (RFC 5804 section 1.7), sent in the greeting, after STARTTLS, for
 * CAPABILITY and (sieve_sasl_send_unsolicited_capability) after AUTHENTICATE. Cyrus's order.
 */
import type { ConnectionContext } from '../auth/index.js';
import { packageVersion } from '../common/index.js';
import { ADDRBOOK_URN, DEFAULT_MAX_REDIRECTS, UNADVERTISED_EXTENSIONS } from '../sieve-script/index.js';
import type { SieveDeps } from './deps.js';
import { quoted } from './wire/response.js';

export interface CapabilityView {
  authenticated: boolean;
  tls: boolean;
  connection: ConnectionContext;
}

export function implementation(deps: SieveDeps): string {
  return deps.settings.serverInfo === 'on' ? `cyrusts ManageSieve ${packageVersion()}` : 'cyrusts ManageSieve';
}

/** Mechanisms offered: the auth module's, without ANONYMOUS (an anonymous login has no scripts). */
export function saslMechanisms(deps: SieveDeps, connection: ConnectionContext): string[] {
  return deps.auth.mechanisms(connection).filter((m) => m !== 'ANONYMOUS');
}

export function capabilityLines(deps: SieveDeps, view: CapabilityView): string[] {
  const lines = [`"IMPLEMENTATION" ${quoted(implementation(deps))}`];
  // RFC 5804 2.1: SASL is listed in the authenticated state too, possibly empty; we list the mechanisms before login.
  lines.push(`"SASL" ${quoted(view.authenticated ? '' : saslMechanisms(deps, view.connection).join(' '))}`);
  // What scripts may require, less what Cyrus does not list here (vnd.cyrus.log; still accepted).
  lines.push(`"SIEVE" ${quoted(deps.settings.extensions.filter((e) => !UNADVERTISED_EXTENSIONS.has(e)).join(' '))}`);
  if (deps.tlsContext && !view.tls && !view.authenticated) lines.push('"STARTTLS"');
  // RFC 5804 1.7: with enotify, the notification methods (mailto only, RFC 5436).
  if (deps.settings.extensions.includes('enotify')) lines.push('"NOTIFY" "mailto"');
  // RFC 6134 2.9: with extlists, the list names the server resolves (the users' address books).
  if (deps.settings.extensions.includes('extlists')) lines.push(`"EXTLISTS" ${quoted(ADDRBOOK_URN)}`);
  // The limit the language applies in a delivery's run (runSieve's default, which lmtpd uses).
  lines.push(`"MAXREDIRECTS" ${quoted(String(DEFAULT_MAX_REDIRECTS))}`);
  lines.push('"VERSION" "1.0"');
  lines.push('"UNAUTHENTICATE"');
  return lines;
}
