/**
 * THREAD and UID THREAD (RFC 5256): ORDEREDSUBJECT, REFERENCES and Cyrus's REFS over the messages
 * the SEARCH criteria match. Base subjects, dates and Message-ID / In-Reply-To / References come
 * from the fields stored at append (message_fields), read as the mailbox's ThreadInput (interned,
 * kept per process for a big mailbox): no message, summary or header block is read.
 */
import { formatForest, orderedSubjectForest, referencesForest, refsForest, type ThreadSelection } from '../../../message/index.js';
import { SELECTED } from '../../session/state.js';
import { threadResponse } from '../../wire/serialize/lists.js';
import { defineCommand, onlyByUid } from '../types.js';
import { findMatches, requireCharset } from './search/run.js';

export const threadCommand = defineCommand({
  name: 'THREAD',
  states: SELECTED,
  allowsExpunge: onlyByUid,
  async handle(ctx, command) {
    requireCharset(command.charset);
    const matches = await findMatches(ctx, command.criteria);
    const input = ctx.selected().mailbox.fields.threadInput();
    // The input's rows whose UIDs matched (both ascending), each labelled with its UID or number.
    const n = matches.uids.length;
    const rows = new Int32Array(n);
    const labels = new Float64Array(n);
    let found = 0;
    for (let row = 0, i = 0; row < input.count && i < n; ) {
      const uid = input.keys[row]!;
      const wanted = matches.uids[i]!;
      if (uid < wanted) row++;
      else if (uid > wanted) i++;
      else {
        rows[found] = row;
        labels[found++] = command.byUid ? wanted : matches.seqs[i]!;
        row++;
        i++;
      }
    }
    const selection: ThreadSelection = { rows: rows.subarray(0, found), labels: labels.subarray(0, found) };
    const threads =
      command.algorithm === 'ORDEREDSUBJECT' ? orderedSubjectForest(input, selection)
      : command.algorithm === 'REFS' ? refsForest(input, selection)
      : referencesForest(input, selection);
    ctx.out.send(threadResponse(formatForest(threads)));
  },
});
