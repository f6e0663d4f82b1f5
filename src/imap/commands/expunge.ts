import type { CommandContext } from './types.js';
import { always, CommandFailure, defineCommand } from './types.js';
import { SELECTED } from '../session/state.js';
import { resolveTargets } from './message/targets.js';
import { expungedResult } from './resync.js';

function expungeRights(ctx: CommandContext): void {
  const selected = ctx.selected();
  const entry = ctx.deps.store.lookup(selected.name);
  if (!entry) throw new CommandFailure('NO', 'NONEXISTENT', 'Mailbox no longer exists');
  ctx.deps.rights.requireRights(ctx.identity(), entry, 'e');
}

/** EXPUNGE: the EXPUNGE responses come from the session's sync right after. */
export const expungeCommand = defineCommand({
  name: 'EXPUNGE',
  states: SELECTED,
  needsWrite: true,
  allowsExpunge: always,
  async handle(ctx) {
    expungeRights(ctx);
    await ctx.selected().mailbox.expungeDurably();
    return expungedResult(ctx);
  },
});

/** UID EXPUNGE (RFC 4315): only the given UIDs among the \Deleted ones. */
export const uidExpungeCommand = defineCommand({
  name: 'UID EXPUNGE',
  states: SELECTED,
  needsWrite: true,
  allowsExpunge: always,
  async handle(ctx, command) {
    expungeRights(ctx);
    const selected = ctx.selected();
    const { uids } = resolveTargets(selected, command.uids, true);
    if (uids.length > 0) await selected.mailbox.expungeDurably({ uids });
    return expungedResult(ctx);
  },
});
