import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { clientCertificateIdentity } from '../common/socket-session.js';

/** What the authentication layer needs to know about a connection. Keep one object per connection. */
export interface ConnectionContext {
  /** The service name (SERVICES entry, e.g. "imap", "pop3", "lmtp"): selects SERVICE_option settings. */
  service: string;
  /** TLS is active on the connection (STARTTLS done or an implicit-TLS port). */
  tls: boolean;
  /**
   * The identity of the client's verified TLS certificate (its subject CN), known from the end of
   * the handshake (STARTTLS or TLS on connect); null without one. SASL EXTERNAL logs it in.
   */
  certificateIdentity?: string | null;
  /** The connection came over a UNIX socket (trusted local client: EXTERNAL, plaintext allowed). */
  unixSocket: boolean;
  /** The local address the client connected to (virtdomains: on looks up its name). */
  localAddress?: string;
  /** The client's address (per-address failure counting). */
  remoteAddress?: string;
  /** The protocol session's id, so the one "login" line names the session (logs only). */
  sessionId?: string;
  /** Whether the client has gone (connection closed): an attempt still waiting is abandoned, counted as a failure. */
  clientGone?: () => boolean;
}

/** A protocol session's ConnectionContext, from the connection's facts as the service handed them over. */
export function connectionContext(
  service: string,
  connection: { tls: boolean; unixSocket: boolean; localAddress?: string; remoteAddress?: string },
  sessionId: string,
  clientGone: () => boolean,
  socket?: Duplex,
): ConnectionContext {
  const { tls, unixSocket, localAddress, remoteAddress } = connection;
  const ctx: ConnectionContext = { service, tls, unixSocket, localAddress, remoteAddress, sessionId, clientGone, certificateIdentity: null };
  if (socket instanceof TLSSocket) tlsStarted(ctx, socket);
  return ctx;
}

/**
 * TLS begins on the connection (`secure`, before its handshake): the connection counts as TLS, and
 * the client certificate's identity is taken when the handshake ends (before the first command
 * can be read from it).
 */
export function tlsStarted(ctx: ConnectionContext, secure: TLSSocket): void {
  ctx.tls = true;
  ctx.certificateIdentity = null;
  secure.once('secure', () => {
    ctx.certificateIdentity = clientCertificateIdentity(secure);
  });
}
