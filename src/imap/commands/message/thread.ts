/**
 * THREAD and UID THREAD (RFC 5256): ORDEREDSUBJECT and REFERENCES over the messages the SEARCH
 * criteria match. Subjects, dates and Message-ID / In-Reply-To come from the cached envelopes,
 * References from the cached header blocks: no message file is read.
 */
import { formatThreads, lastFieldValue, orderedSubjectThreads, referencesThreads, sentTime, type ThreadMessage } from '../../../message/index.js';
import { SELECTED } from '../../session/state.js';
import { threadResponse } from '../../wire/serialize/lists.js';
import { defineCommand, onlyByUid } from '../types.js';
import { findMatches, requireCharset } from './search/run.js';
import { lowerBound } from './targets.js';

const BATCH = 500;

export const threadCommand = defineCommand({
  name: 'THREAD',
  states: SELECTED,
  allowsExpunge: onlyByUid,
  async handle(ctx, command) {
    requireCharset(command.charset);
    const matches = await findMatches(ctx, command.criteria);
    const mailbox = ctx.selected().mailbox;
    const snapshot = mailbox.snapshot(ctx.identity().userid);
    const messages: ThreadMessage[] = [];
    for (let from = 0; from < matches.uids.length; from += BATCH) {
      const uids = matches.uids.slice(from, Math.min(matches.uids.length, from + BATCH));
      const summaries = mailbox.summaries(uids);
      const headers = command.algorithm === 'REFERENCES' ? mailbox.searchHeaders(uids) : null;
      uids.forEach((uid, k) => {
        const summary = summaries.get(uid) ?? null;
        const p = lowerBound(snapshot.uids, uid);
        const internalDate = p < snapshot.count && snapshot.uids[p] === uid ? snapshot.internalDates[p]! : 0;
        const envelope = summary?.envelope ?? null;
        const header = headers?.[k] ?? summary?.header ?? null;
        messages.push({
          id: command.byUid ? uid : matches.seqs[from + k]!,
          subject: envelope?.subject ?? null,
          date: sentTime(envelope?.date ?? null) ?? internalDate,
          messageId: envelope?.messageId ?? null,
          inReplyTo: envelope?.inReplyTo ?? null,
          references: header === null ? null : lastFieldValue(header, 'references'),
        });
      });
    }
    const threads = command.algorithm === 'ORDEREDSUBJECT' ? orderedSubjectThreads(messages) : referencesThreads(messages);
    ctx.out.send(threadResponse(formatThreads(threads)));
  },
});
