import { AUTHENTICATED } from '../session/state.js';
import { continuation } from '../wire/serialize/response.js';
import { always, CommandFailure, defineCommand, type CommandContext } from './types.js';

/**
 * IDLE (RFC 2177): after `+ idling`, every change to the selected mailbox made by any process is
 * pushed at once (the session is woken by the change-notification channel) until DONE. A slow poll
 * (limits.idlePollMs, 5 s) also finds changes made by a process that publishes no notification.
 */
export const idleCommand = defineCommand({
  name: 'IDLE',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx) {
    ctx.out.send(continuation('idling'));
    await ctx.out.flush();
    await idleUntilDone(ctx);
  },
});

/**
 * The IDLE after its `+ idling`: tell what changed, push every change until the client's DONE. A
 * session moved to its user's home in IDLE (Session.resume) goes on here: the client was told
 * `+ idling` by the worker it left, and the first sync tells what changed since that worker's view.
 * That first sync is the IDLE's first wake (ContextHost.idle): a change told while it runs wakes
 * the session again after it, where a sync run before the wake was set up would have let that
 * change wait for the slow poll.
 */
export async function idleUntilDone(ctx: CommandContext): Promise<void> {
  const line = await ctx.idle(async (facts) => {
    await ctx.syncSelected(true, facts);
    await ctx.out.flush();
  });
  if (line === null) throw new CommandFailure('BAD', null, 'Connection closed');
  if (line.trim().toUpperCase() !== 'DONE') throw new CommandFailure('BAD', null, 'Expected DONE');
}
