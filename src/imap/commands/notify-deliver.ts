/**
 * Telling a NOTIFY client (RFC 5465) what changed in the mailboxes the change hub named: the
 * selected mailbox through the usual sync (EXISTS, EXPUNGE or VANISHED, FETCH, context updates),
 * plus a FETCH of the asked attributes for each new message; another watched mailbox as a STATUS
 * when its counts (or, with CONDSTORE, its modseq) moved; MailboxName and SubscriptionChange as
 * LIST responses when a mailbox appeared, went away or changed subscription. Nothing is polled:
 * only the names the hub reports are looked at.
 */
import type { MailboxEntry } from '../../store/index.js';
import { isWithin } from '../../names/index.js';
import type { NotifyState, NotifyWatch, ToldStatus } from '../session/notify-state.js';
import type { FetchItem, StatusItem } from '../wire/parse/types.js';
import { listResponse, statusResponse } from '../wire/serialize/lists.js';
import type { CommandContext } from './types.js';
import { fetchCommand } from './message/fetch/command.js';

/** The watches (other than SELECTED ones) whose mailboxes include internal name `name`. */
export function watchesOf(ctx: CommandContext, state: NotifyState, name: string, subscriptions: () => readonly string[]): NotifyWatch[] {
  const inbox = ctx.deps.namespace.inboxOf(ctx.identity());
  return (state.watches ?? []).filter((w) => {
    switch (w.kind) {
      case 'selected':
      case 'selected-delayed':
        return false;
      case 'personal':
      case 'inboxes':
        return inbox !== null && isWithin(name, inbox);
      case 'subscribed':
        // A mailbox just unsubscribed is still watched for the SubscriptionChange that says so.
        return subscriptions().includes(name) || state.subscribed.has(name);
      case 'subtree':
        return w.mailboxes.some((root) => isWithin(name, root));
      case 'mailboxes':
        return w.mailboxes.includes(name);
    }
  });
}

/** The mailbox when it exists and the user may see it ('l') and read it ('r'), else null. */
export function readableEntry(ctx: CommandContext, name: string): MailboxEntry | null {
  const entry = ctx.deps.store.lookup(name);
  if (!entry || entry.type.includes('remote')) return null;
  return ctx.deps.rights.hasRights(ctx.identity(), entry, 'lr') ? entry : null;
}

export function currentStatus(ctx: CommandContext, entry: MailboxEntry): ToldStatus {
  const mailbox = ctx.deps.store.openMailbox(entry.name);
  try {
    const s = mailbox.status(ctx.identity().userid);
    return { messages: s.messages, uidNext: s.uidNext, uidValidity: s.uidValidity, highestModseq: s.highestModseq };
  } finally {
    mailbox.close();
  }
}

export function statusText(external: string, status: ToldStatus, items: readonly StatusItem[]): string {
  const value: Partial<Record<StatusItem, number>> = {
    MESSAGES: status.messages, UIDNEXT: status.uidNext, UIDVALIDITY: status.uidValidity, HIGHESTMODSEQ: status.highestModseq,
  };
  return statusResponse(external, items.map((item) => [item, value[item] ?? 0] as const));
}

function condstore(ctx: CommandContext): boolean {
  return ctx.enabled.has('CONDSTORE') || ctx.enabled.has('QRESYNC');
}

/** A STATUS for a watched mailbox that is not selected, when what its events cover moved. */
function otherMailbox(ctx: CommandContext, state: NotifyState, name: string, events: ReadonlySet<string>): void {
  const entry = readableEntry(ctx, name);
  const external = ctx.toExternal(name);
  if (!entry || external === null) {
    state.told.delete(name);
    return;
  }
  const now = currentStatus(ctx, entry);
  const before = state.told.get(name);
  state.told.set(name, now);
  // A mailbox first seen (created since NOTIFY SET) is worth a STATUS only once it holds messages.
  if (!before && now.messages === 0) return;
  const items: StatusItem[] = [];
  if (events.has('MessageNew') && (!before || before.messages !== now.messages || before.uidNext !== now.uidNext)) items.push('MESSAGES', 'UIDNEXT');
  if (!before || before.uidValidity !== now.uidValidity) items.push('UIDVALIDITY');
  // Flag changes show only as a new HIGHESTMODSEQ, so only to a CONDSTORE client (RFC 5465 5.1).
  const modseqMoved = !before || before.highestModseq !== now.highestModseq;
  if (condstore(ctx) && modseqMoved && (items.length > 0 || events.has('FlagChange'))) items.push('HIGHESTMODSEQ');
  if (items.length > 0) ctx.out.send(statusText(external, now, items));
}

