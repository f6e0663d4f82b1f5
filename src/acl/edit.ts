/**
 * Changing an ACL (RFC 4314 SETACL / DELETEACL) and choosing the identifiers it may name, as pure
 * functions over Cyrus's ACL text ("id\trights\tid\trights\t"). The store keeps the result
 * (MailStore.setAcl: mailboxes.db, its ACL index, cyrus.header, change notification).
 *
 * - An entry's rights are stored as Rights.format() spells them (with Cyrus's c and d macros).
 * - Rights that end up empty remove the entry; a new entry goes after the existing ones.
 * - Identifiers: a userid, "group:NAME", "anyone", "anonymous", each maybe with "-" in front (a
 *   negative entry). A userid is kept as the mailbox's domain qualifies it ("bob" on a mailbox of
 *   example.com is "bob@example.com"); naming a user of another domain is refused (Cyrus's
 *   "domains are mutually exclusive").
 */
import { MailError } from '../common/errors.js';
import { parseAcl } from './calculate.js';
import { Rights } from './rights.js';

/** How SETACL changes an entry: its rights replaced, or some added ("+") or removed ("-"). */
export interface RightsChange {
  readonly mode: 'replace' | 'add' | 'remove';
  readonly rights: Rights;
}

/** What qualifying an identifier needs to know of the site (virtdomains, defaultdomain). */
export interface IdentifierDomains {
  readonly virtDomains: 'off' | 'userid' | 'on';
  readonly defaultDomain: string | null;
}

const SPECIAL_IDENTIFIERS = new Set(['anyone', 'anonymous']);

/** ACL text from [identifier, rights] pairs. */
export function formatAcl(entries: ReadonlyArray<readonly [string, string]>): string {
  return entries.map(([id, rights]) => `${id}\t${rights}\t`).join('');
}

/** The rights the ACL's own entry for `identifier` holds (NONE without one). */
export function entryRights(acl: string | null | undefined, identifier: string): Rights {
  const found = parseAcl(acl).find(([id]) => id === identifier);
  return found ? Rights.parse(found[1], { lenient: true }) : Rights.NONE;
}

/** The ACL with `identifier`'s entry changed by `change` (removed when no right is left). */
export function aclWithChange(acl: string | null | undefined, identifier: string, change: RightsChange): string {
  const entries = parseAcl(acl);
  const index = entries.findIndex(([id]) => id === identifier);
  const before = index >= 0 ? Rights.parse(entries[index]![1], { lenient: true }) : Rights.NONE;
  const after = change.mode === 'replace' ? change.rights : change.mode === 'add' ? before.union(change.rights) : before.minus(change.rights);
  if (after.isEmpty) {
    if (index >= 0) entries.splice(index, 1);
  } else if (index >= 0) entries[index] = [identifier, after.format()];
  else entries.push([identifier, after.format()]);
  return formatAcl(entries);
}

/** The ACL without `identifier`'s entry (unchanged when it has none). */
export function aclWithout(acl: string | null | undefined, identifier: string): string {
  return formatAcl(parseAcl(acl).filter(([id]) => id !== identifier));
}

/**
 * `identifier` as an ACL of a mailbox in `mailboxDomain` (null: the default domain) stores it:
 * a userid is qualified with the mailbox's domain, "user@defaultdomain" loses the default domain,
 * and a user of another domain is MailError Cannot. "anyone", "anonymous" and "group:..." are kept.
 */
export function canonicalIdentifier(identifier: string, mailboxDomain: string | null, domains: IdentifierDomains): string {
  const negative = identifier.startsWith('-');
  const bare = negative ? identifier.slice(1) : identifier;
  if (bare === '' || /[\t\r\n\0]/.test(bare)) throw new MailError('Invalid', 'invalid identifier');
  const sign = negative ? '-' : '';
  if (SPECIAL_IDENTIFIERS.has(bare.toLowerCase())) return sign + bare.toLowerCase();
  if (bare.startsWith('group:') || domains.virtDomains === 'off') return sign + bare;
  const at = bare.lastIndexOf('@');
  const local = at >= 0 ? bare.slice(0, at) : bare;
  let domain = at >= 0 ? bare.slice(at + 1).toLowerCase() : mailboxDomain;
  if (domain !== null && domain === domains.defaultDomain) domain = null;
  if (local === '' || domain === '') throw new MailError('Invalid', 'invalid identifier');
  if (domain !== mailboxDomain) throw new MailError('Cannot', `Invalid identifier: ${bare} is not in the mailbox's domain`);
  return sign + (domain === null ? local : `${local}@${domain}`);
}

/**
 * ACL text from `defaultacl`'s "identifier rights identifier rights ..." (Cyrus's form, e.g.
 * "anyone lrs"); a pair with unknown letters is MailError Invalid, a lone identifier is ignored.
 */
export function aclFromPairs(text: string): string {
  const words = text.trim().split(/\s+/).filter((w) => w !== '');
  let acl = '';
  for (let i = 0; i + 1 < words.length; i += 2) acl = aclWithChange(acl, words[i]!, { mode: 'replace', rights: Rights.parse(words[i + 1]!) });
  return acl;
}

/**
 * The ACL of a new mailbox (Cyrus's "Initial ACLs"): a copy of its nearest existing ancestor's
 * (`ancestorAcl`); with none, every right for the owning user of a `user.X` hierarchy (`owner`), or
 * `defaultacl` (Cyrus's default "anyone lrs") for a mailbox outside user.*.
 */
export function initialAcl(ancestorAcl: string | null, owner: string | null, defaultAcl: string | null): string {
  if (ancestorAcl !== null) return ancestorAcl;
  if (owner !== null) return `${owner}\t${Rights.ALL.format()}\t`;
  return aclFromPairs(defaultAcl ?? 'anyone lrs');
}
