/**
 * XFER between Murder backends (Cyrus's `XFER mailbox server [partition]`), the IMAP side:
 *
 *   runXfer(deps, log, request)      the source: freeze, send, commit, wait for the master, remove (source.ts)
 *   xferReceiver(deps)               the target: this process's stagings of moves arriving (receiver.ts)
 *   XferRecovery                     both: ends moves whose runner is gone, settles interrupted commits (recovery.ts)
 *
 * The two backends talk IMAP: the source logs in to the target's imapd as proxy_authname acting
 * as itself, then sends XFERRECV steps (see XferRecvStep in wire/parse/types.ts). The files, the
 * ledger and the freezing are the store's (src/store/xfer-*.ts).
 */
import type { ImapDeps } from '../deps.js';
import { XferReceiver } from './receiver.js';

export { runXfer, namesToMove, XferError, type XferRequest } from './source.js';
export { XferRecovery } from './recovery.js';
export { XferReceiver } from './receiver.js';

const receivers = new WeakMap<ImapDeps, XferReceiver>();

/** The process's receiver (one per set of deps: per ImapServer). */
export function xferReceiver(deps: ImapDeps): XferReceiver {
  let receiver = receivers.get(deps);
  if (receiver === undefined) receivers.set(deps, (receiver = new XferReceiver(deps.store, deps.logger)));
  return receiver;
}

/** A session ended: the moves it was receiving and had not committed are discarded. */
export function xferSessionEnded(deps: ImapDeps, sessionId: string): void {
  receivers.get(deps)?.sessionEnded(sessionId);
}

/** Whether a session is receiving a move (its staging lives in this process: the session may not move to another). */
export function xferSessionHolds(deps: ImapDeps, sessionId: string): boolean {
  return receivers.get(deps)?.holds(sessionId) ?? false;
}
