/**
 * What an identity may do to a mailbox: the Cyrus rules of "Access Control Defaults", "Other
 * Implicit Rights" and "Calculating a Users' Rights", as one pure function of the identity, the
 * mailbox (name and ACL text) and the site's policy (`implicit_owner_rights`).
 *
 * - The ACL counts inside the holder's own domain (a global admin's reach is every domain): the
 *   union of the positive entries naming the holder's userid ("anonymous" for the anonymous user),
 *   "anyone" and its groups ("group:NAME"), minus the union of the negative ("-id") entries naming them.
 * - On top of that, whatever the ACL says:
 *   - the owner of a personal hierarchy (user.fred and below) has `implicit_owner_rights` (Cyrus 3.6
 *     default `lkxan`) and always `la` there; the rest comes from the ACL, whose first entry on a
 *     user's INBOX grants the user every right, so SETACL on one's own folder takes effect;
 *   - an administrator (`admins`) has `l` and `a` on every mailbox within its reach (every mailbox
 *     for a global admin, its domain's for admin@example.com): it sees every mailbox but reads mail
 *     only when the ACL lets it, and may give itself more rights since it has `a`;
 *   - anonymous has no personal hierarchy and always has `p` on users' INBOXes (LMTP delivery).
 */
import { domainOfName, isOwnedBy, isUserInbox } from '../names/index.js';
import { Rights } from './rights.js';

/** The rights an administrator has on every mailbox within its reach, whatever the ACL says. */
export const ADMIN_IMPLICIT_RIGHTS = Rights.parse('la');
/** The rights a user always has within its own INBOX hierarchy, whatever the ACL says. */
export const OWNER_MINIMUM_RIGHTS = Rights.parse('la');
/** The right anonymous always has on a user's INBOX. */
export const ANONYMOUS_INBOX_RIGHTS = Rights.parse('p');
/** Cyrus 3.6's default of `implicit_owner_rights`. */
export const DEFAULT_IMPLICIT_OWNER_RIGHTS = 'lkxan';

const ANONYMOUS = 'anonymous';
const ANYONE = 'anyone';

/** The site's settings that enter the calculation. */
export interface RightsPolicy {
  /** What the owner of a personal hierarchy has there on top of the ACL (`implicit_owner_rights`). */
  readonly implicitOwnerRights: Rights;
}

export const DEFAULT_RIGHTS_POLICY: RightsPolicy = Object.freeze({ implicitOwnerRights: Rights.parse(DEFAULT_IMPLICIT_OWNER_RIGHTS) });

/** What rights checking needs to know about who is asking (the auth module's Identity fits). */
export interface RightsHolder {
  /** Canonical userid: "fred" or "fred@example.com". */
  readonly userid: string;
  readonly isAdmin: boolean;
  readonly isDomainAdmin?: boolean;
  /** The unauthenticated user; a userid of "anonymous" counts as anonymous too. */
  readonly isAnonymous?: boolean;
  readonly domain: string | null;
  /** Group names (without the "group:" prefix) the holder belongs to. */
  groups?(): readonly string[];
}

/** What rights checking needs to know about the mailbox. */
export interface RightsTarget {
  /** Internal name, e.g. "user.fred.Sent" or "example.com!user.fred". */
  readonly name: string;
  /** Cyrus ACL text: "id\trights\tid\trights\t"; "-id" entries take rights away. */
  readonly acl?: string | null;
}

function isAnonymousHolder(who: RightsHolder): boolean {
  return who.isAnonymous === true || who.userid === ANONYMOUS;
}

/** Whether `name` is in `who`'s own personal hierarchy (never for anonymous, who has none). */
export function ownsMailbox(who: RightsHolder, name: string): boolean {
  if (isAnonymousHolder(who)) return false;
  return isOwnedBy(name, who.userid);
}

/**
 * Whether `who` is an administrator whose reach includes `mailboxName`: a global admin reaches
 * every mailbox, a domain admin (admin@example.com in `admins`) the mailboxes of its domain.
 * This decides the powers that are not mailbox rights (Cyrus's `isadmin`): creating any mailbox
 * (other users' INBOXes and top-level names included), naming a partition, deleting a user
 * (with the `x` right) and renaming without the `x` right.
 */
export function mayAdminister(who: RightsHolder, mailboxName: string): boolean {
  if (!who.isAdmin || isAnonymousHolder(who)) return false;
  if (!who.isDomainAdmin) return true;
  return domainOfName(mailboxName) === who.domain;
}

/** Cyrus ACL text as [identifier, rights text] pairs in order. */
export function parseAcl(acl: string | null | undefined): Array<[string, string]> {
  if (!acl) return [];
  const fields = acl.split('\t');
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i]) out.push([fields[i]!, fields[i + 1] ?? '']);
  return out;
}

/** The ACL identifiers that apply to `who`: its userid (or "anonymous"), "anyone", its groups. */
function identifiersOf(who: RightsHolder): Set<string> {
  const ids = new Set<string>([ANYONE, isAnonymousHolder(who) ? ANONYMOUS : who.userid]);
  for (const group of who.groups?.() ?? []) ids.add(`group:${group}`);
  return ids;
}

/** What the ACL grants `ids`, minus what its negative entries naming them take away. */
export function aclRights(ids: ReadonlySet<string>, acl: string | null | undefined): Rights {
  let granted = Rights.NONE;
  let denied = Rights.NONE;
  for (const [id, text] of parseAcl(acl)) {
    if (id.startsWith('-')) {
      if (ids.has(id.slice(1))) denied = denied.union(Rights.parse(text, { lenient: true }));
    } else if (ids.has(id)) granted = granted.union(Rights.parse(text, { lenient: true }));
  }
  return granted.minus(denied);
}

/** The rights `who` has on `mailbox` under `policy` (see the file comment). Not cached: see RightsChecker. */
export function calculateRights(who: RightsHolder, mailbox: RightsTarget, policy: RightsPolicy = DEFAULT_RIGHTS_POLICY): Rights {
  const admin = mayAdminister(who, mailbox.name);
  let rights = Rights.NONE;
  if (admin || domainOfName(mailbox.name) === who.domain) rights = aclRights(identifiersOf(who), mailbox.acl);
  if (admin) rights = rights.union(ADMIN_IMPLICIT_RIGHTS);
  if (ownsMailbox(who, mailbox.name)) rights = rights.union(policy.implicitOwnerRights).union(OWNER_MINIMUM_RIGHTS);
  else if (isAnonymousHolder(who) && isUserInbox(mailbox.name)) rights = rights.union(ANONYMOUS_INBOX_RIGHTS);
  return rights;
}

const SEEN = Rights.parse('s');
const DELETED = Rights.parse('t');
const WRITE = Rights.parse('w');

/** The right that setting or clearing `flag` needs (RFC 4314 section 4): s for \Seen, t for \Deleted, w otherwise. */
export function rightForFlag(flag: string): Rights {
  const lower = flag.toLowerCase();
  return lower === '\\seen' ? SEEN : lower === '\\deleted' ? DELETED : WRITE;
}
