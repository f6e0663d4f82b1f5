/**
 * What GETMETADATA and SETMETADATA share: the target (a mailbox the identity can see, or the server
 * for ""), who may read and write which entries (RFC 5464 section 3.3 and Cyrus 3.6's checks, all
 * through the one RightsChecker), and every candidate entry of a target with its value.
 */
import { mayAdminister, type Rights } from '../../../acl/index.js';
import { isOwnedBy } from '../../../names/index.js';
import { SERVER_ANNOTATIONS, type MailboxEntry } from '../../../store/index.js';
import { CommandFailure, type CommandContext } from '../types.js';
import { ENTRY_DEFINITIONS, type EntryDefinition } from './entries.js';

export type MetadataTarget =
  | { on: 'server'; key: string }
  | { on: 'mailbox'; key: string; entry: MailboxEntry; rights: Rights; admin: boolean };

/**
 * "" is the server; anything else an existing mailbox the identity may look up (`l`): NO
 * [NONEXISTENT] otherwise, the same answer as for a missing one.
 */
export function metadataTarget(ctx: CommandContext, external: string): MetadataTarget {
  if (external === '') return { on: 'server', key: SERVER_ANNOTATIONS };
  const entry = ctx.deps.store.lookup(ctx.toInternal(external));
  const target = entry ? mailboxTarget(ctx, entry) : null;
  if (!target || !target.rights.has('l')) throw new CommandFailure('NO', 'NONEXISTENT', 'Mailbox does not exist');
  return target;
}

/** A mailbox already looked up (LIST's METADATA return option) as a target, with the identity's rights on it. */
export function mailboxTarget(ctx: CommandContext, entry: MailboxEntry): Extract<MetadataTarget, { on: 'mailbox' }> {
  return { on: 'mailbox', key: entry.uniqueId, entry, rights: ctx.deps.rights.rightsOn(ctx.identity(), entry), admin: mayAdminister(ctx.identity(), entry.name) };
}

/**
 * Reading any entry of a mailbox needs `r` (Cyrus leaves the others out of the answer, without an
 * error); server entries anyone may read. Administrators (of the mailbox's domain) read and write
 * every entry of a mailbox they see, as in Cyrus (cyradm's `info` and `mboxcfg`).
 */
export function mayRead(target: MetadataTarget): boolean {
  return target.on === 'server' || target.admin || target.rights.has('r');
}

/**
 * Whether the identity may write `/scope + definition.path` (undefined: an undefined entry) on the
 * target. Private entries: anyone who sees the mailbox (Cyrus: `l`); /private/specialuse only in the
 * identity's own folders (or as their administrator). Shared: `r` and `w` (RFC 5464), the `a` right
 * for Cyrus's vendor entries; on the server, global administrators only (a domain's
 * administrator does not own the server).
 */
export function mayWrite(ctx: CommandContext, target: MetadataTarget, scope: 'shared' | 'private', definition: EntryDefinition | undefined): boolean {
  const identity = ctx.identity();
  if (target.on === 'server') return scope === 'private' || (identity.isAdmin && !identity.isDomainAdmin);
  if (target.admin) return true;
  if (definition?.source === 'specialUse') return !identity.isAnonymous && isOwnedBy(target.entry.name, identity.userid);
  if (scope === 'private') return true;
  return definition?.adminWrite ? target.rights.has('a') : target.rights.has('rw');
}

/** Every definition that applies to the target, as full names ("/shared/comment") with its definition. */
export function definedEntries(target: MetadataTarget): Array<[string, EntryDefinition]> {
  const out: Array<[string, EntryDefinition]> = [];
  for (const d of ENTRY_DEFINITIONS) if (d.on === target.on) for (const scope of d.scopes) out.push([`/${scope}${d.path}`, d]);
  return out;
}
