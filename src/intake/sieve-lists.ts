/**
 * The lists of Sieve's extlists (RFC 6134) at delivery: a user's address books, kept where Cyrus
 * 3.6 keeps them. The list ":addrbook:NAME" (or "urn:ietf:params:sieve:addrbook:NAME") is the
 * user's mailbox `<addressbookprefix>/NAME` (`#addressbooks/Default` for ":addrbook:default"),
 * whose messages are contacts with a vCard body (text/vcard, as Cyrus's CardDAV stores each card;
 * here a client puts them there with IMAP APPEND). A list holds the EMAIL addresses of its cards,
 * compared without regard to case; a redirect :list goes to all of them. The addresses of a book
 * are read again only when the mailbox changed (its uidvalidity or highest modseq).
 */
import type { RightsChecker } from '../acl/index.js';
import type { Identity } from '../auth/index.js';
import type { Logger } from '../common/index.js';
import type { ImapdConfig } from '../config/index.js';
import { inboxNameOf } from '../names/index.js';
import { addressBookOf } from '../sieve-script/index.js';
import type { MailStore } from '../store/index.js';

export interface SieveListDeps {
  store: MailStore;
  config: ImapdConfig;
  logger: Logger;
  rights: RightsChecker;
}

/** A book's addresses as last read, with the mailbox state they were read at. */
export interface CachedBook {
  stamp: string;
  addresses: ReadonlySet<string>;
}

/** How many books' addresses a process keeps. */
const MAX_CACHED_BOOKS = 1000;

export class AddressBooks {
  constructor(
    private readonly deps: SieveListDeps,
    private readonly identity: Identity,
    /** Shared by the runs of one process (SieveFilter's), keyed by mailbox name. */
    private readonly cache: Map<string, CachedBook>,
  ) {}

  /** The internal name of the mailbox a list name names, or null when it names none of ours. */
  private mailboxOf(list: string): string | null {
    const book = addressBookOf(list);
    if (book === null) return null;
    const prefix = this.deps.config.string('addressbookprefix') ?? '#addressbooks';
    return `${inboxNameOf(this.identity.userid)}.${prefix}.${book}`;
  }

  /** Whether the list's book exists and the user may read it (valid_ext_list). */
  exists(list: string): boolean {
    return this.readable(list) !== null;
  }

  /** Whether the list's book holds this address (the :list match). */
  contains(list: string, value: string): boolean {
    return this.addresses(list)?.has(value.trim().toLowerCase()) ?? false;
  }

  /** The addresses a redirect :list goes to, or null when the list's book does not exist or cannot be read. */
  members(list: string): string[] | null {
    const addresses = this.addresses(list);
    return addresses === null ? null : [...addresses];
  }

  private readable(list: string): string | null {
    const name = this.mailboxOf(list);
    if (name === null) return null;
    const entry = this.deps.store.lookup(name);
    if (entry === null || entry.type.length > 0 || entry.server !== null) return null;
    return this.deps.rights.hasRights(this.identity, entry, 'r') ? name : null;
  }

  private addresses(list: string): ReadonlySet<string> | null {
    const name = this.readable(list);
    if (name === null) return null;
    let mailbox;
    try {
      mailbox = this.deps.store.openMailbox(name);
    } catch (err) {
      this.deps.logger.warn({ err, userid: this.identity.userid, mailbox: name }, 'sieve: cannot open the address book');
      return null;
    }
    try {
      const status = mailbox.status();
      const stamp = `${status.uidValidity}:${status.highestModseq}`;
      const kept = this.cache.get(name);
      if (kept !== undefined && kept.stamp === stamp) return kept.addresses;
      const addresses = new Set<string>();
      for (const uid of mailbox.snapshot().uids) {
        let content: Buffer;
        try {
          content = mailbox.readMessageNow(uid);
        } catch (err) {
          this.deps.logger.warn({ err, userid: this.identity.userid, mailbox: name, uid }, 'sieve: cannot read a contact of the address book');
          continue;
        }
        for (const address of vcardEmails(content)) addresses.add(address);
      }
      this.cache.delete(name);
      this.cache.set(name, { stamp, addresses });
      if (this.cache.size > MAX_CACHED_BOOKS) this.cache.delete(this.cache.keys().next().value!);
      return addresses;
    } finally {
      mailbox.close();
    }
  }
}

/**
 * The EMAIL addresses of the vCards (RFC 6350, and 3.0's RFC 2426) in a message's body, lower-cased:
 * lines unfolded, a group prefix ("item1.EMAIL") and parameters allowed, a "mailto:" value read as
 * its address. Only text between BEGIN:VCARD and END:VCARD counts.
 */
export function vcardEmails(message: Buffer): string[] {
  const text = message.toString('utf8');
  const bodyAt = text.search(/\r?\n\r?\n/);
  const body = bodyAt < 0 ? '' : text.slice(bodyAt).replace(/\r?\n[ \t]/g, '');
  const out: string[] = [];
  let inCard = false;
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    if (/^BEGIN:VCARD$/i.test(line)) { inCard = true; continue; }
    if (/^END:VCARD$/i.test(line)) { inCard = false; continue; }
    if (!inCard) continue;
    const m = /^(?:[A-Za-z0-9-]+\.)?EMAIL(?:;[^:]*)?:(.*)$/i.exec(line);
    if (m === null) continue;
    const value = m[1]!.trim().replace(/^mailto:/i, '');
    if (/^[^\s@]+@[^\s@]+$/.test(value)) out.push(value.toLowerCase());
  }
  return out;
}
