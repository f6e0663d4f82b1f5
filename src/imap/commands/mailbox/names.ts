/**
 * What the mailbox commands share: client names → internal names with the checks Cyrus applies,
 * the entry of an existing mailbox with rights checked, and the rule for creating a new name
 * (the 'k' right on the nearest existing ancestor; top level and other users' INBOXes for admins).
 */
import { nearestExistingAncestor } from '../../../accounts/index.js';
import { mayAdminister, type Rights } from '../../../acl/index.js';
import { MailError } from '../../../common/index.js';
import type { Identity } from '../../../auth/index.js';
import { isUserInbox, joinName, splitName, USER_TOP } from '../../../names/index.js';
import type { MailboxEntry } from '../../../store/index.js';
import { isValidModifiedUtf7 } from '../../wire/mutf7.js';
import type { CommandContext } from '../types.js';
import { CommandFailure } from '../types.js';

/** A new name must be canonical modified UTF-7 (RFC 3501 5.1.3); old names are looked up as sent. */
export function requireValidNewName(external: string): void {
  if (!isValidModifiedUtf7(external)) throw new CommandFailure('NO', 'CANNOT', 'Invalid mailbox name');
}

/** The internal name of the identity's own INBOX (null for anonymous). */
export function ownInbox(ctx: CommandContext): string | null {
  return ctx.deps.namespace.inboxOf(ctx.identity());
}

/** The entry of an existing mailbox the identity may use with `rights`; NO [NONEXISTENT] otherwise. */
export function existingMailbox(ctx: CommandContext, internal: string, rights: Rights | string): MailboxEntry {
  const entry = ctx.deps.store.lookup(internal);
  if (!entry) throw new CommandFailure('NO', 'NONEXISTENT', 'Mailbox does not exist');
  ctx.deps.rights.requireRights(ctx.identity(), entry, rights);
  return entry;
}

/**
 * Check that `identity` may create `internal` (its parent hierarchy included): the 'k' right on the
 * nearest existing ancestor; with none, only inside its own hierarchy; below a user's INBOX only
 * when that INBOX exists. An administrator may create
 * any name within its reach (`mayAdminister`), whatever the rights.
 * A missing right answers NOPERM even when the ancestor is invisible (creating leaks nothing).
 */
export function requireCreateRight(ctx: CommandContext, internal: string): void {
  const identity = ctx.identity();
  // Cyrus: no user.X.* without user.X, administrators included (a user is made by creating its INBOX).
  const { domain, components } = splitName(internal);
  if (components[0] === USER_TOP && components.length > 2 && !ctx.deps.store.lookup(joinName(domain, components.slice(0, 2)))) {
    throw new CommandFailure('NO', 'NOPERM', 'Permission denied');
  }
  if (mayAdminister(identity, internal)) return;
  if (isUserInbox(internal) && internal !== ownInbox(ctx)) throw new CommandFailure('NO', 'NOPERM', 'Permission denied');
  const ancestor = nearestExistingAncestor(ctx.deps.store, internal);
  const target = ancestor ?? { name: internal, acl: '' };
  if (!ctx.deps.rights.hasRights(identity, target, 'k')) throw new CommandFailure('NO', 'NOPERM', 'Permission denied');
}

/** Only administrators may name a partition (Cyrus's `CREATE name partition`, `RENAME a b partition`). */
export function requirePartition(ctx: CommandContext, identity: Identity, partition: string | null): void {
  if (partition === null) return;
  if (!identity.isAdmin) throw new CommandFailure('NO', 'NOPERM', 'Only administrators may choose a partition');
  if (!ctx.deps.config.partitions().has(partition)) throw new CommandFailure('NO', 'CANNOT', 'Unknown partition');
}

/**
 * APPEND's, COPY's and MOVE's answer for a target that does not exist or cannot be seen. Made only
 * when answered: an Error captures a stack trace (about 0.1 ms under load), and most succeed.
 */
export function tryCreate(): CommandFailure {
  return new CommandFailure('NO', 'TRYCREATE', 'Mailbox does not exist');
}

/** Turn an invisible mailbox (NotFound from the rights check) into `failure`. */
export function hideNotFound<T>(fn: () => T, failure: () => CommandFailure): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof MailError && err.kind === 'NotFound') throw failure();
    throw err;
  }
}
