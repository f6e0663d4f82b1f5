/**
 * A user's rename and delete as whole operations, as Cyrus's user rename and delete do: the
 * user's mailboxes, the ACL entries naming the user everywhere, seen state, subscriptions, the
 * quota root and the Sieve scripts.
 */
import { MailError } from '../common/index.js';
import { isWithin, splitName } from '../names/index.js';
import type { MailboxEntry } from '../store/index.js';
import { rewriteAclEntries } from './acl-entries.js';
import type { AccountHooks, AccountsOptions, RenameUserOptions, UserChangeReport } from './types.js';
import { userInbox } from './user-names.js';

/** Run the seams, each on its own: a failing one is logged and reported, the others still run. */
function runHooks(deps: AccountsOptions, calls: Array<[keyof AccountHooks, () => void]>): string[] {
  const failures: string[] = [];
  for (const [name, call] of calls) {
    try {
      call();
    } catch (err) {
      deps.logger.error({ err, hook: name }, 'user change: a hook failed');
      failures.push(name);
    }
  }
  return failures;
}

/** The user's mailboxes (INBOX first); NotFound when the user has no INBOX. */
function userMailboxes(deps: AccountsOptions, inbox: string): MailboxEntry[] {
  if (!deps.store.lookup(inbox)) throw new MailError('NotFound', `no INBOX ${inbox}`);
  return deps.store.subtree(inbox);
}

/** Quota roots inside the renamed hierarchy follow it (mailboxes.db entries). */
function renameQuotaRoots(deps: AccountsOptions, fromInbox: string, toInbox: string): void {
  for (const entry of deps.store.subtree(toInbox)) {
    if (entry.quotaRoot && isWithin(entry.quotaRoot, fromInbox)) deps.store.setQuotaRoot(entry.name, toInbox + entry.quotaRoot.slice(fromInbox.length));
  }
}

export function renameUser(deps: AccountsOptions, from: string, to: string, opts: RenameUserOptions = {}): UserChangeReport {
  const { store, hooks } = deps;
  const fromInbox = userInbox(from);
  const toInbox = userInbox(to);
  if (fromInbox === toInbox) throw new MailError('Cannot', `${from} and ${to} are the same user`);
  const mailboxes = userMailboxes(deps, fromInbox).map((e) => e.name);
  if (store.lookup(toInbox) || store.hasChildren(toInbox)) throw new MailError('Exists', `user ${to} already has mailboxes`);
  store.renameMailbox(fromInbox, toInbox, opts.partition === undefined ? { ignoreQuota: true } : { partition: opts.partition, ignoreQuota: true });
  renameQuotaRoots(deps, fromInbox, toInbox);
  const aclsChanged = rewriteAclEntries(store, from, to);
  store.moveUserState(from, to, (name) => (isWithin(name, fromInbox) ? toInbox + name.slice(fromInbox.length) : name));
  const hookFailures = runHooks(deps, [
    ['quotaRootMoved', () => hooks?.quotaRootMoved?.(fromInbox, toInbox)],
    ['sieveScriptsMoved', () => hooks?.sieveScriptsMoved?.(from, to)],
  ]);
  deps.logger.info({ from, to, mailboxes: mailboxes.length, acls: aclsChanged.length }, 'renamed user');
  return { mailboxes, aclsChanged, seenAndSubscriptions: true, hookFailures };
}

export function deleteUser(deps: AccountsOptions, userid: string): UserChangeReport {
  const { store, hooks, config } = deps;
  const inbox = userInbox(userid);
  const mailboxes = userMailboxes(deps, inbox).map((e) => e.name);
  store.deleteMailbox(inbox, { recursive: true });
  // Mailboxes kept by delete_mode delayed (DELETED.user.fred...) keep their ACL, for an undelete.
  const deletedPrefix = config.string('deletedprefix') ?? 'DELETED';
  const aclsChanged = rewriteAclEntries(store, userid, null, (entry) => splitName(entry.name).components[0] !== deletedPrefix);
  store.forgetUserState(userid);
  const hookFailures = runHooks(deps, [
    ['quotaRootMoved', () => hooks?.quotaRootMoved?.(inbox, null)],
    ['sieveScriptsMoved', () => hooks?.sieveScriptsMoved?.(userid, null)],
  ]);
  deps.logger.info({ user: userid, mailboxes: mailboxes.length, acls: aclsChanged.length }, 'deleted user');
  return { mailboxes, aclsChanged, seenAndSubscriptions: true, hookFailures };
}
