/**
 * FETCH and UID FETCH (RFC 3501 6.4.5, BINARY from RFC 3516). Messages are answered in batches:
 * index data for the whole set in one store call, cached summaries per batch in one call, the
 * message file only for items that need its bytes. BODY[...] without PEEK sets \Seen (read-write
 * sessions with the 's' right) and the new FLAGS go out in the same FETCH response.
 */
import { LoopSlices, giveTurn } from '../../../../common/index.js';
import { SELECTED } from '../../../session/state.js';
import type { SelectedMailbox } from '../../../session/selected.js';
import type { FetchItem } from '../../../wire/parse/types.js';
import { FetchResponse, fetchItemLabel } from '../../../wire/serialize/fetch.js';
import { CommandFailure, defineCommand, onlyByUid, type CommandContext, type CommandResult } from '../../types.js';
import { requireQresync, vanishedInSet } from '../../resync.js';
import { MessageFactsSource, type MessageFacts } from '../facts.js';
import { noMatchingMessages, resolveTargetArrays, targetsAmong, type TargetArrays } from '../targets.js';
import { savedRanges } from '../saved-result.js';
import { windowTargets } from '../partial.js';
import { MessageData, RFC822_SECTIONS, addBinary, addBinarySize, addSection, toBodySection } from './content.js';
import { loadBatch } from './batch.js';
import { planFetch } from './plan.js';
import { renderAnnotation, wantsAnnotations } from './annotation.js';
import { indexItemsOnly, sendIndexLines } from './index-lines.js';
import { addPreview, loadRecords, needsRecords, renderObjectItem } from './object-items.js';

/** Messages whose cached data is read in one store call (a few milliseconds on a busy machine). */
const BATCH = 256;
/** From this many messages FETCH makes sure the mailbox's columns are kept current before its snapshot. */
const PREPARE_FROM = 1000;
/** Response text is handed to the writer in pieces about this long. */
const TEXT_CHUNK = 32 * 1024;
/** Give the socket a chance to drain once this much is buffered. */
const FLUSH_FROM = 64 * 1024;

