/**
 * The one mapping between the mailbox names a client sees and the internal names in mailboxes.db,
 * for one identity. Cyrus's rules:
 * - standard namespace: "INBOX" and "INBOX.x" are the user's own, "user.joe.x" another user's,
 *   anything else a shared folder; the separator is "." or, with unixhierarchysep, "/" (then a
 *   dot inside a name is stored as "^").
 * - altnamespace (not for admins, who always get the standard one): personal folders at the top
 *   level beside INBOX ("Sent" is user.fred.Sent, "INBOX/x" is user.fred.INBOX.x), other users
 *   under `userprefix`, shared folders under `sharedprefix`.
 * - virtual domains: internal names of a domain other than the default carry "domain!"; a user
 *   sees only its own domain's names, unqualified; a global admin names another domain's mailbox
 *   as "user.fred@example.com".
 */
import type { ImapdConfig } from '../config/index.js';
import { MailError } from '../common/errors.js';
import { canonicalDomain, virtDomainsSetting, type VirtDomains } from './domains.js';
import { inboxName, joinName, localPartToInternal, splitName } from './grammar.js';
import { planList, type ListPlan } from './list-plan.js';
import { checkNameLength, checkNewComponent, DEFAULT_MAX_NAME_LENGTH } from './validity.js';

export interface NamespaceEntry {
  prefix: string;
  separator: string;
}

/** Data of the IMAP NAMESPACE response (RFC 2342); an empty list is NIL. */
export interface NamespaceData {
  personal: NamespaceEntry[];
  otherUsers: NamespaceEntry[];
  shared: NamespaceEntry[];
}

export interface NamespaceSettings {
  altNamespace: boolean;
  unixHierarchySep: boolean;
  userPrefix: string;
  sharedPrefix: string;
  virtDomains: VirtDomains;
  defaultDomain: string | null;
  /** `maxmailboxnamelength`: bytes of the internal name (default 490). */
  maxNameLength?: number;
}

/** Who is looking, as far as naming is concerned (the auth module's Identity fits). */
export interface NamingIdentity {
  /** The userid without its domain. */
  readonly localPart: string;
  /** The virtual domain; null for the default domain. */
  readonly domain: string | null;
  /** Global administrator, or of its own domain when isDomainAdmin. */
  readonly isAdmin: boolean;
  readonly isDomainAdmin: boolean;
  readonly isAnonymous: boolean;
}

const isGlobalAdmin = (id: NamingIdentity) => id.isAdmin && !id.isDomainAdmin;
const sameDomain = (a: string | null, b: string | null) => a === b;
const isInbox = (component: string | undefined) => component !== undefined && component.toUpperCase() === 'INBOX';

export class Namespace {
  /** The hierarchy separator clients see: "/" or ".". */
  readonly separator: string;

  constructor(readonly settings: NamespaceSettings) {
    this.separator = settings.unixHierarchySep ? '/' : '.';
  }

  static fromConfig(config: ImapdConfig): Namespace {
    const dd = config.string('defaultdomain');
    return new Namespace({
      altNamespace: config.bool('altnamespace'),
      unixHierarchySep: config.bool('unixhierarchysep'),
      userPrefix: config.string('userprefix') ?? 'Other Users',
      sharedPrefix: config.string('sharedprefix') ?? 'Shared Folders',
      virtDomains: virtDomainsSetting(config),
      defaultDomain: dd ? canonicalDomain(dd) : null,
      maxNameLength: config.int('maxmailboxnamelength'),
    });
  }

  /** Whether this identity sees the alternate namespace (admins never do, as in Cyrus). */
  isAlt(identity: NamingIdentity): boolean {
    return this.settings.altNamespace && !identity.isAdmin;
  }

  /** Internal name of the identity's INBOX; null for anonymous. */
  inboxOf(identity: NamingIdentity): string | null {
    return identity.isAnonymous ? null : inboxName(identity.localPart, identity.domain);
  }

  /**
   * NAMESPACE response data. Cyrus shows the personal namespace only when the user's INBOX
   * exists: pass `inboxExists` (default true).
   */
  namespaces(identity: NamingIdentity, opts: { inboxExists?: boolean } = {}): NamespaceData {
    const sep = this.separator;
    const hasPersonal = !identity.isAnonymous && (opts.inboxExists ?? true);
    if (this.isAlt(identity)) {
      return {
        personal: hasPersonal ? [{ prefix: '', separator: sep }] : [],
        otherUsers: [{ prefix: `${this.settings.userPrefix}${sep}`, separator: sep }],
        shared: [{ prefix: `${this.settings.sharedPrefix}${sep}`, separator: sep }],
      };
    }
    return {
      personal: hasPersonal ? [{ prefix: `INBOX${sep}`, separator: sep }] : [],
      otherUsers: [{ prefix: `user${sep}`, separator: sep }],
      shared: [{ prefix: '', separator: sep }],
    };
  }

  /** External component → internal component ("a.b" → "a^b" with "/" as separator). */
  componentToInternal(component: string): string {
    if (this.settings.unixHierarchySep) {
      if (component.includes('^')) throw new MailError('BadName', 'mailbox name contains a forbidden character');
      component = component.replaceAll('.', '^');
    }
    checkNewComponent(component);
    return component;
  }

