/**
 * A Murder frontend's LMTP connections to backends kept between the transactions of one client
 * session, as Cyrus's lmtpproxyd keeps them: a backend connection that finished a transaction
 * (DATA answered) waits here for the session's next transaction, so an MTA's reused session pays
 * the backend's greeting, LHLO and AUTH once, not per message. Closed (QUIT) with the session.
 */
import type { LmtpBackend } from './backend.js';

export class BackendPool {
  private readonly idle = new Map<string, LmtpBackend>();

  /** A kept connection to `server` that is still open (removed from the pool), or null. */
  take(server: string): LmtpBackend | null {
    const backend = this.idle.get(server) ?? null;
    this.idle.delete(server);
    if (backend !== null && !backend.open) return null;
    return backend;
  }

  /** Keep a connection whose transaction is over; one per backend (a second is ended). */
  keep(backend: LmtpBackend): void {
    if (!backend.open || this.idle.has(backend.server)) return backend.quit();
    this.idle.set(backend.server, backend);
  }

  closeAll(): void {
    for (const backend of this.idle.values()) backend.quit();
    this.idle.clear();
  }
}
