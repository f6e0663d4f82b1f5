/**
 * A user's first contact: the INBOX and autocreate_inbox_folders, as Cyrus's autocreate does
 * (never for anonymous nor administrators; autocreate_quota < 0 turns it off).
 */
import { initialAcl } from '../acl/index.js';
import { isMailError, MailError } from '../common/index.js';
import { askMasterPlacement, isMurderFrontend, murderSettings, serverlistChoice } from '../murder/index.js';
import type { AccountsOptions, AccountUser, FirstContact } from './types.js';
import { specialUseOf } from './special-use.js';
import { userInbox } from './user-names.js';

/** The special use `xlist-FLAG: folder` gives a folder; a refusal is logged and the folder has none. */
function autocreateSpecialUse(deps: AccountsOptions, mailbox: string, folder: string): string | null {
  try {
    return specialUseOf(deps.config, mailbox, deps.config.specialUseOf(folder));
  } catch (err) {
    if (!isMailError(err)) throw err;
    deps.logger.warn({ mailbox, reason: err.message }, 'autocreate: special use not set');
    return null;
  }
}

/** The folder's internal name below the INBOX: a dot in the configured name is stored as "^". */
const folderName = (inbox: string, folder: string) => `${inbox}.${folder.replaceAll('.', '^')}`;

function createFolders(deps: AccountsOptions, user: AccountUser, inbox: string, acl: string): string[] {
  const { store, config, logger } = deps;
  const subscribe = new Set(config.list('autocreate_subscribe_folders'));
  const created: string[] = [];
  for (const folder of config.list('autocreate_inbox_folders')) {
    const name = folderName(inbox, folder);
    try {
      store.createMailbox(name, { acl, specialUse: autocreateSpecialUse(deps, name, folder) });
      created.push(name);
      if (subscribe.has(folder)) store.subscribe(user.userid, name);
    } catch (err) {
      logger.warn({ err, mailbox: name }, 'autocreate of a folder failed');
    }
  }
  return created;
}

/**
 * The new INBOX becomes a quota root: STORAGE autocreate_quota KiB, MESSAGE
 * autocreate_quota_messages (0 for either: no limit on it; -1 messages: none).
 */
function setAutocreateQuota(deps: AccountsOptions, inbox: string): void {
  const storage = deps.config.int('autocreate_quota');
  const messages = deps.config.int('autocreate_quota_messages');
  try {
    deps.store.setQuota(inbox, { STORAGE: storage > 0 ? storage : null, MESSAGE: messages > 0 ? messages : null, MAILBOX: null });
  } catch (err) {
    deps.logger.warn({ err, mailbox: inbox }, 'autocreate: quota not set');
  }
}

/** autocreate_sieve_script: the new user's first Sieve script, active; a failure is logged, the INBOX stays. */
function installSieveScript(deps: AccountsOptions, user: AccountUser): void {
  const source = deps.config.path('autocreate_sieve_script');
  if (source === null) return;
  try {
    const name = deps.store.sieveScripts.installDefault(user.userid, source);
    if (name !== null) deps.logger.info({ user: user.userid, script: name }, 'autocreate: Sieve script installed');
  } catch (err) {
    if (!isMailError(err)) throw err;
    deps.logger.warn({ user: user.userid, reason: err.message }, 'autocreate: Sieve script not installed');
  }
}

/** What first contact answers without creating anything for `user`, or null when it creates the INBOX. */
function nothingToCreate(deps: AccountsOptions, user: AccountUser): FirstContact | null {
  if (user.isAnonymous) return { kind: 'skipped', reason: 'anonymous', inbox: null };
  const inbox = userInbox(user.userid);
  if (user.isAdmin) return { kind: 'skipped', reason: 'admin', inbox };
  if (deps.config.int('autocreate_quota') < 0) return { kind: 'skipped', reason: 'disabled', inbox };
  if (deps.store.lookup(inbox)) return { kind: 'skipped', reason: 'exists', inbox };
  // A Murder frontend keeps no mail: the INBOX is made on a backend by a login there for the user.
  if (isMurderFrontend(deps.config)) return { kind: 'frontend', inbox, backend: serverlistChoice(deps.config) };
  return null;
}

/** Whether firstContact would create the user's INBOX now (a recipient lookup asks, creating nothing). */
export function wouldCreateInbox(deps: AccountsOptions, user: AccountUser): boolean {
  return nothingToCreate(deps, user) === null;
}

export function firstContact(deps: AccountsOptions, user: AccountUser): FirstContact {
  const nothing = nothingToCreate(deps, user);
  if (nothing !== null) return nothing;
  const inbox = userInbox(user.userid);
  const acl = initialAcl(null, user.userid, null);
  try {
    deps.store.createMailbox(inbox, { acl });
  } catch (err) {
    // Another session of the same user made it first: that is the same outcome.
    if (err instanceof MailError && err.kind === 'Exists') return { kind: 'skipped', reason: 'exists', inbox };
    throw err;
  }
  deps.store.subscribe(user.userid, inbox);
  setAutocreateQuota(deps, inbox);
  const folders = createFolders(deps, user, inbox, acl);
  installSieveScript(deps, user);
  deps.logger.info({ user: user.userid, inbox, folders: folders.length }, 'autocreated INBOX');
  return { kind: 'created', inbox, folders };
}

/**
 * firstContact at a login. On a Murder backend the mupdate master is asked first: an INBOX it places
 * on another server is not made here (a proxied login of a user whose INBOX is elsewhere, reading a
 * folder of this backend, would otherwise make one, and this backend's pusher would move the
 * master's entry to it), nor while the master cannot be asked; the next login tries again.
 */
export async function firstLogin(deps: AccountsOptions, user: AccountUser): Promise<FirstContact> {
  const servername = deps.store.murderBackend;
  if (servername === null || nothingToCreate(deps, user) !== null) return firstContact(deps, user);
  const inbox = userInbox(user.userid);
  const placement = await askMasterPlacement(murderSettings(deps.config, servername), inbox);
  if (placement.kind === 'free') return firstContact(deps, user);
  if (placement.kind === 'elsewhere') {
    deps.logger.info({ user: user.userid, inbox, server: placement.server }, 'autocreate: the mupdate master places the INBOX on another server; not made here');
    return { kind: 'skipped', reason: 'elsewhere', inbox };
  }
  deps.logger.warn({ user: user.userid, inbox, reason: placement.reason }, 'autocreate: the mupdate master cannot be asked; INBOX not made now');
  return { kind: 'skipped', reason: 'master-unknown', inbox };
}

/**
 * A Murder frontend, after the login on `server` that made the user's INBOX there: the mirror has
 * it at once, with the ACL firstContact gives a new INBOX (the mupdate slave's stream confirms it).
 */
export function mirrorNewInbox(deps: AccountsOptions, user: AccountUser, server: string): void {
  const inbox = userInbox(user.userid);
  if (deps.store.lookup(inbox) !== null) return;
  deps.store.putRemoteEntry({ name: inbox, server, partition: '', acl: initialAcl(null, user.userid, null) });
}
