/**
 * CREATE (RFC 3501 6.3.3) with CREATE-SPECIAL-USE (RFC 6154 section 3) and Cyrus's
 * `CREATE name partition` for administrators. A trailing separator is dropped; missing
 * intermediate names are created too, with the same ACL.
 */
import { specialUseNames } from '../../../config/special-use.js';
import { splitName } from '../../../store/index.js';
import { AUTHENTICATED } from '../../session/state.js';
import type { CommandContext } from '../types.js';
import { always, CommandFailure, defineCommand } from '../types.js';
import { inheritedAcl, missingAncestors, requireCreateRight, requirePartition, requireValidNewName } from './names.js';

/** The special-use attributes as stored ("\\Sent \\Archive"), in their canonical spelling; USEATTR otherwise. */
export function checkSpecialUse(ctx: CommandContext, internal: string, uses: readonly string[]): string | null {
  if (uses.length === 0) return null;
  const known = specialUseNames(ctx.deps.config.list('specialuse_extra'));
  const out: string[] = [];
  for (const use of uses) {
    const canonical = use.startsWith('\\') ? known.get(use.slice(1).toLowerCase()) : undefined;
    if (!canonical) throw new CommandFailure('NO', 'USEATTR', `Unsupported special-use attribute ${use}`);
    if (!out.includes(canonical)) out.push(canonical);
  }
  // Special use marks a user's own folders, not an INBOX nor shared mailboxes (as Cyrus).
  const { components } = splitName(internal);
  if (components[0] !== 'user' || components.length < 3) throw new CommandFailure('NO', 'USEATTR', 'Special use is only for personal folders');
  return out.join(' ');
}

export const createCommand = defineCommand({
  name: 'CREATE',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const identity = ctx.identity();
    requirePartition(ctx, identity, command.partition);
    const sep = ctx.deps.namespace.separator;
    // "foo/" announces that names will be created below foo: create foo (RFC 3501 6.3.3).
    const external = command.mailbox.endsWith(sep) && command.mailbox.length > 1 ? command.mailbox.slice(0, -1) : command.mailbox;
    requireValidNewName(external);
    const internal = ctx.toInternal(external);
    if (ctx.deps.store.lookup(internal)) throw new CommandFailure('NO', 'ALREADYEXISTS', 'Mailbox already exists');
    requireCreateRight(ctx, internal);
    const specialUse = checkSpecialUse(ctx, internal, command.specialUse);
    const acl = inheritedAcl(ctx, internal);
    const partition = command.partition ?? undefined;
    const store = ctx.deps.store;
    for (const ancestor of missingAncestors(ctx, internal)) store.createMailbox(ancestor, { acl, partition });
    store.createMailbox(internal, { acl, partition, specialUse });
  },
});
