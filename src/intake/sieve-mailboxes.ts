/**
 * What a user's Sieve script asks about and does with mailboxes at delivery, through the store and
 * the one RightsChecker: names as the script writes them (the user's namespace), fileinto's target
 * (with :create, :specialuse of RFC 8579 and :mailboxid of RFC 9042), mailboxexists,
 * specialuse_exists, mailboxidexists, and the METADATA entries the metadata tests read (RFC 5490:
 * the values IMAP GETMETADATA gives, from store.annotations, and a mailbox's /private/specialuse).
 */
import type { RightsChecker } from '../acl/index.js';
import { inheritedAcl, missingAncestors } from '../accounts/index.js';
import type { Identity } from '../auth/index.js';
import { MailError, type Logger } from '../common/index.js';
import type { ImapdConfig } from '../config/index.js';
import { inboxNameOf, isOwnedBy, type Namespace } from '../names/index.js';
import { SERVER_ANNOTATIONS, type MailboxEntry, type MailStore } from '../store/index.js';

export interface SieveMailboxDeps {
  store: MailStore;
  config: ImapdConfig;
  logger: Logger;
  rights: RightsChecker;
  namespace: Namespace;
}

/** What fileinto asks for. */
export interface FileIntoRequest {
  mailbox: string;
  create: boolean;
  specialUse?: string;
  mailboxId?: string;
}

const usesOf = (entry: MailboxEntry): string[] => (entry.specialUse ?? '').split(/\s+/).filter((u) => u !== '').map((u) => u.toLowerCase());

export class SieveMailboxes {
  constructor(private readonly deps: SieveMailboxDeps, private readonly identity: Identity) {}

  /** A name the script wrote (the user's namespace) as an internal name; null when it names none. */
  private internalName(name: string): string | null {
    try {
      return this.deps.namespace.toInternal(name, this.identity);
    } catch (err) {
      if (err instanceof MailError) return null;
      throw err;
    }
  }

  /** The mailbox a script named, when the user can see it (`l`) and it is a real local one; null otherwise. */
  visible(name: string): MailboxEntry | null {
    const internal = this.internalName(name);
    if (internal === null) return null;
    const entry = this.deps.store.lookup(internal);
    return entry !== null && this.local(entry) && this.deps.rights.hasRights(this.identity, entry, 'l') ? entry : null;
  }

  private local(entry: MailboxEntry): boolean {
    return entry.type.length === 0 && entry.server === null;
  }

  private postable(entry: MailboxEntry | null): entry is MailboxEntry {
    return entry !== null && this.local(entry) && this.deps.rights.hasRights(this.identity, entry, 'p');
  }

  /** The user's own mailboxes (INBOX and below). */
  private own(): MailboxEntry[] {
    return this.deps.store.subtree(inboxNameOf(this.identity.userid)).filter((e) => this.local(e));
  }

  /** specialuse_exists: the named mailbox has every use, or (no mailbox) each use is on one of the user's mailboxes. */
  hasSpecialUse(mailbox: string | null, uses: readonly string[]): boolean {
    const wanted = uses.map((u) => u.toLowerCase());
    if (mailbox !== null) {
      const entry = this.visible(mailbox);
      return entry !== null && wanted.every((u) => usesOf(entry).includes(u));
    }
    const present = new Set(this.own().flatMap(usesOf));
    return wanted.every((u) => present.has(u));
  }

  /** mailboxidexists (RFC 9042 4): a mailbox with this id exists and the user may deliver into it. */
  mailboxIdExists(id: string): boolean {
    return this.postable(this.deps.store.mailboxes.getByUniqueId(id));
  }

  /**
   * An annotation's value as the user may read it with GETMETADATA: a mailbox's entries need `l`
   * and `r`, the server's are open to everyone; /private entries are the user's own.
   */
  metadata(mailbox: string | null, entryName: string): string | null {
    const name = entryName.toLowerCase();
    const scope = name.startsWith('/private/') ? 'private' : name.startsWith('/shared/') ? 'shared' : null;
    if (scope === null) return null;
    const path = name.slice(scope.length + 1);
    let key = SERVER_ANNOTATIONS;
    if (mailbox !== null) {
      const entry = this.visible(mailbox);
      if (entry === null || !this.deps.rights.hasRights(this.identity, entry, 'r')) return null;
      if (name === '/private/specialuse') return entry.specialUse;
      key = entry.uniqueId;
    }
    const owner = scope === 'private' ? this.identity.userid : '';
    const row = this.deps.store.annotations.visible(key, this.identity.userid).find((r) => r.entry === path && r.userid === owner);
    return row === undefined ? null : row.value.toString('utf8');
  }

  /**
   * fileinto's mailbox as an internal name, or null: keep instead. :mailboxid names the mailbox when
   * it exists, :specialuse the user's mailbox with that use when there is one; else the named one,
   * made with :create inside the user's own hierarchy (with the special use asked for, RFC 8579 4).
   */
  fileIntoTarget(request: FileIntoRequest): string | null {
    if (request.mailboxId !== undefined) {
      const byId = this.deps.store.mailboxes.getByUniqueId(request.mailboxId);
      if (this.postable(byId)) return byId.name;
    }
    if (request.specialUse !== undefined) {
      const use = request.specialUse.toLowerCase();
      const withUse = this.own().find((e) => usesOf(e).includes(use));
      if (withUse !== undefined) return this.postable(withUse) ? withUse.name : null;
    }
    const internal = this.internalName(request.mailbox);
    if (internal === null) return null;
    const { store } = this.deps;
    let entry = store.lookup(internal);
    if (entry === null && request.create && isOwnedBy(internal, this.identity.userid)) {
      try {
        entry = this.createWithAncestors(internal, request.specialUse ?? null);
        this.deps.logger.info({ userid: this.identity.userid, mailbox: internal }, 'sieve: fileinto :create made the mailbox');
      } catch (err) {
        if (!(err instanceof MailError)) throw err;
        this.deps.logger.info({ userid: this.identity.userid, mailbox: internal, reason: err.message }, 'sieve: fileinto :create failed');
        return null;
      }
    }
    return this.postable(entry) ? entry.name : null;
  }

  /** Create `internal` and its missing ancestors below the user's INBOX, as IMAP CREATE makes them. */
  private createWithAncestors(internal: string, specialUse: string | null): MailboxEntry {
    const { store, config } = this.deps;
    const acl = inheritedAcl(store, config, internal);
    for (const name of missingAncestors(store, internal)) store.createMailbox(name, { acl });
    return store.createMailbox(internal, { acl, specialUse });
  }
}
