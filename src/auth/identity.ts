/**
 * Who a connection is: the canonical userid and what it may administer.
 *
 * Canonical userids follow Cyrus: lowercased when `username_tolower` is on; with virtual domains
 * a user of a domain other than `defaultdomain` is "local@domain", a user of the default domain is
 * plain "local"; with `unixhierarchysep: no` a userid may not contain a dot (the dot would be a
 * hierarchy separator in "user.fred"), with `yes` it may (stored as `^` in mailbox names).
 */
import { MailError } from '../common/errors.js';

export const ANONYMOUS_USERID = 'anonymous';
export const ANYONE_IDENTIFIER = 'anyone';

/** An authenticated (or anonymous) user, as every service and the ACL layer see it. */
export interface Identity {
  /** Canonical userid: "fred" (default domain or no virtual domains) or "fred@example.com". */
  readonly userid: string;
  /** The userid without its domain. */
  readonly localPart: string;
  /** The virtual domain; null for the default domain and when virtdomains is off. */
  readonly domain: string | null;
  /** An administrator: global (unqualified entry in `admins`) or, with isDomainAdmin, of its own domain. */
  readonly isAdmin: boolean;
  /** Administrator of its own domain only (an "admin@example.com" entry in `admins`). */
  readonly isDomainAdmin: boolean;
  /** The unauthenticated user of ANONYMOUS / LOGIN anonymous. */
  readonly isAnonymous: boolean;
  /** The userid that proved itself when it differs from userid (proxy login); else null. */
  readonly authenticatedAs: string | null;
  /** Group names (without "group:") the user is a member of. */
  groups(): string[];
  /** Every ACL identifier that applies: userid, "anyone" and "group:NAME" for each group. */
  identifiers(): string[];
}

/** The userid split into its parts. */
export interface UseridParts {
  localPart: string;
  domain: string | null;
}

export function formatUserid(parts: UseridParts): string {
  return parts.domain === null ? parts.localPart : `${parts.localPart}@${parts.domain}`;
}

/** Split "fred@example.com" into local part and domain (no canonicalisation). */
export function splitUserid(userid: string): UseridParts {
  const at = userid.lastIndexOf('@');
  return at < 0 ? { localPart: userid, domain: null } : { localPart: userid.slice(0, at), domain: userid.slice(at + 1) };
}

/** Lowercase and check a domain name; throws BadName (the rule is the names module's). */
export { canonicalDomain } from '../names/index.js';

/**
 * Check the local part of a userid. It becomes a mailbox name component ("user.LOCAL"), so the
 * characters with a meaning there are refused: hierarchy separators, the internal dot marker `^`,
 * the domain marker `!`, LIST wildcards, and controls.
 */
export function checkLocalPart(local: string, dotsAllowed: boolean): void {
  if (local.length === 0 || local.length > 255) throw new MailError('BadName', 'userid empty or too long');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f!^/*%@"\\]/.test(local)) throw new MailError('BadName', 'userid contains a forbidden character');
  if (local.includes('.')) {
    if (!dotsAllowed) throw new MailError('BadName', 'a dot in a userid needs unixhierarchysep: yes');
    if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) throw new MailError('BadName', 'misplaced dot in userid');
  }
}

export interface IdentityInit extends UseridParts {
  isAdmin?: boolean;
  isDomainAdmin?: boolean;
  isAnonymous?: boolean;
  authenticatedAs?: string | null;
  groups?: () => string[];
}

/** Build an Identity value from its parts. */
export function makeIdentity(init: IdentityInit): Identity {
  const userid = formatUserid(init);
  const groups = init.groups ?? (() => []);
  return Object.freeze({
    userid,
    localPart: init.localPart,
    domain: init.domain,
    isAdmin: init.isAdmin ?? false,
    isDomainAdmin: init.isDomainAdmin ?? false,
    isAnonymous: init.isAnonymous ?? false,
    authenticatedAs: init.authenticatedAs ?? null,
    groups,
    identifiers: () => [userid, ANYONE_IDENTIFIER, ...groups().map((g) => `group:${g}`)],
  });
}