/** LIST responses for MailboxName (appeared / went away) and SubscriptionChange. */
function mailboxEvents(ctx: CommandContext, state: NotifyState, name: string, events: ReadonlySet<string>, subscriptions: () => readonly string[]): void {
  const external = ctx.toExternal(name);
  if (external === null) return;
  const delimiter = ctx.deps.namespace.separator;
  if (events.has('MailboxName')) {
    const entry = visibleEntry(ctx, name);
    if ((entry !== null) !== state.existing.has(name)) {
      if (entry) state.existing.set(name, entry.uniqueId);
      else state.existing.delete(name);
      ctx.out.send(listResponse({ attributes: entry ? [] : ['\\NonExistent'], delimiter, mailbox: external }));
    }
  }
  if (events.has('SubscriptionChange')) {
    const subscribed = subscriptions().includes(name);
    if (subscribed !== state.subscribed.has(name)) {
      if (subscribed) state.subscribed.add(name);
      else state.subscribed.delete(name);
      ctx.out.send(listResponse({ attributes: subscribed ? ['\\Subscribed'] : [], delimiter, mailbox: external }));
    }
  }
}

/** The selected mailbox: the sync, then a FETCH of the asked attributes for each new message. */
async function selectedMailbox(ctx: CommandContext, state: NotifyState, watch: NotifyWatch): Promise<void> {
  const selected = ctx.selected();
  if (state.fetchedFor !== selected) {
    state.fetchedFor = selected;
    state.fetchedUpTo = selected.uidNext - 1;
  }
  await ctx.syncSelected(watch.kind === 'selected');
  const uids = selected.allUids();
  const last = uids.length > 0 ? uids[uids.length - 1]! : 0;
  if (last <= state.fetchedUpTo) return;
  const from = state.fetchedUpTo + 1;
  state.fetchedUpTo = last;
  if (watch.fetch === null || watch.fetch.length === 0) return;
  const items: FetchItem[] = watch.fetch.some((i) => i.kind === 'simple' && i.item === 'UID') ? watch.fetch : [{ kind: 'simple', item: 'UID' }, ...watch.fetch];
  await fetchCommand.handle(ctx, { name: 'FETCH', byUid: true, set: { saved: false, ranges: [{ first: from, last }] }, items });
}

/** The mailbox when it exists and the user may see it ('l'), else null. */
function visibleEntry(ctx: CommandContext, name: string): MailboxEntry | null {
  const entry = ctx.deps.store.lookup(name);
  return entry !== null && ctx.deps.rights.hasRights(ctx.identity(), entry, 'l') ? entry : null;
}

/**
 * Renames among `names` (RFC 5465 5.4): a known mailbox gone and one newly visible with its
 * uniqueid. Each is told as one `* LIST () "/" new ("OLDNAME" (old))`, and the client's known set
 * updated, so the per-name pass that follows sees nothing more to say about either name.
 */
function renames(ctx: CommandContext, state: NotifyState, names: readonly string[], eventsOf: (name: string) => ReadonlySet<string>): void {
  const gone = new Map<string, string>();
  const appeared: Array<{ name: string; uniqueId: string }> = [];
  for (const name of names) {
    const known = state.existing.get(name);
    const entry = visibleEntry(ctx, name);
    if (known !== undefined && entry === null) gone.set(known, name);
    else if (known === undefined && entry !== null && eventsOf(name).has('MailboxName')) appeared.push({ name, uniqueId: entry.uniqueId });
  }
  if (gone.size === 0 || appeared.length === 0) return;
  for (const { name, uniqueId } of appeared) {
    const old = gone.get(uniqueId);
    const external = ctx.toExternal(name);
    const oldExternal = old === undefined ? null : ctx.toExternal(old);
    if (old === undefined || external === null || oldExternal === null) continue;
    state.existing.delete(old);
    state.existing.set(name, uniqueId);
    ctx.out.send(listResponse({ attributes: [], delimiter: ctx.deps.namespace.separator, mailbox: external, oldName: oldExternal }));
  }
}

/** Tell the client about the mailboxes in `names` (internal names the change hub reported). */
export async function deliverNotifications(ctx: CommandContext, state: NotifyState, names: readonly string[]): Promise<void> {
  let subs: readonly string[] | null = null;
  const subscriptions = (): readonly string[] => (subs ??= ctx.deps.store.subscriptions(ctx.identity().userid));
  const selectedWatch = state.watches?.find((w) => w.kind === 'selected' || w.kind === 'selected-delayed') ?? null;
  const eventsOf = (name: string): Set<string> => {
    const events = new Set<string>();
    for (const watch of watchesOf(ctx, state, name, subscriptions)) for (const e of watch.events) events.add(e);
    return events;
  };
  renames(ctx, state, names, eventsOf);
  for (const name of names) {
    if (!state.active || ctx.clientGone()) return;
    const isSelected = ctx.state.kind === 'selected' && ctx.selected().name === name;
    if (isSelected && selectedWatch && selectedWatch.events.size > 0) await selectedMailbox(ctx, state, selectedWatch);
    const events = eventsOf(name);
    // Most names the hub reports concern nobody here (other users' mailboxes): nothing to look up.
    if (events.size === 0) continue;
    if (!isSelected && events.has('MessageNew')) otherMailbox(ctx, state, name, events);
    mailboxEvents(ctx, state, name, events, subscriptions);
  }
  await ctx.out.flush();
}
