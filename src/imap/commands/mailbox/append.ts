/**
 * APPEND (RFC 3501 6.3.11) with MULTIAPPEND (RFC 3502: every message or none, one store call),
 * APPENDUID (RFC 4315), BINARY literal8 (RFC 3516) and APPENDLIMIT (RFC 7889). Needs 'i'; flags
 * the user has no right to set are dropped (RFC 4314 section 4: \Seen needs 's', \Deleted 't',
 * others 'w'). A missing or invisible target answers TRYCREATE. When the target is the selected
 * mailbox, the session's sync after the command sends the EXISTS.
 *
 * The message bytes pass the mail layer's byte rules (src/intake: size, empty, NUL unless literal8
 * re-encoding, line ends, munge8bit) before anything is stored; its refusals answer here as Cyrus
 * does: NO [TOOBIG] Message too big, NO Message contains NUL characters / no data.
 * CATENATE (RFC 4469) builds a message from literals and URLs (../catenate.ts) before that.
 */
import { rightForFlag, type Rights } from '../../../acl/index.js';
import { MailError } from '../../../common/index.js';
import type { AppendInput } from '../../../intake/index.js';
import type { StoredAnnotation } from '../../../mailbox/index.js';
import type { AnnotationStore } from '../../wire/parse/annotate.js';
import { AUTHENTICATED } from '../../session/state.js';
import type { AppendMessage } from '../../wire/parse/types.js';
import { formatSequenceSet } from '../../wire/sequence.js';
import { always, CommandFailure, defineCommand, type CommandContext } from '../types.js';
import { catenateMessage } from '../catenate.js';
import { hideNotFound, tryCreate } from './names.js';

/** The flags of one message the holder of `rights` may set; BAD for \Recent (not a `flag`). */
export function permittedFlags(flags: readonly string[], rights: Rights): string[] {
  const out: string[] = [];
  for (const flag of flags) {
    const lower = flag.toLowerCase();
    if (lower === '\\recent') throw new CommandFailure('BAD', null, '\\Recent cannot be set by APPEND');
    if (rights.has(rightForFlag(flag))) out.push(flag);
  }
  return out;
}

/** The intake's inputs; CATENATE messages (RFC 4469) are built first, every one before any is stored. */
async function toInputs(ctx: CommandContext, messages: readonly AppendMessage[], rights: Rights): Promise<AppendInput[]> {
  const flags = messages.map((message) => permittedFlags(message.flags, rights));
  const inputs: AppendInput[] = [];
  for (const [i, message] of messages.entries()) {
    const built = message.catenate ? await catenateMessage(ctx, message.catenate) : { bytes: message.message, binary: message.binary };
    const input: AppendInput = { bytes: built.bytes, binary: built.binary, flags: flags[i]! };
    if (message.internalDate) input.internalDate = message.internalDate;
    if (message.annotations) input.annotations = startingAnnotations(ctx, message.annotations, rights);
    inputs.push(input);
  }
  return inputs;
}

/**
 * APPEND ... ANNOTATION (RFC 5257 3.5): private values need 'r' on the mailbox, shared ones 'n'
 * (as STORE); NIL sets nothing. Refused: NO [NOPERM], nothing appended.
 */
function startingAnnotations(ctx: CommandContext, writes: readonly AnnotationStore[], rights: Rights): StoredAnnotation[] {
  if (writes.some((w) => (w.shared ? !rights.has('n') : !rights.has('r')))) throw new CommandFailure('NO', 'NOPERM', 'Permission denied');
  const userid = ctx.identity().userid;
  return writes.filter((w) => w.value !== null).map((w) => ({ entry: w.entry, userid: w.shared ? '' : userid, value: w.value! }));
}

/** The intake's refusals as Cyrus words them; other errors go to the common mapping. */
function appendFailure(err: unknown): unknown {
  if (!(err instanceof MailError)) return err;
  if (err.kind === 'Limit' && err.detail?.tooBig) return new CommandFailure('NO', 'TOOBIG', err.message);
  if (err.kind === 'Invalid' && (err.detail?.nul || err.detail?.empty)) return new CommandFailure('NO', null, err.message);
  if (err.kind === 'NotFound') return tryCreate();
  return err;
}

export const appendCommand = defineCommand({
  name: 'APPEND',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const identity = ctx.identity();
    const internal = ctx.toInternal(command.mailbox);
    const entry = ctx.deps.store.lookup(internal);
    if (!entry) throw tryCreate();
    const rights = hideNotFound(() => ctx.deps.rights.requireRights(identity, entry, 'i'), tryCreate);
    const inputs = await toInputs(ctx, command.messages, rights);
    // Into the mailbox selected read-write: \Recent is taken in the append's own transaction.
    const selected = ctx.state.kind === 'selected' && !ctx.state.selected.readOnly && !ctx.state.selected.gone && ctx.state.selected.name === entry.name ? ctx.state.selected : null;
    let result;
    try {
      result = await ctx.deps.intake.append(entry.name, inputs, { userid: identity.userid, claimRecent: selected !== null });
    } catch (err) {
      throw appendFailure(err);
    }
    if (selected !== null && result.recent !== undefined) selected.noteRecentClaimed(result.recent, result.uids[result.uids.length - 1]!);
    return { status: 'OK', code: `APPENDUID ${result.uidValidity} ${formatSequenceSet(result.uids)}`, text: 'Completed' };
  },
});
