/**
 * Where a new mailbox sits: the rules IMAP's CREATE and RENAME and Sieve's fileinto :create share
 * for the names above it and the ACL it starts with.
 */
import { initialAcl } from '../acl/index.js';
import type { ImapdConfig } from '../config/index.js';
import { ownerOf, parentName, splitName, USER_TOP } from '../names/index.js';
import type { MailboxEntry } from '../store/index.js';

/** The mailbox list as these rules read it (the store's MailStore fits). */
export interface MailboxLookup {
  lookup(name: string): MailboxEntry | null;
}

/** The nearest existing ancestor of `internal`, or null. */
export function nearestExistingAncestor(store: MailboxLookup, internal: string): MailboxEntry | null {
  for (let name = parentName(internal); name !== null; name = parentName(name)) {
    const entry = store.lookup(name);
    if (entry) return entry;
  }
  return null;
}

/**
 * The missing ancestors of `internal` made with it (RFC 3501 6.3.3: intermediate names SHOULD be
 * created), outermost first. Never "user" nor a user's INBOX.
 */
export function missingAncestors(store: MailboxLookup, internal: string): string[] {
  const out: string[] = [];
  for (let name = parentName(internal); name !== null; name = parentName(name)) {
    if (store.lookup(name)) break;
    const { components } = splitName(name);
    if (components[0] === USER_TOP && components.length <= 2) break;
    out.unshift(name);
  }
  return out;
}

/**
 * The ACL of a new mailbox (Cyrus's "Initial ACLs"): a copy of its nearest existing ancestor's,
 * else (top of a hierarchy) all rights for the owning user, or `defaultacl` ("anyone lrs") for a
 * mailbox outside user.*.
 */
export function inheritedAcl(store: MailboxLookup, config: ImapdConfig, internal: string): string {
  return initialAcl(nearestExistingAncestor(store, internal)?.acl ?? null, ownerOf(internal), config.string('defaultacl'));
}
