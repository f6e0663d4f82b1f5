/** CAPA (RFC 2449): what this server offers on this connection, in Cyrus's order. */
import type { ConnectionContext } from '../auth/index.js';
import { packageVersion } from '../common/index.js';
import type { Pop3Deps } from './deps.js';

export interface CapabilityView {
  authenticated: boolean;
  tls: boolean;
  connection: ConnectionContext;
}

export function implementation(): string {
  return `cyrusts POP3 ${packageVersion()}`;
}

export function capabilityLines(deps: Pop3Deps, view: CapabilityView): string[] {
  const { settings } = deps;
  const lines: string[] = [];
  if (!view.authenticated) {
    const mechanisms = deps.auth.mechanisms(view.connection);
    if (mechanisms.length > 0) lines.push(`SASL ${mechanisms.join(' ')}`);
    if (deps.tlsContext && !view.tls) lines.push('STLS');
  }
  lines.push(settings.expireDays === null ? 'EXPIRE NEVER' : `EXPIRE ${settings.expireDays}`);
  lines.push(`LOGIN-DELAY ${settings.minPollSeconds}`);
  lines.push('TOP', 'UIDL', 'PIPELINING', 'RESP-CODES', 'AUTH-RESP-CODE');
  if (!view.authenticated && deps.auth.plaintextAllowed(view.connection)) lines.push('USER');
  if (view.authenticated || settings.serverInfo === 'on') lines.push(`IMPLEMENTATION ${implementation()}`);
  return lines;
}
