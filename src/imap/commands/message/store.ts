/**
 * STORE and UID STORE (RFC 3501 6.4.6): FLAGS / +FLAGS / -FLAGS, with .SILENT. Rights as Cyrus
 * checks them: 's' for \Seen, 't' for \Deleted, 'w' for the other flags; a FLAGS replacement by
 * someone lacking some of those rights leaves the flags they may not change alone. The untagged
 * FETCH goes out for the messages whose flags changed (as Cyrus does), unless .SILENT.
 */
import { rightForFlag } from '../../../acl/index.js';
import type { FlagMode, MessageRecord } from '../../../mailbox/index.js';
import { SELECTED } from '../../session/state.js';
import { CommandFailure, defineCommand, onlyByUid } from '../types.js';
import { resolveTargets } from './targets.js';

export const storeCommand = defineCommand({
  name: 'STORE',
  states: SELECTED,
  needsWrite: true,
  allowsExpunge: onlyByUid,
  async handle(ctx, command) {
    const selected = ctx.selected();
    // The parser has refused \Recent and unknown system flags and spelled the others canonically.
    const flags = command.flags;
    const entry = ctx.deps.store.lookup(selected.name);
    if (!entry) throw new CommandFailure('NO', 'NONEXISTENT', 'Mailbox no longer exists');
    const rights = ctx.deps.rights.rightsOn(ctx.identity(), entry);
    for (const flag of flags) if (!rights.has(rightForFlag(flag))) throw new CommandFailure('NO', 'NOPERM', 'Permission denied');
    if (!rights.hasAny('stw')) throw new CommandFailure('NO', 'NOPERM', 'Permission denied');

    const targets = resolveTargets(selected, command.set, command.byUid);
    // Cyrus answers OK when the set names no message (even `1:*` on an empty mailbox), unlike
    // FETCH and COPY, which say NO for a sequence-number set that names nothing.
    if (targets.uids.length === 0) return;
    const userid = ctx.identity().userid;
    const mailbox = selected.mailbox;
    const changed = new Map<number, MessageRecord>();
    const apply = (mode: FlagMode, list: string[]): void => {
      for (const record of mailbox.setFlags(targets.uids, mode, list, { userid }).changed) changed.set(record.uid, record);
    };
    const limited = command.operation === 'replace' && !rights.has('stw');
    if (!limited) apply(command.operation, flags);
    else {
      // Replace only what this user may change: remove the changeable flags not named, then add the named ones.
      const named = new Set(flags.map((f) => f.toLowerCase()));
      const present = new Set<string>();
      for (const record of mailbox.records(targets.uids, userid)) for (const f of record.flags) present.add(f);
      const drop = [...present].filter((f) => !named.has(f.toLowerCase()) && rights.has(rightForFlag(f)));
      if (drop.length > 0) apply('remove', drop);
      if (flags.length > 0) apply('add', flags);
    }
    const records = [...changed.values()].sort((a, b) => a.uid - b.uid);
    selected.noteOwnChanges(records);
    // New keywords: FLAGS and PERMANENTFLAGS first (also with .SILENT), then the FETCHes that show them.
    ctx.sendUpdates(selected.keywordUpdates(records));
    if (command.silent) return;
    ctx.sendUpdates(records.map((record) => selected.flagChange(record)).filter((update) => update.seq > 0));
  },
});
