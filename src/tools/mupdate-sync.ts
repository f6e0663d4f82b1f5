/**
 * `ctl_mboxlist -m [-a] [-w]`: make the mupdate master's list of this backend match the local
 * mailboxes.db (Cyrus runs it in cyrus.conf's START section on backends).
 *
 *  - a local mailbox the master lacks, or has here with another partition or ACL: ACTIVATE;
 *  - an entry the master has on this server that is not here: DELETE;
 *  - a local mailbox the master places on ANOTHER server: a conflict. Cyrus deletes the local
 *    one; we never delete mail: it is reported, left alone, and the exit status is non-zero.
 *    With -a (the local list is authoritative) it is ACTIVATEd here instead, over the master's.
 *  - with -w, print what would be done and change nothing.
 *
 * While it runs it holds the outbox's drain lease (src/store/murder-outbox.ts), so no pusher
 * sends older rows over what it set; the rows written before it read the list are then done.
 */
import { isMailError } from '../common/errors.js';
import { connectMupdate, murderSettings, MupdateError, type MupdateConnectOptions, type MupdateConnection, type MupdateRecord } from '../murder/index.js';
import type { MailboxEntry, MailStore } from '../store/index.js';
import { EXIT_CONFIG, EXIT_DATAERR, EXIT_TEMPFAIL, openStoreForTool, type Writer } from '../store/tool-support.js';
import { Progress, type ProgressStream } from './progress.js';

export interface MupdateSyncOptions {
  config: string;
  /** -a: the local list is authoritative (conflicts are ACTIVATEd here). */
  authoritative?: boolean;
  /** -w: only print what would be done. */
  whatIf?: boolean;
  /** How to reach the master (tests); default connectMupdate. */
  connect?: (options: MupdateConnectOptions) => Promise<MupdateConnection>;
  /** Where the progress line goes (shown only on a terminal). */
  progress?: ProgressStream;
  /** How long to wait for a pusher that is draining to let go of the lease (default 30 s). */
  leaseWaitMs?: number;
}

type SyncAction =
  | { kind: 'activate'; name: string; location: string; acl: string }
  | { kind: 'delete'; name: string }
  | { kind: 'conflict'; name: string; local: string; master: string };

/** Commands in flight at once (mupdate commands pipeline). */
const PIPELINE = 128;
const LEASE_MS = 60_000;

/**
 * Local mailboxes the master should list here: finished, not mirrored from another server, and
 * not being moved away by XFER (the master lists those where the move leaves them: here until the
 * target commits, there after; the move itself tells it).
 */
function localMailboxes(store: MailStore, servername: string): MailboxEntry[] {
  return store.mailboxes.all().filter((e) => e.type.length === 0 && (e.server === null || e.server === '' || e.server === servername) && store.xferMoveOf(e.name) === null);
}

async function inBatches<T, R>(items: readonly T[], run: (item: T) => Promise<R>, onDone: (n: number) => void): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += PIPELINE) {
    out.push(...(await Promise.all(items.slice(i, i + PIPELINE).map(run))));
    onDone(Math.min(i + PIPELINE, items.length));
  }
  return out;
}

