/**
 * After a proxied login, the client's connection and the backend's are joined byte for byte until
 * either side closes; the other side is then closed too. Bytes the session had read past the login
 * command (pipelined commands) go to the backend first, and bytes the backend sent after its +OK
 * go to the client first.
 */
import type { Duplex } from 'node:stream';
import type { BackendLink } from '../../murder/index.js';

/** How long a half-closed side may stay before it is destroyed. */
const LINGER_MS = 1000;

export class Pop3Relay {
  private ended = false;

  constructor(
    private readonly client: Duplex,
    private readonly backend: Duplex,
    private readonly onEnd: (reason: string) => void,
  ) {}

  static start(client: Duplex, clientEarly: Buffer, link: BackendLink, onEnd: (reason: string) => void): Pop3Relay {
    const backendEarly = link.release();
    const relay = new Pop3Relay(client, link.socket, onEnd);
    if (backendEarly.length > 0) client.write(backendEarly);
    if (clientEarly.length > 0) link.socket.write(clientEarly);
    client.on('error', () => relay.stop('client connection failed'));
    link.socket.on('error', () => relay.stop('backend connection failed'));
    client.on('close', () => relay.stop('client closed connection'));
    link.socket.on('close', () => relay.stop('backend closed connection'));
    client.pipe(link.socket);
    link.socket.pipe(client);
    client.resume();
    return relay;
  }

  /** End both sides (each gets what was already written to it), once. */
  stop(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    for (const side of [this.client, this.backend]) {
      if (!side.destroyed) side.end();
      const timer = setTimeout(() => side.destroy(), LINGER_MS);
      timer.unref();
    }
    this.onEnd(reason);
  }
}
