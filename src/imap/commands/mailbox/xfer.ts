/**
 * XFER mailbox server[!partition] [partition] (Cyrus's, administrators only): move a mailbox to
 * another backend of the Murder; a user's INBOX moves the whole user (every mailbox of theirs on
 * this server, subscriptions, Sieve scripts) when allowusermoves is set, as in Cyrus. One untagged
 * line says how it went (`* OK USER fred`, `* NO MAILBOX "shared" (reason)`), then the tagged
 * answer. On a frontend the command is relayed to the mailbox's backend (src/imap/proxy).
 */
import { isMailError } from '../../../common/index.js';
import { isUserInbox, ownerOf } from '../../../names/index.js';
import { imapFailure } from '../../error-map.js';
import { AUTHENTICATED } from '../../session/state.js';
import { untaggedStatus } from '../../wire/serialize/response.js';
import { namesToMove, runXfer, XferError } from '../../xfer/index.js';
import { always, CommandFailure, defineCommand, type CommandResult } from '../types.js';

/** A failure as the untagged line and the tagged answer show it: the reason in words, and a response code. */
function failureOf(err: unknown): { code: string | null; text: string } | null {
  if (err instanceof XferError) return { code: err.reason === 'unavailable' ? 'UNAVAILABLE' : err.reason === 'cannot' ? 'CANNOT' : null, text: err.message };
  if (isMailError(err)) {
    const mapped = imapFailure(err);
    return { code: mapped.code, text: err.message };
  }
  return null;
}

export const xferCommand = defineCommand({
  name: 'XFER',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command): Promise<CommandResult> {
    const identity = ctx.identity();
    if (!identity.isAdmin) throw new CommandFailure('NO', 'NOPERM', 'Permission denied');
    const { store, config } = ctx.deps;
    if (command.mailbox.includes('*') || command.mailbox.includes('%')) throw new CommandFailure('NO', 'CANNOT', 'XFER moves one named mailbox (no wildcards)');
    const internal = ctx.toInternal(command.mailbox);
    const entry = store.lookup(internal);
    if (entry === null) throw new CommandFailure('NO', 'NONEXISTENT', 'Mailbox does not exist');
    if (command.server === ctx.deps.serverName || command.server === store.murderBackend) throw new CommandFailure('NO', 'CANNOT', 'Invalid server requested: the mailbox is already on this server');
    if (store.murderBackend === null) throw new CommandFailure('NO', 'CANNOT', 'XFER moves mailboxes between the backends of a Murder: this server is in none');
    const userInbox = isUserInbox(internal);
    const userid = userInbox ? ownerOf(internal) : null;
    const label = userid !== null ? `USER ${userid}` : `MAILBOX "${command.mailbox.replace(/["\\]/g, '')}"`;
    const selected = ctx.state.kind === 'selected' ? ctx.selected().name : null;
    let refusal: { code: string | null; text: string } | null = null;
    if (userid !== null && !config.bool('allowusermoves')) {
      refusal = { code: 'CANNOT', text: 'Operation is not supported on mailbox: moving a user needs allowusermoves: yes' };
    } else if (userid !== null && userid === identity.userid) {
      refusal = { code: 'CANNOT', text: 'Operation is not supported on mailbox: one\'s own INBOX cannot be moved' };
    } else if (selected !== null && (selected === internal || (userInbox && selected.startsWith(`${internal}.`)))) {
      refusal = { code: 'INUSE', text: 'Mailbox is locked: it is selected in this session' };
    }
    if (refusal === null) {
      const names = namesToMove(store, internal, config.string('deletedprefix') ?? 'DELETED', userInbox);
      const sessionLog = ctx.deps.logger.child({ sid: ctx.sessionId });
      try {
        const { finished } = await runXfer(ctx.deps, sessionLog, { names, userid, target: command.server, partition: command.partition });
        ctx.out.send(untaggedStatus('OK', null, label));
        const where = `${command.server}${command.partition === null ? '' : `!${command.partition}`}`;
        return { status: 'OK', text: finished ? `Completed: moved to ${where}` : `Completed: moved to ${where}; the copy here is removed once the mupdate master lists it there` };
      } catch (err) {
        refusal = failureOf(err);
        if (refusal === null) throw err;
      }
    }
    ctx.out.send(untaggedStatus('NO', null, `${label} (${refusal.text})`));
    return { status: 'NO', code: refusal.code, text: refusal.text };
  },
});
