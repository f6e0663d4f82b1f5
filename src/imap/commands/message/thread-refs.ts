/** THREAD=REFS (Cyrus's variant of REFERENCES): the threading of src/message/threadRefs.ts, with internal dates from the index. */
import { refsThreads, type ThreadMessage, type ThreadNode } from '../../../message/index.js';
import type { CommandContext } from '../types.js';

/** REFS threads of `messages`, whose ids are UIDs (`byUid`) or sequence numbers of the selected mailbox. */
export function threadByRefs(ctx: CommandContext, messages: readonly ThreadMessage[], byUid: boolean): ThreadNode[] {
  const selected = ctx.selected();
  const snapshot = selected.mailbox.snapshot(ctx.identity().userid);
  return refsThreads(messages, (m) => {
    const p = snapshot.indexOfUid(byUid ? m.id : selected.uidAt(m.id));
    return p < 0 ? 0 : snapshot.internalDates[p]!;
  });
}
