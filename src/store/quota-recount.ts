/**
 * Recounting a quota root from the mailboxes themselves (quota -f, SETQUOTA creating or removing
 * a root): walk the root's mailboxes in name order, read each one's usage under its index write
 * lock, and let quotas.db keep the tally (see quotas.ts for why that is exact while appends and
 * expunges go on).
 */
import { MailError } from '../common/errors.js';
import { IndexDb } from '../mailbox/index.js';
import { isWithin, parentName } from '../names/index.js';
import type { MailboxEntry, MailboxList } from './mailbox-list.js';
import type { QuotaLimits, QuotaRecount, QuotaStore, QuotaUsage } from './quotas.js';

export interface RecountContext {
  quotas: QuotaStore;
  list: MailboxList;
  durable: boolean;
  directoryOf(name: string, partition: string): string;
}

const byName = (a: MailboxEntry, b: MailboxEntry) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The live mailboxes at or below `prefix`, in name order (JS string order, as the tally compares). */
export function mailboxesWithin(list: MailboxList, prefix: string): MailboxEntry[] {
  const out: MailboxEntry[] = [];
  const self = list.get(prefix);
  if (self && self.type.length === 0) out.push(self);
  for (const entry of list.scanPrefix(prefix + '.')) if (entry.type.length === 0 && isWithin(entry.name, prefix)) out.push(entry);
  return out.sort(byName);
}

/**
 * Run `read` with a mailbox's usage taken under its index write lock (no append or expunge of it
 * is half done meanwhile); a mailbox whose index is missing or gone counts as empty.
 */
export function withMailboxUsage<T>(ctx: RecountContext, entry: MailboxEntry, read: (usage: QuotaUsage) => T): T {
  let index: IndexDb;
  try {
    index = IndexDb.open(ctx.directoryOf(entry.name, entry.partition), ctx.durable);
  } catch {
    return read({ storage: 0, messages: 0, mailboxes: 1 });
  }
  try {
    index.db.prepare('BEGIN IMMEDIATE').run();
    try {
      const active = index.mailbox().state === 'active';
      const counts = index.stmts.counts.get()!;
      return read(active ? { storage: counts.size ?? 0, messages: counts.messages, mailboxes: 1 } : { storage: 0, messages: 0, mailboxes: 0 });
    } finally {
      index.db.prepare('ROLLBACK').run();
    }
  } finally {
    index.close();
  }
}

/** Recount `root`; with `fix`, its usage becomes the count. Null when it is not a root. */
export function recountRoot(ctx: RecountContext, root: string, fix: boolean, onMailbox?: () => void): QuotaRecount | null {
  if (!ctx.quotas.get(root)) return null;
  ctx.quotas.beginScan(root);
  for (const entry of mailboxesWithin(ctx.list, root)) {
    onMailbox?.();
    if (ctx.quotas.rootOf(entry.name) !== root) continue;
    withMailboxUsage(ctx, entry, (usage) => ctx.quotas.scanMailbox(root, entry.name, usage));
  }
  return ctx.quotas.endScan(root, fix);
}

/** Point every mailbox entry at or below `prefix` at its current nearest root. */
export function relabelMailboxes(ctx: RecountContext, prefix: string, mark: (name: string, quotaRoot: string | null) => void): string[] {
  const changed: string[] = [];
  for (const entry of mailboxesWithin(ctx.list, prefix)) {
    const root = ctx.quotas.rootOf(entry.name);
    if ((entry.quotaRoot ?? null) === root) continue;
    mark(entry.name, root);
    changed.push(entry.name);
  }
  return changed;
}

/** The root that covers `name` from above (not `name` itself). */
function rootAbove(quotas: QuotaStore, name: string): string | null {
  const parent = parentName(name);
  return parent === null ? null : quotas.rootOf(parent);
}

/**
 * Set, create or (limits null) remove quota root `root`. A new root takes over the charges of
 * the mailboxes below it: it and the root above are recounted. A removed root's mailboxes fall
 * to the root above, which is recounted. NotFound when removing a root that does not exist.
 */
export function changeQuotaRoot(ctx: RecountContext, root: string, limits: QuotaLimits | null, mark: (name: string, quotaRoot: string | null) => void): void {
  const existed = ctx.quotas.get(root) !== null;
  const above = rootAbove(ctx.quotas, root);
  if (limits === null) {
    if (!existed) throw new MailError('NotFound', `no quota root ${root}`);
    ctx.quotas.removeRoot(root);
  } else {
    ctx.quotas.setLimits(root, limits);
    if (existed) return;
    recountRoot(ctx, root, true);
  }
  if (above !== null) recountRoot(ctx, above, true);
  relabelMailboxes(ctx, root, mark);
}

/**
 * A user's rename (`to`) or delete (`to` null) moved the mailboxes of `from`: move the roots at
 * or below it along, recount them (the mailbox moves released their usage on the way) and point
 * the entries at them.
 */
export function moveQuotaRoots(ctx: RecountContext, from: string, to: string | null, mark: (name: string, quotaRoot: string | null) => void): void {
  const moved = ctx.quotas.moveRoots(from, to);
  if (to === null) return;
  for (const root of moved) recountRoot(ctx, to + root.slice(from.length), true);
  const above = rootAbove(ctx.quotas, to);
  if (above !== null && moved.length > 0) recountRoot(ctx, above, true);
  relabelMailboxes(ctx, to, mark);
}
