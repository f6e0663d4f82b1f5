/**
 * Which mailbox a recipient address names, by Cyrus lmtpd's rules (LMTP RCPT and smmapd alike, through
 * the Recipients decision in decision.ts):
 *
 * - "user", "user@domain": the user's INBOX. With virtual domains the domain picks the user's
 *   domain (defaultdomain is the unqualified one); with `virtdomains: off` the domain is dropped,
 *   as Cyrus does (MTAs send user@host). `lmtp_downcase_rcpt` lowercases the part before "+".
 * - "user+detail": the user's folder `detail` (in the client namespace's separator) when it exists,
 *   is not of a special use named by `lmtp_exclude_specialuse`, and the posting identity has `p`
 *   there; else the INBOX (whatever its ACL: Cyrus's fallback). `lmtp_fuzzy_mailbox_match` also tries
 *   the closest folder (case and whitespace ignored, falling back to the parent).
 * - "+shared.folder" or "postuser+shared.folder": the shared mailbox, which must exist and grant
 *   the posting identity `p`.
 * - a missing INBOX is created (first contact) when `autocreate_post` is on; else, with
 *   `lmtp_catchall_mailbox`, the catch-all user's INBOX takes the message. A lookup (intent
 *   'lookup', smmapd) creates nothing: an INBOX first contact would create counts as there.
 *
 * Throws MailError: NotFound (no such user or mailbox), NoPerm (no `p` on a shared mailbox),
 * BadName (an address that cannot name a mailbox). No protocol text. On a Murder frontend,
 * `remoteServer` first tells whether the mailbox is on a backend.
 */
import { hostname } from 'node:os';
import type { Identity } from '../auth/index.js';
import { ANONYMOUS_USERID, UseridRules, makeIdentity, splitUserid } from '../auth/index.js';
import type { RightsChecker } from '../acl/index.js';
import { MailError } from '../common/index.js';
import type { ImapdConfig } from '../config/index.js';
import { isRemoteEntry } from '../murder/index.js';
import { DOT_IN_COMPONENT, checkNewComponent, domainOfName, inboxName, joinName, splitName } from '../names/index.js';
import type { MailboxEntry } from '../store/index.js';
import type { RecipientAddress, RecipientIntent } from './types.js';

/** The mailbox list as resolution needs it (the store's MailStore fits). */
export interface MailboxDirectory {
  lookup(name: string): MailboxEntry | null;
  subtree(name: string): MailboxEntry[];
}

/** A user's missing INBOX, through the accounts layer's first contact. */
export interface InboxCreator {
  /** Create it; whether it exists now. */
  create(userid: string): Promise<boolean>;
  /** Whether `create` would make it (a lookup asks this and creates nothing). */
  wouldCreate(userid: string): boolean;
}

export interface ResolvedRecipient {
  /** The address as given, for logs: "fred+lists@example.com". */
  readonly address: string;
  /** Whose mailbox it is; null for a shared mailbox. */
  readonly userid: string | null;
  /** Where the message goes (internal name). */
  readonly mailbox: MailboxEntry;
}

/** A lookup's answer for a user whose INBOX delivery would create (autocreate_post): nothing made yet. */
export interface PendingInbox {
  readonly address: string;
  readonly userid: string;
  readonly mailbox: null;
}

export interface RecipientSettings {
  downcase: boolean;
  /** lmtp_strict_quota: refuse the message that would take the root over, not only a root already over. */
  strictQuota: boolean;
  fuzzyMatch: boolean;
  postUser: string;
  autocreate: boolean;
  catchAll: string | null;
  excludedSpecialUse: string[];
  separator: '/' | '.';
  /** This server's name in Murder locations: a mailbox whose entry names another server is remote. */
  serverName: string;
}

/** An RCPT address in its parts: user (before "+", downcased per lmtp_downcase_rcpt), detail, domain. */
interface AddressParts {
  shown: string;
  user: string;
  detail: string | null;
  domain: string | null;
}

export function recipientSettingsFromConfig(config: ImapdConfig): RecipientSettings {
  return {
    downcase: config.bool('lmtp_downcase_rcpt'),
    strictQuota: config.bool('lmtp_strict_quota'),
    fuzzyMatch: config.bool('lmtp_fuzzy_mailbox_match'),
    postUser: config.string('postuser') ?? '',
    autocreate: config.bool('autocreate_post') && config.int('autocreate_quota') >= 0,
    catchAll: config.string('lmtp_catchall_mailbox'),
    excludedSpecialUse: config.list('lmtp_exclude_specialuse').map((u) => u.toLowerCase()),
    separator: config.bool('unixhierarchysep') ? '/' : '.',
    serverName: config.string('servername') ?? hostname(),
  };
}

