/** GETQUOTA (RFC 9208 section 4.2): a quota root's limits and usage. */
import { AUTHENTICATED } from '../../session/state.js';
import { always, CommandFailure, defineCommand } from '../types.js';
import { mayReadQuota, renderQuota } from './access.js';

export const getQuotaCommand = defineCommand({
  name: 'GETQUOTA',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const root = ctx.toInternal(command.root);
    if (!mayReadQuota(ctx.identity(), root)) throw new CommandFailure('NO', 'NOPERM', 'Permission denied');
    const quota = ctx.deps.store.quotas.get(root);
    if (!quota) throw new CommandFailure('NO', 'NONEXISTENT', 'Quota root does not exist');
    ctx.out.send(renderQuota(ctx, quota));
  },
});
