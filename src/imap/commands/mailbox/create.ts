/**
 * CREATE (RFC 3501 6.3.3) with CREATE-SPECIAL-USE (RFC 6154 section 3) and Cyrus's
 * `CREATE name partition` for administrators. A trailing separator is dropped; missing
 * intermediate names are created too, with the same ACL.
 */
import { inheritedAcl, missingAncestors, specialUseOf } from '../../../accounts/index.js';
import { MailError } from '../../../common/index.js';
import { AUTHENTICATED } from '../../session/state.js';
import type { CommandContext } from '../types.js';
import { always, CommandFailure, defineCommand } from '../types.js';
import { requireCreateRight, requirePartition, requireValidNewName } from './names.js';

/** The special-use attributes as stored ("\\Sent \\Archive"); the mail layer's refusal answers USEATTR. */
function checkSpecialUse(ctx: CommandContext, internal: string, uses: readonly string[]): string | null {
  try {
    return specialUseOf(ctx.deps.config, internal, uses);
  } catch (err) {
    if (err instanceof MailError && err.detail?.specialUse) throw new CommandFailure('NO', 'USEATTR', err.message);
    throw err;
  }
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
    const existing = ctx.deps.store.lookup(internal);
    if (existing) {
      // One the identity cannot see answers as a missing one would (issue 17: no existence probe).
      if (!ctx.deps.rights.hasRights(identity, existing, 'l')) requireCreateRight(ctx, internal);
      throw new CommandFailure('NO', 'ALREADYEXISTS', 'Mailbox already exists');
    }
    requireCreateRight(ctx, internal);
    const specialUse = checkSpecialUse(ctx, internal, command.specialUse);
    const acl = inheritedAcl(ctx.deps.store, ctx.deps.config, internal);
    const partition = command.partition ?? undefined;
    const store = ctx.deps.store;
    for (const ancestor of missingAncestors(ctx.deps.store, internal)) store.createMailbox(ancestor, { acl, partition });
    const created = store.createMailbox(internal, { acl, partition, specialUse });
    await store.mailboxListPushed(); // a Murder backend's master knows it before the OK
    // OBJECTID (RFC 8474 4.1): the new mailbox's id in the completion.
    return { status: 'OK', code: `MAILBOXID (${created.uniqueId})`, text: 'CREATE completed' };
  },
});
