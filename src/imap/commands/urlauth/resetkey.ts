/**
 * RESETKEY (RFC 4467 section 7): drop the user's mailbox access key for one mailbox, or all of
 * them, so every URLAUTH URL signed with it stops working; GENURLAUTH makes a new key when next
 * asked. Only INTERNAL may be named (NO otherwise, as Dovecot answers).
 */
import { AUTHENTICATED } from '../../session/state.js';
import { CommandFailure, defineCommand } from '../types.js';
import { existingMailbox } from '../mailbox/names.js';
import { INTERNAL } from './authorize.js';

export const resetKeyCommand = defineCommand({
  name: 'RESETKEY',
  states: AUTHENTICATED,
  async handle(ctx, command) {
    const identity = ctx.identity();
    if (command.mailbox === null) {
      ctx.deps.store.accessKeys.reset(identity.userid);
      return { status: 'OK', text: 'All keys removed' };
    }
    const entry = existingMailbox(ctx, ctx.toInternal(command.mailbox), 'r');
    for (const mechanism of command.mechanisms) {
      if (mechanism !== INTERNAL) throw new CommandFailure('NO', null, `Unsupported URLAUTH mechanism ${mechanism}`);
    }
    ctx.deps.store.accessKeys.reset(identity.userid, entry.uniqueId);
    return { status: 'OK', code: `URLMECH ${INTERNAL}`, text: 'Key removed' };
  },
});
