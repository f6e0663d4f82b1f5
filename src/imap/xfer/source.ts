/**
 * XFER on the source backend: move mailboxes (a user: all of theirs) to another backend.
 *
 *  1. connect to the target (refused before anything is touched when it cannot be reached);
 *  2. freeze the mailboxes here (store.xferBegin): they stay readable, every change is refused
 *     with InUse (IMAP NO [INUSE], LMTP 450 4.2.0), and wait until the mupdate master has every
 *     earlier change of this server's list (so no late push can undo the move);
 *  3. send each mailbox (MAILBOX, its files in PUT batches, then STATE), and a user's USER;
 *     any failure: the target discards what it got, the mailboxes thaw here, NO;
 *  4. phase `committing` (recorded before COMMIT is sent), COMMIT; when its answer is lost, the
 *     target is asked how it ended (its answer is final: a commit it had not made can never
 *     happen after it, see xfer_log);
 *  5. phase `committed`; once the mupdate master lists none of them here any more (the target's
 *     pusher has told it where they are), the copies here are removed without a word to the master.
 *
 * Whatever stops a move part way (a crash, kill -9, a lost connection) leaves its rows in
 * xfer_moves with the phase it reached; the recovery (recovery.ts) ends it the same way.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../common/index.js';
import type { ImapdConfig } from '../../config/index.js';
import { connectMupdate, mupdateConnectOptions, murderSettings, parseLocation, type MupdateConnection, type MurderSettings } from '../../murder/index.js';
import type { MailStore, XferMailboxExport } from '../../store/index.js';
import { BackendUnavailable } from '../proxy/backend.js';
import { XferLink, XferRefused } from './link.js';

/** A move that did not happen (or not yet): `reason` picks the IMAP response code. */
export class XferError extends Error {
  constructor(readonly reason: 'unavailable' | 'refused' | 'cannot', message: string) {
    super(message);
    this.name = 'XferError';
  }
}

export interface XferRequest {
  /** Internal names, parents before children. */
  names: string[];
  /** The user moved whole, or null for one mailbox. */
  userid: string | null;
  target: string;
  partition: string | null;
}

/** How long a move's lease lasts without renewal; the runner renews it four times as often. */
export const XFER_LEASE_MS = 60_000;
/** Bytes of file data per PUT. */
const PUT_BYTES = 256 * 1024;
/** Files per PUT at most (many small messages go together; the command line stays under 8 KB). */
const PUT_FILES = 200;
/** How long the runner waits for the mupdate master to list the mailboxes on the target. */
const MASTER_WAIT_MS = 15_000;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Run one move; resolves `finished` false when the copies here are left for the recovery to remove. */
export async function runXfer(deps: { config: ImapdConfig; store: MailStore }, log: Logger, request: XferRequest): Promise<{ finished: boolean }> {
  const { store, config } = deps;
  const servername = store.murderBackend;
  if (servername === null) throw new XferError('cannot', 'XFER moves mailboxes between the backends of a Murder: set mupdate_server');
  const settings = murderSettings(config, servername);
  if (settings.mupdateLogin === null) throw new XferError('cannot', 'XFER needs mupdate_authname and mupdate_password (the mupdate master is told where the mailboxes go)');
  let link: XferLink;
  try {
    link = await XferLink.open(config, servername, request.target, log);
  } catch (err) {
    throw new XferError('unavailable', `Server ${request.target} is unavailable: ${messageOf(err)}`);
  }
  const xferId = randomBytes(12).toString('hex');
  const holder = `${process.pid}:${xferId}`;
  const xlog = log.child({ xfer: xferId, target: request.target });
  try {
    store.xferBegin({ ...request, xferId, holder, leaseMs: XFER_LEASE_MS });
  } catch (err) {
    link.close();
    throw err;
  }
  xlog.info({ mailboxes: request.names, user: request.userid, partition: request.partition }, 'xfer: started; the mailboxes are read-only here meanwhile');
  const lease = setInterval(() => {
    try {
      store.xferRenew(xferId, holder, XFER_LEASE_MS);
    } catch (err) {
      xlog.warn({ err }, 'xfer: cannot renew the lease');
    }
  }, XFER_LEASE_MS / 4);
  lease.unref();
  try {
    try {
      await send(store, link, xferId, request);
    } catch (err) {
      link.close();
      store.xferAbort(xferId);
      xlog.warn({ err: messageOf(err) }, 'xfer: failed before the commit; the mailboxes stay here, writable again');
      if (err instanceof XferRefused) throw new XferError('refused', `${request.target} refused: ${err.message}`);
      if (err instanceof BackendUnavailable) throw new XferError('unavailable', `Server ${request.target} is unavailable: ${err.message}`);
      throw err;
    }
    if (!store.xferSetPhase(xferId, 'committing', holder)) throw new XferError('unavailable', 'the move was taken over by another process');
    let refusal: string | null = null;
    let outcome: 'committed' | 'aborted' | null;
    try {
      await link.commit(xferId);
      outcome = 'committed';
    } catch (err) {
      refusal = messageOf(err);
      xlog.warn({ err: refusal }, 'xfer: no commit answer from the target; asking how it ended');
      outcome = await askOutcome(config, servername, request.target, xferId, link.closed ? null : link, xlog);
    }
    if (outcome === 'aborted') {
      store.xferAbort(xferId);
      xlog.warn({ reason: refusal }, 'xfer: the target did not commit; the mailboxes stay here, writable again');
      throw new XferError('refused', `${request.target} did not take the mailboxes: ${refusal ?? 'no reason given'}`);
    }
    if (outcome === null) {
      store.xferRenew(xferId, holder, 0);
      throw new XferError('unavailable', `${request.target} did not answer the commit; the mailboxes stay read-only here until it says how the move ended`);
    }
    store.xferSetPhase(xferId, 'committed', holder);
    xlog.info('xfer: committed on the target');
    if (!(await masterLetGo(settings, request.names, MASTER_WAIT_MS))) {
      store.xferRenew(xferId, holder, 0);
      xlog.warn('xfer: the mupdate master still lists the mailboxes here; the copies here are removed once it lists them on the target');
      return { finished: false };
    }
    const removed = store.xferFinish(xferId);
    xlog.info({ removed: removed.length }, 'xfer: done; the copies here are removed');
    return { finished: true };
  } finally {
    clearInterval(lease);
    link.close();
  }
}

