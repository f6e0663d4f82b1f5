/**
 * XFERRECV: the receiving end of an XFER, spoken by the source backend (src/imap/xfer/source.ts).
 * Only for a global administrator or a proxyservers user acting as itself (the source logs in as
 * proxy_authname, as frontends do), and only on a Murder backend. The steps are XferRecvStep's;
 * ABORT answers how the move ended here, `[XFER COMMITTED]` or `[XFER ABORTED]` (recorded so, when
 * it was not committed: a commit arriving after it is refused).
 */
import { parseMailboxState, parseUserState } from '../../store/index.js';
import { isMurderFrontend } from '../../murder/index.js';
import { AUTHENTICATED } from '../session/state.js';
import { xferReceiver } from '../xfer/index.js';
import { always, CommandFailure, defineCommand, type CommandContext, type CommandResult } from './types.js';

function requirePeer(ctx: CommandContext): void {
  const identity = ctx.identity();
  const globalAdmin = identity.isAdmin && !identity.isDomainAdmin;
  const proxy = identity.authenticatedAs === null && ctx.deps.auth.rules.proxyServers(ctx.deps.serviceName).has(identity.userid);
  if (!globalAdmin && !proxy) throw new CommandFailure('NO', 'NOPERM', 'Permission denied');
  if (ctx.deps.store.murderBackend === null || isMurderFrontend(ctx.deps.config)) throw new CommandFailure('NO', 'CANNOT', 'Not a Murder backend');
}

export const xferRecvCommand = defineCommand({
  name: 'XFERRECV',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command): Promise<CommandResult | void> {
    requirePeer(ctx);
    const receiver = xferReceiver(ctx.deps);
    const { xferId, step } = command;
    const log = ctx.deps.logger.child({ sid: ctx.sessionId, xfer: xferId });
    switch (step.kind) {
      case 'mailbox': {
        const partition = receiver.open(xferId, ctx.sessionId).addMailbox(step.mailbox, step.uniqueId, step.partition, step.sourcePartition);
        log.info({ mailbox: step.mailbox, partition }, 'xfer: receiving a mailbox');
        // The name this server has in the Murder's list: the source waits for the master to list the mailbox there.
        return { status: 'OK', code: `XFER SERVER ${ctx.deps.store.murderBackend}`, text: `receiving on partition ${partition}` };
      }
      case 'put':
        await receiver.get(xferId, ctx.sessionId).write(step.mailbox, step.pieces);
        return;
      case 'state':
        receiver.get(xferId, ctx.sessionId).setState(parseMailboxState(step.state));
        return;
      case 'user':
        receiver.get(xferId, ctx.sessionId).setUser(parseUserState(step.state));
        return;
      case 'commit': {
        const names = await receiver.commit(xferId, ctx.sessionId);
        log.info({ mailboxes: names }, 'xfer: committed; the mailboxes live here now');
        // The master hears of them from this server's pusher; the source waits for it to list them here.
        const pushed = await ctx.deps.store.mailboxListPushed();
        return { status: 'OK', text: pushed ? 'committed; the mupdate master has them' : 'committed; the mupdate master will be told' };
      }
      case 'abort': {
        const outcome = ctx.deps.store.xferOutcome(xferId);
        if (outcome === 'aborted') receiver.discard(xferId);
        log.info({ outcome }, 'xfer: the source asked how the move ended');
        return { status: 'OK', code: outcome === 'committed' ? 'XFER COMMITTED' : 'XFER ABORTED', text: outcome };
      }
    }
  },
});
