/**
 * The one place that decides what an identity may do to a mailbox. Every protocol command asks
 * `rightsOn` / `requireRights`, and `mayAdminister` for the administrator's powers that are not
 * mailbox rights; ACL storage and editing (SETACL, cyradm) plug in here later.
 *
 * Rights are the RFC 4314 letters: l r s w i p k x t e a n, plus the obsolete c and d that stand
 * for "k or x" and "t or e" (RFC 4314 section 2.1.1).
 *
 * How rights are found (the Cyrus rules of "Access Control Defaults" and "Other Implicit Rights"):
 * - the owner of a personal hierarchy (user.fred and below) has every right there;
 * - everyone else gets what the mailbox's ACL grants its identifiers (its userid, "anyone",
 *   "group:NAME", "anonymous" for the anonymous user), minus what "-identifier" entries take away,
 *   and only inside its own domain;
 * - an administrator (`admins`) also has `l` and `a` on every mailbox within its reach (all of them
 *   for a global admin, its own domain for admin@example.com), whatever the ACL says; it reads mail
 *   only when the ACL lets it, and may give itself more rights since it has `a`;
 * - anonymous has no personal hierarchy and always has `p` on users' INBOXes (LMTP delivery).
 */
import { MailError } from '../common/errors.js';

export const ALL_RIGHTS = 'lrswipkxtecdan';

/** The rights an administrator has on every mailbox within its reach, whatever the ACL says. */
export const ADMIN_IMPLICIT_RIGHTS = 'la';
/** The right anonymous always has on a user's INBOX. */
export const ANONYMOUS_INBOX_RIGHTS = 'p';

const ANONYMOUS = 'anonymous';

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

/** The internal name of a userid's INBOX: "fred" → "user.fred", "a.b@x.org" → "x.org!user.a^b". */
export function inboxNameOf(userid: string): string {
  const at = userid.lastIndexOf('@');
  const local = (at >= 0 ? userid.slice(0, at) : userid).replaceAll('.', '^');
  return at >= 0 ? `${userid.slice(at + 1)}!user.${local}` : `user.${local}`;
}

function domainOf(name: string): string | null {
  const bang = name.indexOf('!');
  return bang >= 0 ? name.slice(0, bang) : null;
}

function isAnonymousHolder(who: RightsHolder): boolean {
  return who.isAnonymous === true || who.userid === ANONYMOUS;
}

/** Whether `name` is a user's INBOX: "user.fred", "example.com!user.fred". */
function isUserInboxName(name: string): boolean {
  const local = name.slice(name.indexOf('!') + 1).split('.');
  return local.length === 2 && local[0] === 'user';
}

/** Whether `name` is in `who`'s own personal hierarchy (never for anonymous, who has none). */
function ownsMailbox(who: RightsHolder, name: string): boolean {
  if (isAnonymousHolder(who)) return false;
  const inbox = inboxNameOf(who.userid);
  return name === inbox || name.startsWith(`${inbox}.`);
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
  return domainOf(mailboxName) === who.domain;
}

/** Parse Cyrus ACL text into [identifier, rights] pairs in order. */
export function parseAcl(acl: string | null | undefined): Array<[string, string]> {
  if (!acl) return [];
  const fields = acl.split('\t');
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i]) out.push([fields[i]!, fields[i + 1] ?? '']);
  return out;
}

function expandObsolete(rights: string): string {
  let out = rights;
  if (out.includes('c')) out += 'k';
  if (out.includes('d')) out += 'te';
  if (/[kx]/.test(out)) out += 'c';
  if (/[te]/.test(out)) out += 'd';
  return out;
}

/**
 * Letters in canonical order, with c and d standing for what is actually held ("k or x", "t or e"):
 * expanded letters minus denied ones must not grow back through an obsolete letter.
 */
function canonical(expandedRights: string): string {
  const set = new Set([...expandedRights].filter((r) => r !== 'c' && r !== 'd'));
  if (set.has('k') || set.has('x')) set.add('c');
  if (set.has('t') || set.has('e')) set.add('d');
  return [...ALL_RIGHTS].filter((r) => set.has(r)).join('');
}

/** The ACL identifiers that apply to `who`: its userid (or "anonymous"), "anyone", its groups. */
function identifiersOf(who: RightsHolder): Set<string> {
  const ids = new Set<string>(['anyone', isAnonymousHolder(who) ? ANONYMOUS : who.userid]);
  for (const g of who.groups?.() ?? []) ids.add(`group:${g}`);
  return ids;
}

/** What the ACL grants `ids` (obsolete letters expanded), minus what its negative entries take away. */
function aclRights(ids: ReadonlySet<string>, acl: string | null | undefined): string {
  let granted = '';
  let denied = '';
  for (const [id, rights] of parseAcl(acl)) {
    if (id.startsWith('-')) {
      if (ids.has(id.slice(1))) denied += rights;
    } else if (ids.has(id)) granted += rights;
  }
  const deniedSet = new Set(expandObsolete(denied));
  return [...expandObsolete(granted)].filter((r) => !deniedSet.has(r)).join('');
}

/** The rights `who` has on `mailbox`, as a string of letters in canonical order. */
export function rightsOn(who: RightsHolder, mailbox: RightsTarget): string {
  if (ownsMailbox(who, mailbox.name)) return ALL_RIGHTS;
  let rights = '';
  // The ACL counts inside the holder's own domain; a global admin's reach is every domain.
  const admin = mayAdminister(who, mailbox.name);
  if (admin || domainOf(mailbox.name) === who.domain) rights += aclRights(identifiersOf(who), mailbox.acl);
  if (admin) rights += ADMIN_IMPLICIT_RIGHTS;
  if (isAnonymousHolder(who) && isUserInboxName(mailbox.name)) rights += ANONYMOUS_INBOX_RIGHTS;
  return canonical(rights);
}

/** The right that setting or clearing `flag` needs (RFC 4314 section 4): s for \Seen, t for \Deleted, w otherwise. */
export function rightForFlag(flag: string): 's' | 't' | 'w' {
  const lower = flag.toLowerCase();
  return lower === '\\seen' ? 's' : lower === '\\deleted' ? 't' : 'w';
}

export function hasRights(who: RightsHolder, mailbox: RightsTarget, needed: string): boolean {
  const have = rightsOn(who, mailbox);
  return [...needed].every((r) => have.includes(r));
}

/**
 * Throw unless `who` has every right in `needed`. A holder without `l` (lookup) learns nothing
 * about the mailbox's existence: the error is NotFound, as RFC 4314 section 6 asks.
 */
export function requireRights(who: RightsHolder, mailbox: RightsTarget, needed: string): void {
  const have = rightsOn(who, mailbox);
  if ([...needed].every((r) => have.includes(r))) return;
  if (!have.includes('l') && !have.includes('r')) throw new MailError('NotFound', `no mailbox ${mailbox.name}`);
  throw new MailError('NoPerm', `missing rights ${[...needed].filter((r) => !have.includes(r)).join('')} on ${mailbox.name}`);
}
