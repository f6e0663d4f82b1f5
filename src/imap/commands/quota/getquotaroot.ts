/** GETQUOTAROOT (RFC 9208 section 4.3): the quota root of a mailbox, then that root's QUOTA. */
import { AUTHENTICATED } from '../../session/state.js';
import { quotaRootResponse } from '../../wire/serialize/quota.js';
import { always, CommandFailure, defineCommand } from '../types.js';
import { externalRoot, renderQuota } from './access.js';

export const getQuotaRootCommand = defineCommand({
  name: 'GETQUOTAROOT',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const identity = ctx.identity();
    const name = ctx.toInternal(command.mailbox);
    const entry = ctx.deps.store.lookup(name);
    if (!entry) throw new CommandFailure('NO', 'NONEXISTENT', 'Mailbox does not exist');
    // As Cyrus: reading the mailbox (or administering) is needed; without lookup it does not exist.
    const rights = ctx.deps.rights.rightsOn(identity, entry);
    if (!identity.isAdmin && !rights.has('r')) {
      if (rights.has('l')) throw new CommandFailure('NO', 'NOPERM', 'Permission denied');
      throw new CommandFailure('NO', 'NONEXISTENT', 'Mailbox does not exist');
    }
    const quota = ctx.deps.store.quotas.quotaOf(name);
    ctx.out.send(quotaRootResponse(command.mailbox, quota ? [externalRoot(ctx, quota.root)] : []));
    if (quota) ctx.out.send(renderQuota(ctx, quota));
  },
});
