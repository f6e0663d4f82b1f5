/**
 * What the ACL commands share: the mailbox they name with the rights asked for (RFC 4314 section 6:
 * a mailbox the user may neither look up nor read answers as one that does not exist), and an
 * identifier as the mailbox's ACL stores it.
 */
import { canonicalIdentifier, Rights } from '../../../acl/index.js';
import { MailError } from '../../../common/index.js';
import { domainOfName } from '../../../names/index.js';
import type { MailboxEntry } from '../../../store/index.js';
import type { CommandContext } from '../types.js';

export interface AclTarget {
  readonly entry: MailboxEntry;
  /** What the session's identity may do there. */
  readonly rights: Rights;
}

/**
 * The existing mailbox `external` names, when the identity holds every right of `needed` there
 * ("": no right asked, for MYRIGHTS). NotFound for a missing mailbox and for one the identity may
 * not see (neither `l` nor `r`, whatever else it holds); NoPerm when it sees it but lacks a right.
 */
export function aclTarget(ctx: CommandContext, external: string, needed: string): AclTarget {
  const internal = ctx.toInternal(external);
  const entry = ctx.deps.store.lookup(internal);
  if (!entry) throw new MailError('NotFound', `no mailbox ${internal}`);
  const identity = ctx.identity();
  if (needed === '') {
    const rights = ctx.deps.rights.rightsOn(identity, entry);
    if (!rights.hasAny('lr')) throw new MailError('NotFound', `mailbox ${internal} is not visible`);
    return { entry, rights };
  }
  return { entry, rights: ctx.deps.rights.requireRights(identity, entry, needed) };
}

/** `identifier` as the ACL of `entry` stores it (qualified with its domain); MailError Cannot for another domain's user. */
export function storedIdentifier(ctx: CommandContext, entry: MailboxEntry, identifier: string): string {
  const { virtDomains, defaultDomain } = ctx.deps.namespace.settings;
  return canonicalIdentifier(identifier, domainOfName(entry.name), { virtDomains, defaultDomain });
}
