/**
 * FETCH and UID FETCH (RFC 3501 6.4.5, BINARY from RFC 3516). Messages are answered in batches:
 * index data for the whole set in one store call, cached summaries per batch in one call, the
 * message file only for items that need its bytes. BODY[...] without PEEK sets \Seen (read-write
 * sessions with the 's' right) and the new FLAGS go out in the same FETCH response.
 */
import { hasRights } from '../../../../acl/rights.js';
import { SELECTED } from '../../../session/state.js';
import type { SelectedMailbox } from '../../../session/selected.js';
import type { FetchItem } from '../../../wire/parse/types.js';
import { FetchResponse, fetchItemLabel } from '../../../wire/serialize/fetch.js';
import { defineCommand, onlyByUid, type CommandContext, type CommandResult } from '../../types.js';
import { MessageFactsSource, type MessageFacts } from '../facts.js';
import { noMatchingMessages, resolveTargets } from '../targets.js';
import { MessageData, RFC822_SECTIONS, addBinary, addBinarySize, addSection, toBodySection } from './content.js';
import { planFetch } from './plan.js';

const BATCH = 500;

export const fetchCommand = defineCommand({
  name: 'FETCH',
  states: SELECTED,
  allowsExpunge: onlyByUid,
  async handle(ctx, command): Promise<CommandResult | void> {
    const selected = ctx.selected();
    const targets = resolveTargets(selected, command.set, command.byUid);
    if (targets.uids.length === 0) {
      if (command.byUid) return;
      throw noMatchingMessages();
    }
    const plan = planFetch(command.items);
    const userid = ctx.identity().userid;
    const mailbox = selected.mailbox;
    const facts = MessageFactsSource.load(mailbox, targets.uids, userid);
    const marksSeen = plan.setsSeen && mayMarkSeen(ctx, selected);
    let missing = 0;
    for (let from = 0; from < targets.uids.length; from += BATCH) {
      const to = Math.min(targets.uids.length, from + BATCH);
      const batchUids = targets.uids.slice(from, to);
      const summaries = plan.needsSummary ? mailbox.summaries(batchUids) : null;
      const newlySeen = marksSeen ? markSeen(selected, facts, from, to, userid) : null;
      for (let i = from; i < to; i++) {
        const message = facts.get(i);
        if (message === null) {
          missing++;
          continue;
        }
        const summary = summaries?.get(message.uid) ?? null;
        if (plan.needsSummary && summary === null) {
          missing++;
          continue;
        }
        const data = new MessageData(mailbox, message.uid, message.size, summary);
        const response = new FetchResponse(targets.seqs[i]!);
        // The \Seen just set is reported in the same response, before the data (as Cyrus does).
        if (newlySeen?.has(message.uid) && !plan.flags) response.flags(selected.isRecent(message.uid) ? [...message.flags, '\\Recent'] : message.flags);
        await render(response, command.items, message, data, selected);
        for (const chunk of response.finish()) {
          if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) ctx.out.raw(chunk);
          else {
            for await (const piece of chunk.open()) {
              ctx.out.raw(piece);
              await ctx.out.maybeFlush();
            }
          }
        }
        await ctx.out.maybeFlush();
      }
    }
    if (missing > 0) {
      // Expunged by another session and not yet announced: the store no longer has them. Answer
      // what still exists and tell the client (RFC 5530 EXPUNGEISSUED); NOOP brings the EXPUNGEs.
      return { status: 'OK', code: 'EXPUNGEISSUED', text: 'Some of the requested messages no longer exist' };
    }
  },
});

function mayMarkSeen(ctx: CommandContext, selected: SelectedMailbox): boolean {
  if (selected.readOnly) return false;
  const entry = ctx.deps.store.lookup(selected.name);
  return entry !== null && hasRights(ctx.identity(), entry, 's');
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
    facts.override(record.uid, record.flags);
    changed.add(record.uid);
  }
  return changed;
}

async function render(response: FetchResponse, items: readonly FetchItem[], facts: MessageFacts, data: MessageData, selected: SelectedMailbox): Promise<void> {
  for (const item of items) {
    switch (item.kind) {
      case 'simple':
        switch (item.item) {
          case 'UID': response.uid(facts.uid); break;
          case 'FLAGS': response.flags(selected.isRecent(facts.uid) ? [...facts.flags, '\\Recent'] : facts.flags); break;
          case 'INTERNALDATE': response.internalDate(new Date(facts.internalDate)); break;
          case 'RFC822.SIZE': response.rfc822Size(facts.size); break;
          case 'ENVELOPE': response.envelope(data.need().envelope); break;
          case 'BODY': response.body(data.need().body); break;
          case 'BODYSTRUCTURE': response.bodyStructure(data.need().body); break;
          case 'RFC822': case 'RFC822.HEADER': case 'RFC822.TEXT':
            await addSection(response, item.item, data, RFC822_SECTIONS[item.item], null);
            break;
        }
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
    }
  }
}