export class RecipientResolver {
  private readonly rules: UseridRules;
  private readonly anonymousByDomain = new Map<string | null, Identity>();

  constructor(
    config: ImapdConfig,
    private readonly settings: RecipientSettings,
    private readonly mailboxes: MailboxDirectory,
    private readonly rights: RightsChecker,
    private readonly createInbox: InboxCreator,
  ) {
    this.rules = new UseridRules(config);
  }

  /**
   * Resolve one recipient address for `poster` (whose `p` right decides +detail and shared delivery).
   * A lookup creates nothing and answers PendingInbox for an INBOX that delivery would create.
   */
  async resolve(address: RecipientAddress, poster: Identity, intent: RecipientIntent): Promise<ResolvedRecipient | PendingInbox> {
    const { shown, user, detail, domain } = this.parts(address);
    if (this.isShared(user)) {
      if (detail === null || detail === '') throw new MailError('NotFound', `no mailbox for ${shown}`);
      return { address: shown, userid: null, mailbox: this.sharedMailbox(detail, domain, poster) };
    }
    let userid: string;
    try {
      userid = this.rules.canonical(domain === null ? user : `${user}@${domain}`);
    } catch (err) {
      if (err instanceof MailError) throw new MailError('NotFound', `no user ${shown}`);
      throw err;
    }
    const inbox = await this.userInbox(userid, intent);
    if (inbox === 'would be created') return { address: shown, userid, mailbox: null };
    if (inbox === null) {
      const catchAll = this.settings.catchAll;
      const fallback = catchAll ? await this.userInbox(this.rules.canonical(catchAll), intent) : null;
      if (fallback === null) throw new MailError('NotFound', `no user ${shown}`);
      const catchAllUser = this.rules.canonical(catchAll!);
      return { address: shown, userid: catchAllUser, mailbox: fallback === 'would be created' ? null : fallback };
    }
    const folder = detail === null || detail === '' ? null : this.detailFolder(inbox, detail, poster);
    return { address: shown, userid, mailbox: folder ?? inbox };
  }

  /**
   * Murder frontend: the backend holding the mailbox `address` names (the +detail folder when the
   * mirror has it on a backend, else the user's INBOX, or the shared mailbox), or null when that
   * mailbox is here or unknown (resolve answers then). Rights and quota are the backend's to check.
   */
  remoteServer(address: RecipientAddress): string | null {
    const { user, detail, domain } = this.parts(address);
    const remote = (name: string | null): string | null => {
      const entry = name === null ? null : this.mailboxes.lookup(name);
      if (entry === null || entry.type.includes('reserved') || !isRemoteEntry(entry, this.settings.serverName)) return null;
      return entry.server;
    };
    if (this.isShared(user)) return detail === null || detail === '' ? null : remote(this.sharedName(detail, domain));
    const userid = this.rules.tryCanonical(domain === null ? user : `${user}@${domain}`);
    if (userid === null) return null;
    const { localPart, domain: userDomain } = splitUserid(userid);
    const inbox = inboxName(localPart, userDomain);
    const components = detail === null || detail === '' ? null : this.detailComponents(detail);
    return (components === null ? null : remote(`${inbox}.${components.join('.')}`)) ?? remote(inbox);
  }

  private parts(address: RecipientAddress): AddressParts {
    const shown = address.domain === null ? address.localPart : `${address.localPart}@${address.domain}`;
    const plus = address.localPart.indexOf('+');
    let user = plus < 0 ? address.localPart : address.localPart.slice(0, plus);
    const detail = plus < 0 ? null : address.localPart.slice(plus + 1);
    if (this.settings.downcase) user = user.toLowerCase();
    return { shown, user, detail, domain: address.domain?.toLowerCase() ?? null };
  }

  /** "+shared.folder" and "postuser+shared.folder" name a shared mailbox. */
  private isShared(user: string): boolean {
    return user === '' || (this.settings.postUser !== '' && user === this.settings.postUser);
  }

