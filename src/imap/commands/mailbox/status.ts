/**
 * STATUS (RFC 3501 6.3.10) with SIZE (RFC 8438), DELETED (RFC 9051), HIGHESTMODSEQ (RFC 7162) and
 * APPENDLIMIT (RFC 7889); the same values serve LIST-STATUS (RFC 5819). Needs the 'r' right. STATUS of the selected
 * mailbox works too: RECENT then counts the messages that are \Recent to this session (as its FETCH
 * FLAGS shows them) and those no session claimed yet, as Cyrus 3.6 and Dovecot 2.3 answer.
 */
import type { Identity } from '../../../auth/index.js';
import type { MailboxStatus } from '../../../mailbox/index.js';
import type { MailboxEntry, MailStore } from '../../../store/index.js';
import { AUTHENTICATED } from '../../session/state.js';
import type { StatusItem } from '../../wire/parse/types.js';
import { mailboxName } from '../../wire/serialize/lists.js';
import { always, defineCommand, type CommandContext } from '../types.js';
import { existingMailbox } from './names.js';

/**
 * The `* STATUS` response of one mailbox, items in the order asked (an item asked twice once, in
 * its first place). `appendLimit` is the largest message APPEND takes (RFC 7889 APPENDLIMIT; 0 or
 * less: none, sent as NIL). Written as one string, without a table of every item's value: STATUS is
 * answered often (issue 16) and mostly from the process's kept answer (status-cache.ts).
 */
export function statusLine(
  store: MailStore, identity: Identity, entry: MailboxEntry, externalName: string, items: readonly StatusItem[], appendLimit: number,
  /** The \Recent messages this session holds when `entry` is its selected mailbox (0 otherwise). */
  ownRecent = 0,
): string {
  const mailbox = store.openMailbox(entry.name);
  let status: MailboxStatus;
  try {
    status = mailbox.status(identity.userid, { deleted: items.includes('DELETED') });
  } finally {
    mailbox.close();
  }
  if (ownRecent > 0) status = { ...status, recent: status.recent + ownRecent };
  let text = `* STATUS ${mailboxName(externalName)} (`;
  for (let k = 0; k < items.length; k++) {
    const item = items[k]!;
    if (k > 0 && items.indexOf(item) < k) continue;
    if (k > 0) text += ' ';
    text += `${item} ${statusValue(item, status, entry, appendLimit)}`;
  }
  return `${text})\r\n`;
}

function statusValue(item: StatusItem, status: MailboxStatus, entry: MailboxEntry, appendLimit: number): number | string {
  switch (item) {
    case 'MESSAGES': return status.messages;
    case 'RECENT': return status.recent;
    case 'UIDNEXT': return status.uidNext;
    case 'UIDVALIDITY': return status.uidValidity;
    case 'UNSEEN': return status.unseen ?? 0;
    case 'SIZE': return status.size;
    case 'DELETED': return status.deleted ?? 0;
    case 'HIGHESTMODSEQ': return status.highestModseq;
    case 'APPENDLIMIT': return appendLimit > 0 ? appendLimit : 'NIL';
    // OBJECTID (RFC 8474): the mailbox's uniqueid, a parenthesized objectid.
    case 'MAILBOXID': return `(${entry.uniqueId})`;
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
    ctx.out.send(statusLine(ctx.deps.store, ctx.identity(), entry, external, command.items, ctx.deps.limits.maxMessageSize, ownRecent(ctx, entry)));
  },
});

/** The \Recent messages this session holds in `entry` when it is the selected mailbox (STATUS and LIST-STATUS of it). */
export function ownRecent(ctx: CommandContext, entry: MailboxEntry): number {
  return ctx.state.kind === 'selected' && !ctx.state.selected.gone && ctx.state.selected.name === entry.name ? ctx.state.selected.recentCount : 0;
}