/** Steps 2 and 3: everything the target needs before the commit. */
async function send(store: MailStore, link: XferLink, xferId: string, request: XferRequest): Promise<void> {
  if (!(await store.mailboxListPushed())) throw new XferError('unavailable', 'the mupdate master has not heard of earlier changes of this server yet');
  for (const name of request.names) {
    const exported = store.xferExport(name, xferId);
    try {
      const answer = await link.mailbox(xferId, name, exported.entry.uniqueId, request.partition, exported.entry.partition);
      // The master will list the mailbox under the target's own servername: it must be the name asked for.
      const calledItself = /^XFER SERVER (\S+)$/i.exec(answer.code ?? '')?.[1];
      if (calledItself !== request.target) throw new XferError('refused', `the server at ${request.target} calls itself ${calledItself ?? '(nothing)'} in the Murder: XFER to that name`);
      await sendFiles(link, xferId, name, exported);
      await link.state(xferId, name, exported.state());
    } finally {
      exported.close();
    }
  }
  if (request.userid !== null) await link.user(xferId, request.userid, store.xferExportUser(request.userid));
}

async function sendFiles(link: XferLink, xferId: string, name: string, exported: XferMailboxExport): Promise<void> {
  let batch: Array<{ file: string; offset: number; data: Buffer }> = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await link.put(xferId, name, batch);
    batch = [];
    bytes = 0;
  };
  for (const file of exported.files) {
    let offset = 0;
    do {
      const length = Math.min(file.size - offset, PUT_BYTES - bytes);
      batch.push({ file: file.name, offset, data: await exported.read(file.name, offset, length) });
      bytes += length;
      offset += length;
      if (bytes >= PUT_BYTES || batch.length >= PUT_FILES) await flush();
    } while (offset < file.size);
  }
  await flush();
}

/** The target's word on how `xferId` ended (null: it cannot be reached now). */
export async function askOutcome(config: ImapdConfig, servername: string, target: string, xferId: string, link: XferLink | null, log: Logger): Promise<'committed' | 'aborted' | null> {
  let own: XferLink | null = null;
  try {
    const asking = link ?? (own = await XferLink.open(config, servername, target, log));
    return await asking.outcome(xferId);
  } catch (err) {
    log.warn({ err: messageOf(err), xfer: xferId, target }, 'xfer: cannot ask the target how the move ended');
    return null;
  } finally {
    own?.close();
  }
}

/**
 * Whether the mupdate master has let go of this server's copies: it lists none of `names` here any
 * more (asked until `waitMs` is over). After the target's commit that is when its pusher's ACTIVATE
 * has arrived (or, should the target have deleted or moved the mailbox since, when that has): from
 * then on no frontend sends anyone here for them.
 */
export async function masterLetGo(settings: MurderSettings, names: readonly string[], waitMs: number): Promise<boolean> {
  if (settings.mupdateServer === null || settings.mupdateLogin === null) return false;
  const deadline = Date.now() + waitMs;
  let conn: MupdateConnection | null = null;
  try {
    for (;;) {
      try {
        conn ??= await connectMupdate(mupdateConnectOptions(settings));
        const c = conn;
        const records = await Promise.all(names.map((name) => c.find(name)));
        if (records.every((r) => r === null || parseLocation(r.location)?.server !== settings.servername)) return true;
      } catch {
        await conn?.close().catch(() => undefined);
        conn = null;
      }
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await conn?.close().catch(() => undefined);
  }
}

/** The internal names an XFER of `name` moves, parents first: a user's INBOX takes all of the user's local mailboxes. */
export function namesToMove(store: MailStore, name: string, deletedPrefix: string, userInbox: boolean): string[] {
  if (!userInbox) return [name];
  const local = (entryName: string) => {
    const entry = store.lookup(entryName);
    return entry !== null && entry.type.length === 0 && (entry.server === null || entry.server === '' || entry.server === store.murderBackend);
  };
  const bang = name.indexOf('!');
  const domain = bang >= 0 ? name.slice(0, bang + 1) : '';
  const inDomain = bang >= 0 ? name.slice(bang + 1) : name;
  const names = [name, ...store.list(`${name}.*`).map((e) => e.name)];
  // The user's mailboxes deleted under delete_mode delayed (DELETED.user.fred...) go too, as Cyrus moves them.
  names.push(...store.list(`${domain}${deletedPrefix}.${inDomain}.*`).map((e) => e.name));
  return [...new Set(names)].filter(local).sort();
}

