/**
 * NOTIFY (RFC 5465): SET replaces what the session is told about without asking, NONE stops it.
 * Offered events: MessageNew (with fetch attributes for the selected mailbox), MessageExpunge,
 * FlagChange, MailboxName, SubscriptionChange; others get NO [BADEVENT (...)]. SET STATUS answers
 * a STATUS for each watched mailbox other than the selected one. The session delivers what the
 * change hub reports (notify-deliver.ts), between commands and during IDLE.
 */
import { AUTHENTICATED } from '../session/state.js';
import type { NotifyWatch } from '../session/notify-state.js';
import type { NotifyGroup } from '../wire/parse/notify.js';
import type { StatusItem } from '../wire/parse/types.js';
import { listResponse } from '../wire/serialize/lists.js';
import { always, CommandFailure, defineCommand, type CommandContext } from './types.js';
import { currentStatus, readableEntry, statusText, watchesOf } from './notify-deliver.js';

const OFFERED = ['MessageNew', 'MessageExpunge', 'FlagChange', 'MailboxName', 'SubscriptionChange'];

/** A group's mailbox names as internal names (names that cannot be ones are left out, RFC 5465 3.1). */
function resolve(ctx: CommandContext, group: NotifyGroup): NotifyWatch {
  const mailboxes: string[] = [];
  if (group.filter.kind === 'subtree' || group.filter.kind === 'mailboxes') {
    for (const name of group.filter.mailboxes) {
      try {
        mailboxes.push(ctx.toInternal(name));
      } catch {
        // not a valid name: ignored
      }
    }
  }
  return { kind: group.filter.kind, mailboxes, events: new Set(group.events), fetch: group.fetch };
}

/** Internal names of the existing mailboxes `watch` covers now (for STATUS and the starting state). */
function covered(ctx: CommandContext, watch: NotifyWatch, subscriptions: readonly string[]): string[] {
  const store = ctx.deps.store;
  const inbox = ctx.deps.namespace.inboxOf(ctx.identity());
  switch (watch.kind) {
    case 'selected':
    case 'selected-delayed':
      return [];
    case 'personal':
    case 'inboxes':
      return inbox === null ? [] : [inbox, ...store.list(`${inbox}.*`).map((e) => e.name)];
    case 'subscribed':
      return [...subscriptions];
    case 'subtree':
      return watch.mailboxes.flatMap((root) => [root, ...store.list(`${root}.*`).map((e) => e.name)]);
    case 'mailboxes':
      return watch.mailboxes;
  }
}

/** A mailbox the user may list ('l') but not read ('r'): `* LIST (\NoAccess)` (RFC 5465 3.1); others are ignored. */
function noAccess(ctx: CommandContext, name: string): void {
  const entry = ctx.deps.store.lookup(name);
  const external = ctx.toExternal(name);
  if (!entry || external === null || !ctx.deps.rights.hasRights(ctx.identity(), entry, 'l')) return;
  ctx.out.send(listResponse({ attributes: ['\\NoAccess'], delimiter: ctx.deps.namespace.separator, mailbox: external }));
}

export const notifyCommand = defineCommand({
  name: 'NOTIFY',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const state = ctx.notifications;
    if (command.groups === null) {
      state.reset(null);
      return;
    }
    const unsupported = [...new Set(command.groups.flatMap((g) => g.events))].filter((e) => !OFFERED.includes(e));
    if (unsupported.length > 0) throw new CommandFailure('NO', `BADEVENT (${OFFERED.join(' ')})`, `Unsupported NOTIFY event ${unsupported[0]}`);
    const watches = command.groups.map((g) => resolve(ctx, g));
    state.reset(watches);
    const subscriptions = ctx.deps.store.subscriptions(ctx.identity().userid);
    for (const name of subscriptions) state.subscribed.add(name);
    const selectedName = ctx.state.kind === 'selected' ? ctx.selected().name : null;
    const seen = new Set<string>();
    for (const name of watches.flatMap((w) => covered(ctx, w, subscriptions))) {
      if (seen.has(name)) continue;
      seen.add(name);
      const entry = readableEntry(ctx, name);
      if (!entry) {
        noAccess(ctx, name);
        continue;
      }
      const events = new Set(watchesOf(ctx, state, name, () => subscriptions).flatMap((w) => [...w.events]));
      if (events.has('MailboxName')) state.existing.set(name, entry.uniqueId);
      if (!events.has('MessageNew') || name === selectedName) continue;
      const status = currentStatus(ctx, entry);
      state.told.set(name, status);
      const external = ctx.toExternal(name);
      if (!command.status || external === null) continue;
      const items: StatusItem[] = ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY'];
      if (ctx.enabled.has('CONDSTORE') || ctx.enabled.has('QRESYNC')) items.push('HIGHESTMODSEQ');
      ctx.out.send(statusText(external, status, items));
    }
    return { status: 'OK', text: 'NOTIFY completed' };
  },
});
