/**
 * THREAD and UID THREAD (RFC 5256): ORDEREDSUBJECT and REFERENCES over the messages the SEARCH
 * criteria match. Base subjects, dates and Message-ID / In-Reply-To / References come from the
 * fields stored at append (message_fields): no message, summary or header block is read.
 */
import { formatThreads, orderedSubjectThreads, referencesThreads, type ThreadMessage } from '../../../message/index.js';
import { SELECTED } from '../../session/state.js';
import { threadResponse } from '../../wire/serialize/lists.js';
import { defineCommand, onlyByUid } from '../types.js';
import { findMatches, requireCharset } from './search/run.js';
import { lowerBound } from './targets.js';
import { threadByRefs } from './thread-refs.js';

export const threadCommand = defineCommand({
  name: 'THREAD',
  states: SELECTED,
  allowsExpunge: onlyByUid,
  async handle(ctx, command) {
    requireCharset(command.charset);
    const matches = await findMatches(ctx, command.criteria);
    // Every record's stored subject key, date and links (message_fields): no message is parsed.
    const messages: ThreadMessage[] = [];
    const n = matches.uids.length;
    for (const f of ctx.selected().mailbox.fields.threadFields()) {
      const i = lowerBound(matches.uids, f.uid);
      if (i >= n || matches.uids[i] !== f.uid) continue;
      messages.push({
        id: command.byUid ? f.uid : matches.seqs[i]!,
        subject: null,
        baseSubject: f.baseSubject,
        replyOrForward: f.replyOrForward,
        date: f.date,
        messageId: f.messageId,
        inReplyTo: f.inReplyTo,
        references: f.references,
      });
    }
    const threads =
      command.algorithm === 'ORDEREDSUBJECT' ? orderedSubjectThreads(messages)
      : command.algorithm === 'REFS' ? threadByRefs(ctx, messages, command.byUid)
      : referencesThreads(messages);
    ctx.out.send(threadResponse(formatThreads(threads)));
  },
});