  componentToExternal(component: string): string {
    return this.settings.unixHierarchySep ? component.replaceAll('^', '.') : component;
  }

  /**
   * Split "name@domain" (virtual domains only) into the name and the internal domain it names;
   * throws BadName when that domain is out of the identity's reach.
   */
  splitDomain(external: string, identity: NamingIdentity): { name: string; domain: string | null } {
    const at = this.settings.virtDomains === 'off' ? -1 : external.lastIndexOf('@');
    if (at < 0) return { name: external, domain: identity.domain };
    let domain: string | null = canonicalDomain(external.slice(at + 1));
    if (domain === this.settings.defaultDomain) domain = null;
    if (!sameDomain(domain, identity.domain) && !isGlobalAdmin(identity)) {
      throw new MailError('BadName', 'mailbox name reaches another domain');
    }
    return { name: external.slice(0, at), domain };
  }

  /** The internal name of an external one, for this identity. Throws BadName. */
  toInternal(external: string, identity: NamingIdentity): string {
    const { name, domain } = this.splitDomain(external, identity);
    const parts = name.split(this.separator);
    if (parts.some((p) => p.length === 0)) throw new MailError('BadName', 'empty mailbox name component');
    const own = sameDomain(domain, identity.domain) && !identity.isAnonymous;
    const conv = (list: string[]) => list.map((p) => this.componentToInternal(p));
    let components: string[];
    if (isInbox(parts[0])) {
      if (!own) throw new MailError('BadName', 'no INBOX there');
      const rest = parts.slice(1);
      if (this.isAlt(identity) && isInbox(rest[0])) throw new MailError('BadName', 'INBOX cannot hold a folder named INBOX');
      components = ['user', localPartToInternal(identity.localPart), ...(this.isAlt(identity) && rest.length > 0 ? ['INBOX'] : []), ...conv(rest)];
    } else if (this.isAlt(identity)) {
      components = this.altToInternal(parts, identity, conv);
    } else if (parts[0] === 'user') {
      if (parts.length < 2) throw new MailError('BadName', '"user" alone is not a mailbox');
      components = ['user', ...conv(parts.slice(1))];
    } else {
      components = conv(parts);
    }
    const internal = joinName(domain, components);
    checkNameLength(internal, this.settings.maxNameLength ?? DEFAULT_MAX_NAME_LENGTH);
    return internal;
  }

  private altToInternal(parts: string[], identity: NamingIdentity, conv: (l: string[]) => string[]): string[] {
    const { userPrefix, sharedPrefix } = this.settings;
    if (parts[0] === userPrefix) {
      if (parts.length < 2) throw new MailError('BadName', `"${userPrefix}" alone is not a mailbox`);
      return ['user', ...conv(parts.slice(1))];
    }
    if (parts[0] === sharedPrefix) {
      if (parts.length < 2) throw new MailError('BadName', `"${sharedPrefix}" alone is not a mailbox`);
      if (parts[1] === 'user') throw new MailError('BadName', 'a shared folder cannot be named "user"');
      return conv(parts.slice(1));
    }
    if (identity.isAnonymous) throw new MailError('BadName', 'anonymous has no personal folders');
    return ['user', localPartToInternal(identity.localPart), ...conv(parts)];
  }

  /** The name this identity sees for an internal name; null when it is not visible to it. */
  toExternal(internal: string, identity: NamingIdentity): string | null {
    const { domain, components } = splitName(internal);
    if (components.length === 0 || components.some((c) => c.length === 0)) return null;
    const sep = this.separator;
    const ext = (list: string[]) => list.map((c) => this.componentToExternal(c)).join(sep);
    if (!sameDomain(domain, identity.domain)) {
      // Only a global admin (itself in the default domain) sees across domains.
      if (!isGlobalAdmin(identity) || domain === null) return null;
      return `${ext(components)}@${domain}`;
    }
    if (components[0] === 'DELETED' && !identity.isAdmin) return null;
    const isUser = components[0] === 'user';
    if (isUser && components.length < 2) return null;
    const mine = isUser && !identity.isAnonymous && components[1] === localPartToInternal(identity.localPart);
    if (this.isAlt(identity)) {
      if (mine) {
        const rest = components.slice(2);
        if (rest.length === 0) return 'INBOX';
        if (rest[0] === 'INBOX' && rest.length === 1) return null;
        return ext(rest);
      }
      if (isUser) return `${this.settings.userPrefix}${sep}${ext(components.slice(1))}`;
      return `${this.settings.sharedPrefix}${sep}${ext(components)}`;
    }
    if (mine) return components.length === 2 ? 'INBOX' : `INBOX${sep}${ext(components.slice(2))}`;
    return ext(components);
  }

  /** LIST reference + pattern as internal-name prefixes and a matcher (see ListPlan). */
  listPatternToInternal(reference: string, pattern: string, identity: NamingIdentity): ListPlan {
    return planList(this, reference, pattern, identity);
  }
}
