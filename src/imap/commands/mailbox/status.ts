/**
 * STATUS (RFC 3501 6.3.10) with SIZE (RFC 8438), DELETED (RFC 9051), HIGHESTMODSEQ (RFC 7162) and
 * APPENDLIMIT (RFC 7889); the same values serve LIST-STATUS (RFC 5819). Needs the 'r' right. STATUS of the selected
 * mailbox works too (its \Recent messages are this session's, so RECENT counts only newer ones).
 */
import type { Identity } from '../../../auth/index.js';
import type { MailboxEntry, MailStore } from '../../../store/index.js';
import { AUTHENTICATED } from '../../session/state.js';
import type { StatusItem } from '../../wire/parse/types.js';
import { statusResponse } from '../../wire/serialize/lists.js';
import { always, defineCommand } from '../types.js';
import { existingMailbox } from './names.js';

/**
 * The `* STATUS` response of one mailbox, items in the order asked. `appendLimit` is the
 * largest message APPEND takes (RFC 7889 APPENDLIMIT; 0 or less: none, sent as NIL).
 */
export function statusLine(
  store: MailStore, identity: Identity, entry: MailboxEntry, externalName: string, items: readonly StatusItem[], appendLimit: number,
): string {
  const mailbox = store.openMailbox(entry.name);
  try {
    const status = mailbox.status(identity.userid, { deleted: items.includes('DELETED') });
    const value: Record<StatusItem, number | string | null> = {
      MESSAGES: status.messages,
      RECENT: status.recent,
      UIDNEXT: status.uidNext,
      UIDVALIDITY: status.uidValidity,
      UNSEEN: status.unseen ?? 0,
      SIZE: status.size,
      DELETED: status.deleted ?? 0,
      HIGHESTMODSEQ: status.highestModseq,
      APPENDLIMIT: appendLimit > 0 ? appendLimit : null,
      // OBJECTID (RFC 8474): the mailbox's uniqueid, a parenthesized objectid.
      MAILBOXID: `(${entry.uniqueId})`,
    };
    const unique = [...new Set(items)];
    return statusResponse(externalName, unique.map((item) => [item, value[item]] as const));
  } finally {
    mailbox.close();
  }
}

export const statusCommand = defineCommand({
  name: 'STATUS',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const internal = ctx.toInternal(command.mailbox);
    const entry = existingMailbox(ctx, internal, 'r');
    const external = ctx.toExternal(internal) ?? command.mailbox;
    ctx.out.send(statusLine(ctx.deps.store, ctx.identity(), entry, external, command.items, ctx.deps.limits.maxMessageSize));
  },
});
