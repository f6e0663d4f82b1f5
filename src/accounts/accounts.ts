/** The accounts layer's one object (see index.ts). */
import { firstContact, firstLogin, mirrorNewInbox, wouldCreateInbox } from './first-contact.js';
import type { AccountsOptions, AccountUser, FirstContact, RenameUserOptions, UserChangeReport } from './types.js';
import { deleteUser, renameUser } from './user-change.js';

export class Accounts {
  private readonly deps: AccountsOptions;

  constructor(deps: AccountsOptions) {
    // Quota roots follow a user's rename and go with its delete (the store's quotas.db).
    const quotaRootMoved = (from: string, to: string | null) => deps.store.moveQuotaRoots(from, to);
    // Sieve scripts (sievedir) follow a user's rename and go with its delete.
    const sieveScriptsMoved = (from: string, to: string | null) => deps.store.sieveScripts.moveUser(from, to);
    this.deps = { ...deps, hooks: { quotaRootMoved, sieveScriptsMoved, ...deps.hooks } };
  }

  /** Create the user's INBOX and autocreate folders unless they exist (never for admins, anonymous). */
  firstContact(user: AccountUser): FirstContact {
    return firstContact(this.deps, user);
  }

  /** firstContact at a login: on a Murder backend, only when the mupdate master does not place the INBOX elsewhere. */
  firstLogin(user: AccountUser): Promise<FirstContact> {
    return firstLogin(this.deps, user);
  }

  /** Whether firstContact would create the user's INBOX now; creates nothing. */
  wouldCreateInbox(user: AccountUser): boolean {
    return wouldCreateInbox(this.deps, user);
  }

  /** Murder frontend: the INBOX that a login on `server` made for the user is mirrored here at once. */
  mirrorNewInbox(user: AccountUser, server: string): void {
    mirrorNewInbox(this.deps, user, server);
  }

  /** Rename a user with everything that names it. */
  renameUser(fromUserid: string, toUserid: string, opts: RenameUserOptions = {}): UserChangeReport {
    return renameUser(this.deps, fromUserid, toUserid, opts);
  }

  /** Delete a user with everything that names it. */
  deleteUser(userid: string): UserChangeReport {
    return deleteUser(this.deps, userid);
  }
}