export const fetchCommand = defineCommand({
  name: 'FETCH',
  states: SELECTED,
  allowsExpunge: onlyByUid,
  async handle(ctx, command): Promise<CommandResult | void> {
    const selected = ctx.selected();
    const changedSince = command.changedSince ?? null;
    // RFC 7162: MODSEQ and CHANGEDSINCE turn CONDSTORE on; VANISHED needs UID FETCH and QRESYNC.
    if (command.vanished) {
      if (!command.byUid) throw new CommandFailure('BAD', null, 'VANISHED needs UID FETCH');
      requireQresync(ctx, 'FETCH (VANISHED)');
    }
    if (changedSince !== null || command.items.some((item) => item.kind === 'simple' && item.item === 'MODSEQ')) ctx.enable(['CONDSTORE']);
    // CHANGEDSINCE: the index's modseq column names the few changed messages; the loop below
    // then looks only at those instead of every message of the set, and without PARTIAL the set
    // is only asked about them (not written out).
    const changed = changedSince === null ? null : selected.mailbox.changesSince(changedSince).records.map((r) => r.uid);
    const narrowed = changed !== null && command.partial === undefined ? targetsAmong(selected, command.set, command.byUid, changed) : null;
    // PARTIAL (RFC 9394): a window over the set's messages, before CHANGEDSINCE looks at them.
    const windowed = narrowed === null ? windowTargets(resolveTargetArrays(selected, command.set, command.byUid), command.partial) : null;
    const targets = narrowed ?? (changed === null ? windowed! : onlyChanged(windowed!, changed));
    if (command.vanished) {
      // `$` (RFC 5182) holds only messages still here: its VANISHED is empty.
      const set = command.set.saved ? { saved: false as const, ranges: savedRanges(selected, true) } : command.set;
      ctx.sendUpdates([vanishedInSet(selected, set, changedSince!)]);
    }
    if (narrowed === null ? windowed!.uids.length === 0 : !narrowed.named) {
      // An empty `$` (RFC 5182) is no error.
      if (command.byUid || command.set.saved) return;
      throw noMatchingMessages();
    }
    if (targets.uids.length === 0) return;
    const plan = planFetch(command.items);
    const userid = ctx.identity().userid;
    const mailbox = selected.mailbox;
    if (targets.uids.length >= PREPARE_FROM) {
      // Resolving a big set (in a fresh process, its loops still unoptimised) and loading its facts
      // each take a turn of their own: together they held the loop 15-25 ms in the first FETCH 1:*
      // of a 100,000-message mailbox (fairness-turns, cold).
      await giveTurn();
      if (ctx.clientGone()) return clientGone(ctx, 0, targets.uids.length);
      // Columns this process no longer keeps current are read in slices first (issue 16).
      await mailbox.prepareSnapshot(userid);
    }
    // The user's \Seen only when flags are answered or set (a body fetch reads no seen state).
    const facts = MessageFactsSource.load(mailbox, targets.uids, userid, plan.flags || plan.setsSeen, selected.count, selected.highestModseq);
    // Resolving a big set and loading its facts used this turn: the responses start on the next one.
    if (targets.uids.length >= PREPARE_FROM) {
      await giveTurn();
      if (ctx.clientGone()) return clientGone(ctx, 0, targets.uids.length);
    }
    // Index items and cached ENVELOPE / BODYSTRUCTURE only (UID FLAGS, ENVELOPE...): lines written as
    // bytes straight from the snapshot columns and the cached wire forms (index-lines.ts).
    const indexItems = indexItemsOnly(command.items);
    if (indexItems !== null) {
      const gone = await sendIndexLines(ctx, selected, targets, facts, indexItems, changedSince);
      if (gone === null) return clientGone(ctx, 0, targets.uids.length);
      return gone > 0 ? expungeIssued() : undefined;
    }
    const marksSeen = plan.setsSeen && mayMarkSeen(ctx, selected);
    const withRecords = needsRecords(command.items);
    // ANNOTATION (RFC 5257) reads need 'r' (rights may have been taken since SELECT).
    const withAnnotations = wantsAnnotations(command.items);
    if (withAnnotations) {
      const entry = ctx.deps.store.lookup(selected.name);
      if (!entry) throw new CommandFailure('NO', 'NONEXISTENT', 'Mailbox no longer exists');
      ctx.deps.rights.requireRights(ctx.identity(), entry, 'r');
    }
    let missing = 0;
    // Responses are joined into large strings before they reach the writer: one conversion to
    // bytes per ~64 KB instead of one per message.
    let text = '';
    // The other sessions of this process get a turn every few ms, and at least once per batch.
    const slices = new LoopSlices(undefined, BATCH);
    for (let from = 0; from < targets.uids.length; from += BATCH) {
      if (ctx.clientGone()) return clientGone(ctx, from, targets.uids.length);
      const to = Math.min(targets.uids.length, from + BATCH);
      const batchUids = Array.from(targets.uids.subarray(from, to));
      const cached = plan.needsSummary ? loadBatch(mailbox, batchUids, plan) : null;
      const newlySeen = marksSeen ? markSeen(selected, facts, from, to, userid) : null;
      const records = withRecords ? loadRecords(mailbox, batchUids) : null;
      const annotations = withAnnotations ? mailbox.annotations(batchUids, userid) : null;
      for (let i = from; i < to; i++) {
        // The session closed the mailbox when its client left (during an await below): stop here.
        if (ctx.clientGone()) return clientGone(ctx, i, targets.uids.length);
        if (slices.due()) {
          // What is ready goes out before the pause, so the client reads while others run.
          if (text.length > 0) ctx.out.raw(text);
          text = '';
          await ctx.out.flush();
          await slices.pause();
          if (ctx.clientGone()) return clientGone(ctx, i, targets.uids.length);
        }
        const message = facts.get(i);
        if (message === null) {
          missing++;
          continue;
        }
        if (changedSince !== null && message.modseq <= changedSince) continue;
        let data: MessageData;
        if (cached === null) data = new MessageData(mailbox, message.uid, message.size, null);
        else {
          const k = i - from;
          const envelope = cached.envelopes?.[k] ?? null;
          const summary = cached.summaries?.get(message.uid) ?? null;
          if (envelope === null && summary === null) {
            missing++;
            continue;
          }
          data = new MessageData(mailbox, message.uid, message.size, summary, envelope, cached.bodyStructures?.[k] ?? null);
        }
        if (records !== null) data.record = records.get(message.uid);
        if (annotations !== null) data.annotations = annotations.get(message.uid);
        const response = new FetchResponse(targets.seqs[i]!);
        // The \Seen just set is reported in the same response, before the data (as Cyrus does).
        if (newlySeen?.has(message.uid) && !plan.flags) response.flags(selected.isRecent(message.uid) ? [...message.flags, '\\Recent'] : message.flags);
        const rendering = render(response, command.items, message, data, selected);
        if (rendering !== null) await rendering;
        for (const chunk of response.finish()) {
          if (typeof chunk === 'string') {
            text += chunk;
            continue;
          }
          if (text.length > 0) ctx.out.raw(text);
          text = '';
          if (Buffer.isBuffer(chunk)) ctx.out.raw(chunk);
          else {
            for await (const piece of chunk.open()) {
              if (ctx.clientGone()) break;
              ctx.out.raw(piece);
              await ctx.out.maybeFlush();
            }
          }
        }
        if (text.length >= TEXT_CHUNK) {
          ctx.out.raw(text);
          text = '';
        }
        if (ctx.out.pending >= FLUSH_FROM) await ctx.out.maybeFlush();
      }
    }
    if (text.length > 0) ctx.out.raw(text);
    if (missing > 0) return expungeIssued();
  },
});

/**
 * Some messages were expunged by another session and not yet announced: the store no longer has
 * them. Answer what still exists and tell the client (RFC 5530 EXPUNGEISSUED); NOOP brings the EXPUNGEs.
 */
