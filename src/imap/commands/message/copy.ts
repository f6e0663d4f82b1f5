/**
 * COPY, MOVE and their UID forms (RFC 3501 6.4.7, RFC 6851, COPYUID from RFC 4315). Copies keep
 * flags and internal dates (the store hard-links the files). MOVE copies, then expunges exactly the
 * copied source messages in one store step (Mailbox.moveTo: no \Deleted window for other
 * sessions); its COPYUID goes out untagged before the EXPUNGEs, which the session's sync sends.
 */
import type { MailboxEntry } from '../../../store/index.js';
import { SELECTED } from '../../session/state.js';
import { codes, untaggedStatus } from '../../wire/serialize/response.js';
import type { CommandContext, CommandOf, CommandResult } from '../types.js';
import { always, CommandFailure, defineCommand } from '../types.js';
import { hideNotFound, tryCreate } from '../mailbox/names.js';
import { noMatchingMessages, resolveTargets } from './targets.js';

/** The target mailbox with the insert right checked; TRYCREATE when it does not exist (or cannot be seen). */
function targetEntry(ctx: CommandContext, externalName: string): MailboxEntry {
  const name = ctx.toInternal(externalName);
  const entry = ctx.deps.store.lookup(name);
  if (!entry) throw tryCreate();
  hideNotFound(() => ctx.deps.rights.requireRights(ctx.identity(), entry, 'i'), tryCreate);
  return entry;
}

async function copyOrMove(ctx: CommandContext, command: CommandOf<'COPY'>): Promise<CommandResult | void> {
  const selected = ctx.selected();
  const move = command.name === 'MOVE';
  const identity = ctx.identity();
  const source = ctx.deps.store.lookup(selected.name);
  if (!source) throw new CommandFailure('NO', 'NONEXISTENT', 'Mailbox no longer exists');
  ctx.deps.rights.requireRights(identity, source, move ? 'rte' : 'r');
  const entry = targetEntry(ctx, command.mailbox);
  const targets = resolveTargets(selected, command.set, command.byUid);
  if (targets.uids.length === 0) {
    // An empty `$` (RFC 5182) is no error.
    if (command.byUid || command.set.saved) return;
    throw noMatchingMessages();
  }
  const target = ctx.deps.store.openMailbox(entry.name);
  let copied;
  try {
    const opts = { userid: identity.userid };
    // MOVE: the store expunges exactly the copied messages, never flagging them \Deleted.
    copied = move ? await selected.mailbox.moveTo(targets.uids, target, opts) : await selected.mailbox.copyTo(targets.uids, target, opts);
  } finally {
    target.close();
  }
  if (copied.sourceUids.length === 0) return;
  const code = codes.copyUid(copied.uidValidity, copied.sourceUids, copied.targetUids);
  if (!move) return { status: 'OK', code, text: 'Completed' };
  // The EXPUNGEs follow from the session's sync after this handler.
  ctx.out.send(untaggedStatus('OK', code, 'Moved'));
}

export const copyCommand = defineCommand({ name: 'COPY', states: SELECTED, allowsExpunge: always, handle: copyOrMove });

export const moveCommand = defineCommand({
  name: 'MOVE',
  states: SELECTED,
  needsWrite: true,
  allowsExpunge: always,
  handle: (ctx, command) => copyOrMove(ctx, command),
});
