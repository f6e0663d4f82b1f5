/**
 * RENAME (RFC 3501 6.3.5): the mailbox and every name below it move together. Renaming INBOX
 * moves its messages to a new mailbox and leaves INBOX empty (its children stay). Cyrus's
 * `RENAME from to partition` (administrators) also moves the mailbox to another partition;
 * `RENAME name name partition` only moves it. The renaming user's subscriptions follow the names.
 * An administrator renaming one user's INBOX to another's (`user/alice` → `user/alice2`) renames the
 * user as a whole (src/accounts: every mailbox, ACL entries, seen state, subscriptions).
 */
import type { Identity } from '../../../auth/index.js';
import type { MailStore } from '../../../store/index.js';
import { inheritedAcl, missingAncestors, userOfInbox } from '../../../accounts/index.js';
import { mayAdminister } from '../../../acl/index.js';
import { AUTHENTICATED } from '../../session/state.js';
import type { CommandContext } from '../types.js';
import { always, CommandFailure, defineCommand } from '../types.js';
import { existingMailbox, ownInbox, requireCreateRight, requirePartition, requireValidNewName } from './names.js';

/** Move every message of INBOX to the new mailbox `target`, all or nothing per step. */
async function renameInbox(ctx: CommandContext, inbox: string, target: string): Promise<void> {
  const store = ctx.deps.store;
  const acl = inheritedAcl(ctx.deps.store, ctx.deps.config, target);
  for (const ancestor of missingAncestors(ctx.deps.store, target)) store.createMailbox(ancestor, { acl });
  store.createMailbox(target, { acl });
  const source = store.openMailbox(inbox);
  const destination = store.openMailbox(target);
  try {
    const uids = Array.from(source.snapshot(ctx.identity().userid).uids);
    if (uids.length === 0) return;
    // Copied, then expunged from INBOX in one step (never flagged \Deleted on the way).
    await source.moveTo(uids, destination, { userid: ctx.identity().userid });
  } finally {
    destination.close();
    source.close();
  }
}

/** The renaming user's subscriptions below `from` now name the mailboxes below `to`. */
function moveSubscriptions(store: MailStore, identity: Identity, from: string, to: string): void {
  for (const name of store.subscriptions(identity.userid)) {
    if (name !== from && !name.startsWith(`${from}.`)) continue;
    store.unsubscribe(identity.userid, name);
    store.subscribe(identity.userid, to + name.slice(from.length));
  }
}

export const renameCommand = defineCommand({
  name: 'RENAME',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const identity = ctx.identity();
    requirePartition(ctx, identity, command.partition);
    const store = ctx.deps.store;
    const from = ctx.toInternal(command.from);
    requireValidNewName(command.to);
    const to = ctx.toInternal(command.to);
    const inbox = ownInbox(ctx);
    // An administrator renames without the x right (Cyrus's isadmin); others need x (r for INBOX).
    existingMailbox(ctx, from, mayAdminister(identity, from) ? '' : from === inbox ? 'r' : 'x');
    const moveOnly = from === to && command.partition !== null;
    if (!moveOnly) {
      if (to === inbox || store.lookup(to)) throw new CommandFailure('NO', 'ALREADYEXISTS', 'Mailbox already exists');
      if (from !== inbox && to.startsWith(`${from}.`)) throw new CommandFailure('NO', 'CANNOT', 'Cannot rename a mailbox into itself');
      requireCreateRight(ctx, to);
    }
    if (from === inbox && !moveOnly) {
      await renameInbox(ctx, from, to);
      await store.mailboxListPushed(); // a Murder backend's master knows it before the OK
      return;
    }
    const selected = ctx.state.kind === 'selected' ? ctx.selected() : null;
    if (selected && (selected.name === from || selected.name.startsWith(`${from}.`))) ctx.select(null);
    const fromUser = moveOnly ? null : userOfInbox(from);
    const toUser = userOfInbox(to);
    if (fromUser !== null && toUser !== null && mayAdminister(identity, from) && mayAdminister(identity, to)) {
      ctx.deps.accounts.renameUser(fromUser, toUser, command.partition === null ? {} : { partition: command.partition });
      await store.mailboxListPushed();
      return;
    }
    for (const ancestor of moveOnly ? [] : missingAncestors(ctx.deps.store, to)) store.createMailbox(ancestor, { acl: inheritedAcl(ctx.deps.store, ctx.deps.config, to) });
    store.renameMailbox(from, to, command.partition === null ? {} : { partition: command.partition });
    if (!moveOnly) moveSubscriptions(store, identity, from, to);
    await store.mailboxListPushed();
  },
});