  /** The internal name of the shared mailbox a detail names (in the address's domain); null when unusable. */
  private sharedName(detail: string, domain: string | null): string | null {
    const components = this.detailComponents(detail);
    if (components === null) return null;
    let mailboxDomain: string | null = null;
    if (domain !== null && this.rules.virtdomains !== 'off' && domain !== this.rules.defaultDomain) mailboxDomain = domain;
    return joinName(mailboxDomain, components);
  }

  /** The user's INBOX; on a lookup, 'would be created' when delivery would make it (autocreate_post). */
  private async userInbox(userid: string, intent: RecipientIntent): Promise<MailboxEntry | 'would be created' | null> {
    const { localPart, domain } = splitUserid(userid);
    const name = inboxName(localPart, domain);
    const entry = this.usable(this.mailboxes.lookup(name));
    if (entry !== null || !this.settings.autocreate) return entry;
    if (intent === 'lookup') return this.createInbox.wouldCreate(userid) ? 'would be created' : null;
    if (!(await this.createInbox.create(userid))) return null;
    return this.usable(this.mailboxes.lookup(name));
  }

  /** A mailbox entry that can take mail here (not reserved, deleted or on another server). */
  private usable(entry: MailboxEntry | null): MailboxEntry | null {
    return entry !== null && entry.type.length === 0 && entry.server === null ? entry : null;
  }

  /** The components of a detail written with the namespace separator, in internal form; null when unusable. */
  private detailComponents(detail: string): string[] | null {
    const sep = this.settings.separator;
    const parts = detail.split(sep).map((part) => (sep === '/' ? part.replaceAll('.', DOT_IN_COMPONENT) : part));
    try {
      for (const part of parts) checkNewComponent(part);
    } catch (err) {
      if (err instanceof MailError) return null;
      throw err;
    }
    return parts;
  }

  /**
   * Anonymous posts in every domain: the ACL of a virtual domain's mailbox counts for the
   * identities of that domain only, so an anonymous poster is taken as that domain's anonymous.
   */
  private posterIn(poster: Identity, entry: MailboxEntry): Identity {
    if (!poster.isAnonymous) return poster;
    const domain = domainOfName(entry.name);
    if (domain === poster.domain) return poster;
    let anonymous = this.anonymousByDomain.get(domain);
    if (anonymous === undefined) {
      anonymous = makeIdentity({ localPart: ANONYMOUS_USERID, domain, isAnonymous: true });
      this.anonymousByDomain.set(domain, anonymous);
    }
    return anonymous;
  }

  private mayPost(poster: Identity, entry: MailboxEntry): boolean {
    if (!this.rights.hasRights(this.posterIn(poster, entry), entry, 'p')) return false;
    const uses = (entry.specialUse ?? '').toLowerCase().split(' ').filter(Boolean);
    return !uses.some((use) => this.settings.excludedSpecialUse.includes(use));
  }

  private detailFolder(inbox: MailboxEntry, detail: string, poster: Identity): MailboxEntry | null {
    const components = this.detailComponents(detail);
    if (components === null) return null;
    let entry = this.usable(this.mailboxes.lookup(`${inbox.name}.${components.join('.')}`));
    if (entry === null && this.settings.fuzzyMatch) entry = this.fuzzyMatch(inbox, components);
    return entry !== null && this.mayPost(poster, entry) ? entry : null;
  }

  /** The closest folder below the INBOX: case and whitespace ignored, the parent when a level is missing. */
  private fuzzyMatch(inbox: MailboxEntry, components: string[]): MailboxEntry | null {
    const squash = (text: string) => text.toLowerCase().replace(/\s+/g, '');
    const depth = splitName(inbox.name).components.length;
    const folders = this.mailboxes.subtree(inbox.name).filter((e) => e.name !== inbox.name && this.usable(e) !== null);
    for (let length = components.length; length > 0; length--) {
      const wanted = components.slice(0, length).map(squash);
      const found = folders.find((e) => {
        const own = splitName(e.name).components.slice(depth);
        return own.length === length && own.every((c, i) => squash(c) === wanted[i]);
      });
      if (found) return found;
    }
    return null;
  }

  private sharedMailbox(detail: string, domain: string | null, poster: Identity): MailboxEntry {
    const name = this.sharedName(detail, domain);
    if (name === null) throw new MailError('NotFound', `no mailbox ${detail}`);
    const entry = this.usable(this.mailboxes.lookup(name));
    if (entry === null) throw new MailError('NotFound', `no mailbox ${detail}`);
    if (!this.mayPost(poster, entry)) throw new MailError('NoPerm', `no p right on ${entry.name}`);
    return entry;
  }
}

