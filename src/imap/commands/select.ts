import { hasRights, requireRights } from '../../acl/rights.js';
import { SelectedMailbox } from '../session/selected.js';
import { AUTHENTICATED } from '../session/state.js';
import { flagsLines } from '../responses.js';
import { always, CommandFailure, defineCommand } from './types.js';

/** SELECT and EXAMINE (one handler; EXAMINE opens read-only). */
export const selectCommand = defineCommand({
  name: 'SELECT',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    // Selecting deselects first: a failed SELECT leaves the session authenticated (RFC 3501 6.3.1).
    if (ctx.state.kind === 'selected') ctx.select(null);
    const identity = ctx.identity();
    const name = ctx.toInternal(command.mailbox);
    const entry = ctx.deps.store.lookup(name);
    if (!entry) throw new CommandFailure('NO', 'NONEXISTENT', 'Mailbox does not exist');
    requireRights(identity, entry, 'r');
    const readOnly = command.name === 'EXAMINE' || !(hasRights(identity, entry, 's') || hasRights(identity, entry, 'w') || hasRights(identity, entry, 't'));
    const mailbox = ctx.deps.store.openMailbox(name);
    let selected: SelectedMailbox;
    try {
      selected = SelectedMailbox.open(mailbox, command.mailbox, readOnly, identity.userid);
    } catch (err) {
      mailbox.close();
      throw err;
    }
    for (const line of flagsLines(selected.keywords, readOnly)) ctx.out.line(line);
    ctx.out.line(`* ${selected.count} EXISTS`);
    ctx.out.line(`* ${selected.recentCount} RECENT`);
    if (selected.firstUnseen > 0) ctx.out.line(`* OK [UNSEEN ${selected.firstUnseen}] Ok`);
    ctx.out.line(`* OK [UIDVALIDITY ${selected.uidValidity}] Ok`);
    ctx.out.line(`* OK [UIDNEXT ${selected.uidNext}] Ok`);
    ctx.select(selected);
    return { status: 'OK', code: readOnly ? 'READ-ONLY' : 'READ-WRITE', text: 'Completed' };
  },
});
