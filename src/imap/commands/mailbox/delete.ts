/**
 * DELETE (RFC 3501 6.3.4). Nobody deletes its own INBOX, administrators included (Cyrus 3.6 refuses
 * both with "Operation is not supported"); an administrator holding the `x` right on another user's
 * INBOX deletes the whole user (Cyrus: its implicit rights are only `la`, so it grants itself `x`
 * first, as cyradm does), through src/accounts: every mailbox, the ACL entries naming the user,
 * seen state and subscriptions. A mailbox with inferior names is deleted alone:
 * its name then stands as a \Noselect parent, and deleting that name again is refused.
 * Subscriptions are left as they are (RFC 3501: DELETE does not unsubscribe), but a deleted user's own go.
 */
import { userOfInbox } from '../../../accounts/index.js';
import { mayAdminister } from '../../../acl/index.js';
import { AUTHENTICATED } from '../../session/state.js';
import { always, CommandFailure, defineCommand } from '../types.js';
import { isUserInbox } from '../../../names/index.js';
import { existingMailbox, ownInbox } from './names.js';

export const deleteCommand = defineCommand({
  name: 'DELETE',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const identity = ctx.identity();
    const internal = ctx.toInternal(command.mailbox);
    const store = ctx.deps.store;
    if (internal === ownInbox(ctx)) throw new CommandFailure('NO', 'CANNOT', 'The INBOX cannot be deleted');
    if (!store.lookup(internal) && store.hasChildren(internal)) {
      throw new CommandFailure('NO', 'HASCHILDREN', 'Mailbox has inferior hierarchical names and is not selectable');
    }
    existingMailbox(ctx, internal, 'x');
    // Deleting a user (its INBOX and everything below) is for administrators only, as in Cyrus.
    const recursive = isUserInbox(internal) && mayAdminister(identity, internal);
    if (isUserInbox(internal) && !recursive) throw new CommandFailure('NO', 'NOPERM', 'Only administrators may delete a user');
    const selected = ctx.state.kind === 'selected' ? ctx.selected() : null;
    const deselect = selected !== null && (selected.name === internal || (recursive && selected.name.startsWith(`${internal}.`)));
    if (deselect) ctx.select(null);
    const user = recursive ? userOfInbox(internal) : null;
    if (user !== null) ctx.deps.accounts.deleteUser(user);
    else store.deleteMailbox(internal);
    await store.mailboxListPushed(); // a Murder backend's master knows it before the OK
  },
});
