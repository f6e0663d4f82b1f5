/**
 * The one place that decides what an identity may do to a mailbox. Every protocol command asks
 * `rightsOn` / `requireRights`; ACL storage and editing (SETACL, cyradm) plug in here later.
 *
 * Rights are the RFC 4314 letters: l r s w i p k x t e a n, plus the obsolete c and d that stand
 * for "k or x" and "t or e" (RFC 4314 section 2.1.1).
 */
import { MailError } from '../common/errors.js';

export const ALL_RIGHTS = 'lrswipkxtecdan';

/** What rights checking needs to know about who is asking (the auth module's Identity fits). */
export interface RightsHolder {
  /** Canonical userid: "fred" or "fred@example.com". */
  readonly userid: string;
  readonly isAdmin: boolean;
  readonly isDomainAdmin?: boolean;
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

function normalise(rights: string): string {
  const set = new Set(expandObsolete(rights));
  return [...ALL_RIGHTS].filter((r) => set.has(r)).join('');
}

/** The rights `who` has on `mailbox`, as a string of letters in canonical order. */
export function rightsOn(who: RightsHolder, mailbox: RightsTarget): string {
  const mailboxDomain = domainOf(mailbox.name);
  if (who.isAdmin && !who.isDomainAdmin) return ALL_RIGHTS;
  if (who.isDomainAdmin && mailboxDomain === who.domain) return ALL_RIGHTS;
  const inbox = inboxNameOf(who.userid);
  if (mailbox.name === inbox || mailbox.name.startsWith(`${inbox}.`)) return ALL_RIGHTS;
  if (mailboxDomain !== who.domain) return '';
  const ids = new Set<string>(['anyone', who.userid]);
  for (const g of who.groups?.() ?? []) ids.add(`group:${g}`);
  let granted = '';
  let denied = '';
  for (const [id, rights] of parseAcl(mailbox.acl)) {
    if (id.startsWith('-')) {
      if (ids.has(id.slice(1))) denied += rights;
    } else if (ids.has(id)) granted += rights;
  }
  const deniedSet = new Set(expandObsolete(denied));
  return normalise([...granted].filter((r) => !deniedSet.has(r)).join(''));
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
