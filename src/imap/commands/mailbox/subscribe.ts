/**
 * SUBSCRIBE and UNSUBSCRIBE (RFC 3501 6.3.6-7). As Cyrus, SUBSCRIBE wants a mailbox the user can
 * see; UNSUBSCRIBE removes any name, existing or not, and succeeds when it was not subscribed.
 */
import { AUTHENTICATED } from '../../session/state.js';
import { always, CommandFailure, defineCommand } from '../types.js';
import { existingMailbox, hideNotFound } from './names.js';

export const subscribeCommand = defineCommand({
  name: 'SUBSCRIBE',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const internal = ctx.toInternal(command.mailbox);
    // allowallsubscribe (a Murder backend): names of mailboxes on other backends are subscribed unchecked.
    if (!ctx.deps.config.bool('allowallsubscribe')) hideNotFound(() => existingMailbox(ctx, internal, 'l'), () => new CommandFailure('NO', 'NONEXISTENT', 'Mailbox does not exist'));
    ctx.deps.store.subscribe(ctx.identity().userid, internal);
    // Through the change hub: NOTIFY SubscriptionChange (RFC 5465) in the user's other sessions.
    ctx.deps.store.notifyChanged(internal);
  },
});

export const unsubscribeCommand = defineCommand({
  name: 'UNSUBSCRIBE',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const internal = ctx.toInternal(command.mailbox);
    ctx.deps.store.unsubscribe(ctx.identity().userid, internal);
    ctx.deps.store.notifyChanged(internal);
  },
});
