/**
 * STORE and UID STORE (RFC 3501 6.4.6): FLAGS / +FLAGS / -FLAGS, with .SILENT. Rights as Cyrus
 * checks them: 's' for \Seen, 't' for \Deleted, 'w' for the other flags; a FLAGS replacement by
 * someone lacking some of those rights leaves the flags they may not change alone. The untagged
 * FETCH goes out for the messages whose flags changed (as Cyrus does), unless .SILENT.
 */
import { rightForFlag, rightsOn } from '../../../acl/rights.js';
import type { FlagMode, MessageRecord } from '../../../mailbox/index.js';
import { fetchFlagsLine } from '../../responses.js';
import { SELECTED } from '../../session/state.js';
import { CommandFailure, defineCommand, onlyByUid } from '../types.js';
import { resolveTargets } from './targets.js';

const SYSTEM_FLAGS = new Map(['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'].map((f) => [f.toLowerCase(), f]));


/** System flags in their canonical spelling; \Recent and unknown system flags are refused like Cyrus does. */
function checkFlags(flags: readonly string[]): string[] {
  return flags.map((flag) => {
    if (!flag.startsWith('\\')) return flag;
    const known = SYSTEM_FLAGS.get(flag.toLowerCase());
    if (known === undefined) throw new CommandFailure('BAD', null, 'Invalid system flag in Store command');
    return known;
  });
}

export const storeCommand = defineCommand({
  name: 'STORE',
  states: SELECTED,
  allowsExpunge: onlyByUid,
  async handle(ctx, command) {
    const selected = ctx.selected();
    const flags = checkFlags(command.flags);
    if (selected.readOnly) throw new CommandFailure('NO', 'READ-ONLY', 'Mailbox is read-only');
    const entry = ctx.deps.store.lookup(selected.name);
    if (!entry) throw new CommandFailure('NO', 'NONEXISTENT', 'Mailbox no longer exists');
    const rights = rightsOn(ctx.identity(), entry);
    for (const flag of flags) if (!rights.includes(rightForFlag(flag))) throw new CommandFailure('NO', 'NOPERM', 'Permission denied');
    if (!/[stw]/.test(rights)) throw new CommandFailure('NO', 'NOPERM', 'Permission denied');

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
    const limited = command.operation === 'replace' && !['s', 't', 'w'].every((r) => rights.includes(r));
    if (!limited) apply(command.operation, flags);
    else {
      // Replace only what this user may change: remove the changeable flags not named, then add the named ones.
      const named = new Set(flags.map((f) => f.toLowerCase()));
      const present = new Set<string>();
      for (const record of mailbox.records(targets.uids, userid)) for (const f of record.flags) present.add(f);
      const drop = [...present].filter((f) => !named.has(f.toLowerCase()) && rights.includes(rightForFlag(f)));
      if (drop.length > 0) apply('remove', drop);
      if (flags.length > 0) apply('add', flags);
    }
    const records = [...changed.values()].sort((a, b) => a.uid - b.uid);
    selected.noteOwnChanges(records);
    // New keywords: FLAGS and PERMANENTFLAGS first (also with .SILENT), then the FETCHes that show them.
    for (const line of selected.keywordLines(records)) ctx.out.line(line);
    if (command.silent) return;
    for (const record of records) {
      const seq = selected.seqOf(record.uid);
      if (seq > 0) ctx.out.line(fetchFlagsLine(seq, record, selected.flagsOf(record)));
    }
  },
});