/** What to do, from the local list and the master's records; names in order. */
async function plan(
  local: readonly MailboxEntry[], conn: MupdateConnection, servername: string, authoritative: boolean, progress: Progress,
): Promise<SyncAction[]> {
  const here = new Map<string, MupdateRecord>();
  for (const record of await conn.list(servername)) here.set(record.name, record);
  const unknown = local.filter((e) => !here.has(e.name));
  // Names the master does not list here: it may have them elsewhere.
  const elsewhere = new Map<string, MupdateRecord>();
  const found = await inBatches(unknown, (e) => conn.find(e.name), (n) => progress.update('ctl_mboxlist: asking the master', n, unknown.length));
  found.forEach((record) => {
    if (record !== null) elsewhere.set(record.name, record);
  });
  const actions: SyncAction[] = [];
  const localNames = new Set<string>();
  for (const entry of local) {
    localNames.add(entry.name);
    const location = `${servername}!${entry.partition}`;
    const master = here.get(entry.name) ?? elsewhere.get(entry.name) ?? null;
    if (master !== null && here.get(entry.name) === undefined && !authoritative) {
      actions.push({ kind: 'conflict', name: entry.name, local: location, master: master.location });
      continue;
    }
    if (master !== null && master.kind === 'mailbox' && master.location === location && master.acl === entry.acl) continue;
    actions.push({ kind: 'activate', name: entry.name, location, acl: entry.acl });
  }
  for (const name of here.keys()) if (!localNames.has(name)) actions.push({ kind: 'delete', name });
  return actions.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function describe(action: SyncAction): string {
  switch (action.kind) {
    case 'activate': return `ACTIVATE ${action.name} ${action.location}`;
    case 'delete': return `DELETE ${action.name}`;
    case 'conflict': return `CONFLICT ${action.name}: here on ${action.local}, the master places it on ${action.master}`;
  }
}

/** Take the outbox lease, waiting for a pusher that is draining. */
async function takeLease(store: MailStore, holder: string, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (store.murderOutbox.claim(holder, LEASE_MS)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Run `ctl_mboxlist -m`; returns the exit status. */
export async function runMupdateSync(options: MupdateSyncOptions, out: Writer, err: Writer): Promise<number> {
  const opened = openStoreForTool('ctl_mboxlist', options.config, err, undefined, { publisher: null });
  if (typeof opened === 'number') return opened;
  const { store, config } = opened;
  const servername = store.murderBackend;
  const progress = new Progress(options.progress);
  const holder = `ctl_mboxlist:${process.pid}`;
  let conn: MupdateConnection | null = null;
  let leased = false;
  try {
    if (servername === null) {
      err('ctl_mboxlist: -m is for Murder backends: set mupdate_server (and mupdate_config standard or unified)\n');
      return EXIT_CONFIG;
    }
    const settings = murderSettings(config, servername);
    if (settings.mupdateLogin === null) {
      err('ctl_mboxlist: set mupdate_authname and mupdate_password to log in to the mupdate master\n');
      return EXIT_CONFIG;
    }
    if (!options.whatIf) {
      leased = await takeLease(store, holder, options.leaseWaitMs ?? 30_000);
      if (!leased) {
        err('ctl_mboxlist: another process keeps pushing to the mupdate master; try again later\n');
        return EXIT_TEMPFAIL;
      }
    }
    const connect = options.connect ?? connectMupdate;
    conn = await connect({
      host: settings.mupdateServer!,
      port: settings.mupdatePort,
      authname: settings.mupdateLogin.authname,
      ...(settings.mupdateLogin.authzid === '' ? {} : { authzid: settings.mupdateLogin.authzid }),
      password: settings.mupdateLogin.password,
      tls: settings.linkTls,
    });
    // Rows up to here are covered by the list read next.
    const covered = store.murderOutbox.lastSeq();
    const local = localMailboxes(store, servername);
    // Being moved by XFER: neither announced nor deleted here.
    const moving = new Set(store.mailboxes.all().filter((e) => store.xferMoveOf(e.name) !== null).map((e) => e.name));
    for (const name of moving) err(`ctl_mboxlist: ${name} is being moved by XFER; left as the master has it\n`);
    const actions = (await plan(local, conn, servername, options.authoritative === true, progress)).filter((a) => !moving.has(a.name));
    const changes = actions.filter((a) => a.kind !== 'conflict');
    const conflicts = actions.filter((a) => a.kind === 'conflict');
    progress.clear();
    for (const action of changes) out(`${options.whatIf ? 'would ' : ''}${describe(action)}\n`);
    if (!options.whatIf) {
      const c = conn;
      await inBatches(changes, (a) => (a.kind === 'activate' ? c.activate(a.name, a.location, a.acl) : c.delete(a.name)),
        (n) => progress.update('ctl_mboxlist: updating the master', n, changes.length));
      progress.clear();
      if (covered !== null) store.murderOutbox.doneThrough(covered);
    }
    for (const action of conflicts) err(`ctl_mboxlist: ${describe(action)}; the local mailbox is kept (not deleted): resolve it by hand, or run -m -a to make this copy the Murder's\n`);
    err(`ctl_mboxlist: ${local.length} local mailboxes; ${changes.length} ${options.whatIf ? 'changes to make' : 'changes made'} on the mupdate master; ${conflicts.length} conflicts\n`);
    return conflicts.length > 0 ? EXIT_DATAERR : 0;
  } catch (e) {
    progress.clear();
    if (e instanceof MupdateError) {
      err(`ctl_mboxlist: mupdate master: ${e.message}\n`);
      return EXIT_TEMPFAIL;
    }
    if (!isMailError(e)) throw e;
    err(`ctl_mboxlist: ${e.message}\n`);
    return EXIT_TEMPFAIL;
  } finally {
    await conn?.close().catch(() => undefined);
    if (leased) store.murderOutbox.surrender(holder);
    store.close();
  }
}