function expungeIssued(): CommandResult {
  return { status: 'OK', code: 'EXPUNGEISSUED', text: 'Some of the requested messages no longer exist' };
}

/** The targets whose UID is among `changed` (ascending), in their order. */
function onlyChanged(targets: TargetArrays, changed: readonly number[]): TargetArrays {
  const keep = new Set(changed);
  const seqs: number[] = [];
  const uids: number[] = [];
  for (let i = 0; i < targets.uids.length; i++) {
    if (!keep.has(targets.uids[i]!)) continue;
    seqs.push(targets.seqs[i]!);
    uids.push(targets.uids[i]!);
  }
  return { seqs: Uint32Array.from(seqs), uids: Uint32Array.from(uids) };
}

/** A client that disconnected is no failure: the rest of the work is dropped, at debug level. */
function clientGone(ctx: CommandContext, done: number, total: number): void {
  ctx.deps.logger.debug({ sid: ctx.sessionId, done, total }, 'FETCH stopped: client gone');
}

function mayMarkSeen(ctx: CommandContext, selected: SelectedMailbox): boolean {
  // A mailbox being moved by XFER is read as if EXAMINEd: its records cannot change meanwhile.
  if (selected.readOnly || selected.mailbox.frozen) return false;
  const entry = ctx.deps.store.lookup(selected.name);
  return entry !== null && ctx.deps.rights.hasRights(ctx.identity(), entry, 's');
}

/** Set \Seen on the batch's unseen messages; returns the UIDs that changed. */
function markSeen(selected: SelectedMailbox, facts: MessageFactsSource, from: number, to: number, userid: string): Set<number> {
  const unseen: number[] = [];
  for (let i = from; i < to; i++) {
    const f = facts.get(i);
    if (f !== null && !f.flags.includes('\\Seen')) unseen.push(f.uid);
  }
  const changed = new Set<number>();
  if (unseen.length === 0) return changed;
  const result = selected.mailbox.setFlags(unseen, 'add', ['\\Seen'], { userid });
  selected.noteOwnChanges(result.changed);
  for (const record of result.changed) {
    facts.override(record.uid, record.flags, record.modseq);
    changed.add(record.uid);
  }
  return changed;
}

/** Add the items to the response; a promise only when some item reads message content. */
function render(response: FetchResponse, items: readonly FetchItem[], facts: MessageFacts, data: MessageData, selected: SelectedMailbox): Promise<void> | null {
  for (let k = 0; k < items.length; k++) {
    if (!renderIndexItem(response, items[k]!, facts, data, selected)) return renderContent(response, items, k, facts, data, selected);
  }
  return null;
}

/** The items from `first` on, the content ones awaited. */
async function renderContent(response: FetchResponse, items: readonly FetchItem[], first: number, facts: MessageFacts, data: MessageData, selected: SelectedMailbox): Promise<void> {
  for (let k = first; k < items.length; k++) {
    const item = items[k]!;
    if (renderIndexItem(response, item, facts, data, selected)) continue;
    switch (item.kind) {
      case 'simple':
        if (item.item === 'RFC822' || item.item === 'RFC822.HEADER' || item.item === 'RFC822.TEXT') await addSection(response, item.item, data, RFC822_SECTIONS[item.item], null);
        break;
      case 'section':
        await addSection(response, fetchItemLabel(item), data, toBodySection(item.section), item.partial);
        break;
      case 'binary':
        await addBinary(response, item, data);
        break;
      case 'binarySize':
        await addBinarySize(response, item.part, data);
        break;
      case 'preview':
        await addPreview(response, data);
        break;
    }
  }
}

/** Items answered from the index and the cache, at once; false for the content items. */
function renderIndexItem(response: FetchResponse, item: FetchItem, facts: MessageFacts, data: MessageData, selected: SelectedMailbox): boolean {
  if (item.kind === 'annotation') {
    renderAnnotation(response, item, data.annotations);
    return true;
  }
  if (item.kind !== 'simple') return false;
  switch (item.item) {
    case 'UID': response.uid(facts.uid); return true;
    case 'FLAGS': response.flags(selected.isRecent(facts.uid) ? [...facts.flags, '\\Recent'] : facts.flags); return true;
    case 'INTERNALDATE': response.internalDate(new Date(facts.internalDate)); return true;
    case 'RFC822.SIZE': response.rfc822Size(facts.size); return true;
    case 'MODSEQ': response.modseq(facts.modseq); return true;
    case 'ENVELOPE':
      if (data.envelopeForm !== null) response.envelopeText(data.envelopeForm);
      else response.envelope(data.need().envelope);
      return true;
    case 'BODY': response.body(data.need().body); return true;
    case 'SAVEDATE': case 'EMAILID': case 'THREADID': case 'DIGEST.SHA1': return renderObjectItem(response, item, data.record);
    case 'BODYSTRUCTURE':
      if (data.bodyStructureForm !== null) response.bodyStructureText(data.bodyStructureForm);
      else response.bodyStructure(data.need().body);
      return true;
    default:
      return false;
  }
}
