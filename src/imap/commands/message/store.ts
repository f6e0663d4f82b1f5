/**
 * STORE and UID STORE (RFC 3501 6.4.6): FLAGS / +FLAGS / -FLAGS, with .SILENT. Rights as Cyrus
 * checks them: 's' for \Seen, 't' for \Deleted, 'w' for the other flags; a FLAGS replacement by
 * someone lacking some of those rights leaves the flags they may not change alone. The untagged
 * FETCH goes out for the messages whose flags changed (as Cyrus does), unless .SILENT.
 */
import { rightForFlag } from '../../../acl/index.js';
import type { AnnotationWrite, FlagMode, MessageRecord } from '../../../mailbox/index.js';
import { SELECTED } from '../../session/state.js';
import type { SelectedMailbox } from '../../session/selected.js';
import { fetchModseqResponse } from '../../wire/serialize/lists.js';
import { formatSortedSet } from '../../wire/sequence.js';
import { CommandFailure, defineCommand, onlyByUid, type CommandContext, type CommandOf, type CommandResult } from '../types.js';
import { resolveTargets } from './targets.js';

/** `OK [MODIFIED set]`: the messages UNCHANGEDSINCE refused, as UIDs or sequence numbers (RFC 7162 3.1.3). */
function modifiedCode(selected: SelectedMailbox, uids: number[], byUid: boolean): CommandResult {
  const numbers = byUid ? uids : uids.map((uid) => selected.seqOf(uid)).filter((seq) => seq > 0);
  return { status: 'OK', code: `MODIFIED ${formatSortedSet(numbers)}`, text: 'Conditional STORE failed' };
}

/**
 * STORE ANNOTATION (RFC 5257 4.4): private values need 'r', shared ones 'n' (RFC 5257 and RFC
 * 4314); one new modseq per message changed. The item is silent: no FETCH goes out, but with
 * CONDSTORE on each new modseq is reported (as for FLAGS.SILENT).
 */
async function storeAnnotations(
  ctx: CommandContext, selected: SelectedMailbox, command: CommandOf<'STORE'>, writes: readonly AnnotationWrite[], mayRead: boolean, mayWriteShared: boolean,
): Promise<CommandResult | void> {
  if ((!mayRead && writes.some((w) => !w.shared)) || (!mayWriteShared && writes.some((w) => w.shared))) throw new CommandFailure('NO', 'NOPERM', 'Permission denied');
  const unchangedSince = command.unchangedSince;
  if (unchangedSince !== undefined) ctx.enable(['CONDSTORE']);
  const targets = resolveTargets(selected, command.set, command.byUid);
  if (targets.uids.length === 0) return;
  const userid = ctx.identity().userid;
  const result = await selected.mailbox.setAnnotations(targets.uids, writes, unchangedSince === undefined ? { userid } : { userid, unchangedSince });
  selected.noteOwnChanges(result.changed);
  if (ctx.enabled.has('CONDSTORE')) {
    for (const record of result.changed) {
      const seq = selected.seqOf(record.uid);
      if (seq > 0) ctx.out.send(fetchModseqResponse(seq, record.uid, record.modseq));
    }
  }
  return result.failed.length === 0 ? undefined : modifiedCode(selected, result.failed, command.byUid);
}

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
    if (command.annotations !== undefined) return storeAnnotations(ctx, selected, command, command.annotations, rights.has('r'), rights.has('n'));
    for (const flag of flags) if (!rights.has(rightForFlag(flag))) throw new CommandFailure('NO', 'NOPERM', 'Permission denied');
    if (!rights.hasAny('stw')) throw new CommandFailure('NO', 'NOPERM', 'Permission denied');

    const unchangedSince = command.unchangedSince;
    // UNCHANGEDSINCE turns CONDSTORE on (RFC 7162 3.1).
    if (unchangedSince !== undefined) ctx.enable(['CONDSTORE']);
    const targets = resolveTargets(selected, command.set, command.byUid);
    // Cyrus answers OK when the set names no message (even `1:*` on an empty mailbox), unlike
    // FETCH and COPY, which say NO for a sequence-number set that names nothing.
    if (targets.uids.length === 0) return;
    const userid = ctx.identity().userid;
    const mailbox = selected.mailbox;
    const changed = new Map<number, MessageRecord>();
    // UIDs refused by UNCHANGEDSINCE. Each message is changed by one call: one new modseq per message.
    const failed = new Set<number>();
    const apply = async (mode: FlagMode, list: string[], uids: readonly number[]): Promise<void> => {
      const result = await mailbox.setFlagsDurably(uids, mode, list, unchangedSince === undefined ? { userid } : { userid, unchangedSince });
      for (const uid of result.failed) failed.add(uid);
      for (const record of result.changed) changed.set(record.uid, record);
    };
    const limited = command.operation === 'replace' && !rights.has('stw');
    if (!limited) await apply(command.operation, flags, targets.uids);
    else {
      // Replace only what this user may change: each message keeps the flags this user may not
      // change and gets the named ones; messages ending with the same flags share one call.
      const groups = new Map<string, { flags: string[]; uids: number[] }>();
      for (const record of mailbox.records(targets.uids, userid)) {
        const result = new Map<string, string>();
        for (const f of [...record.flags.filter((f) => !rights.has(rightForFlag(f))), ...flags]) result.set(f.toLowerCase(), f);
        const key = [...result.keys()].sort().join(' ');
        const group = groups.get(key);
        if (group) group.uids.push(record.uid);
        else groups.set(key, { flags: [...result.values()], uids: [record.uid] });
      }
      for (const group of groups.values()) await apply('replace', group.flags, group.uids);
    }
    const records = [...changed.values()].sort((a, b) => a.uid - b.uid);
    selected.noteOwnChanges(records);
    // New keywords: FLAGS and PERMANENTFLAGS first (also with .SILENT), then the FETCHes that show them.
    ctx.sendUpdates(selected.keywordUpdates(records));
    const modified = failed.size === 0 ? undefined : modifiedCode(selected, [...failed], command.byUid);
    if (command.silent) {
      // With CONDSTORE on, .SILENT still reports each new modseq (RFC 7162 3.1.3).
      if (ctx.enabled.has('CONDSTORE')) {
        for (const record of records) {
          const seq = selected.seqOf(record.uid);
          if (seq > 0) ctx.out.send(fetchModseqResponse(seq, record.uid, record.modseq));
        }
      }
      return modified;
    }
    ctx.sendUpdates(records.map((record) => selected.flagChange(record)).filter((update) => update.seq > 0));
    return modified;
  },
});
