/**
 * The target side of XFER in one imapd process: the stagings of the moves arriving, each owned by
 * the session (the source's connection) that opened it. When that session ends without a commit,
 * its stagings are discarded, so a source that died leaves nothing behind here.
 */
import type { Logger } from '../../common/index.js';
import type { MailStore, XferStaging } from '../../store/index.js';
import { MailError } from '../../common/index.js';

interface Owned {
  staging: XferStaging;
  sessionId: string;
}

export class XferReceiver {
  private readonly stagings = new Map<string, Owned>();

  constructor(private readonly store: MailStore, private readonly log: Logger) {}

  /** The staging of `xferId` for this session, made on first use. */
  open(xferId: string, sessionId: string): XferStaging {
    const owned = this.stagings.get(xferId);
    if (owned !== undefined) {
      if (owned.sessionId !== sessionId) throw new MailError('InUse', `XFER ${xferId} is received by another connection`);
      return owned.staging;
    }
    const staging = this.store.xferStage(xferId);
    this.stagings.set(xferId, { staging, sessionId });
    return staging;
  }

  /** The staging of `xferId` this session opened. */
  get(xferId: string, sessionId: string): XferStaging {
    const owned = this.stagings.get(xferId);
    if (owned === undefined || owned.sessionId !== sessionId) throw new MailError('NotFound', `no XFER ${xferId} under way on this connection`);
    return owned.staging;
  }

  /** Commit `xferId`'s staging; on failure it is discarded. Returns the mailboxes now here. */
  async commit(xferId: string, sessionId: string): Promise<string[]> {
    const staging = this.get(xferId, sessionId);
    try {
      return await staging.commit();
    } catch (err) {
      staging.discard();
      throw err;
    } finally {
      this.stagings.delete(xferId);
    }
  }

  /** Drop `xferId`'s staging, whichever connection holds it (the source gave the move up). */
  discard(xferId: string): void {
    const owned = this.stagings.get(xferId);
    if (owned === undefined) return;
    this.stagings.delete(xferId);
    owned.staging.discard();
  }

  /** The connection ended: what it had not committed goes. */
  sessionEnded(sessionId: string): void {
    for (const [xferId, owned] of this.stagings) {
      if (owned.sessionId !== sessionId) continue;
      this.stagings.delete(xferId);
      const names = owned.staging.mailboxNames;
      if (names.length > 0) this.log.warn({ xfer: xferId, mailboxes: names }, 'xfer: the source went away before the commit; what it sent is discarded');
      owned.staging.discard();
    }
  }

  /** Whether the session holds a staging (it must then stay in this process). */
  holds(sessionId: string): boolean {
    for (const owned of this.stagings.values()) if (owned.sessionId === sessionId) return true;
    return false;
  }
}
