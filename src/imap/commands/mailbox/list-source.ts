/**
 * What LIST and LSUB read from the store for one identity: the LIST plans of the patterns (virtual
 * domains and admins through namespace.listPatternToInternal), the visible mailboxes the plans'
 * sources find (the 'l' right), the subscriptions it may name, and the response order.
 */
import type { Identity } from '../../../auth/index.js';
import type { ListPlan } from '../../../names/index.js';
import type { MailboxEntry } from '../../../store/index.js';
import type { CommandContext } from '../types.js';
import type { SubscribedName, VisibleMailbox } from './list-collect.js';

export function listPlans(ctx: CommandContext, reference: string, patterns: readonly string[]): ListPlan[] {
  return patterns.map((pattern) => ctx.deps.namespace.listPatternToInternal(reference, pattern, ctx.identity()));
}

/** The "@domain" tail a global admin sees on another domain's names. */
function tailOf(identity: Identity, internal: string, external: string): string {
  if (!internal.includes('!') || identity.domain !== null) return '';
  const at = external.lastIndexOf('@');
  return at >= 0 ? external.slice(at) : '';
}

/**
 * What the store lists for the plans' sources (each source pattern once), in order: the entries
 * visibleIn() makes the visible mailboxes of. `complete` asks for every mailbox below the sources'
 * literal prefixes (for RECURSIVEMATCH with SPECIAL-USE, which needs every special-use mailbox
 * below a match, not just one).
 */
export function sourceLists(ctx: CommandContext, plans: readonly ListPlan[], opts: { complete?: boolean } = {}): MailboxEntry[][] {
  const identity = ctx.identity();
  const lists: MailboxEntry[][] = [];
  const seen = new Set<string>();
  for (const plan of plans) {
    for (const source of plan.sources) {
      const pattern = opts.complete ? `${source.pattern.split(/[*%]/)[0]}*` : source.pattern;
      const key = `${source.byAcl ? `acl:${source.byAcl.domain}:` : ''}${pattern}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const lookup = source.byAcl ? { identifiers: identity.identifiers(), domain: source.byAcl.domain } : undefined;
      lists.push(ctx.deps.store.list(pattern, { childHints: true, lookup }));
    }
  }
  return lists;
}

/**
 * The mailboxes of sourceLists() the identity may look up (the 'l' right), by internal name: the
 * matching ones, those below a match, and at least one below each matching parent.
 */
export function visibleIn(ctx: CommandContext, lists: readonly (readonly MailboxEntry[])[]): Map<string, { entry: MailboxEntry; visible: VisibleMailbox }> {
  const identity = ctx.identity();
  const out = new Map<string, { entry: MailboxEntry; visible: VisibleMailbox }>();
  for (const list of lists) {
    for (const entry of list) {
      if (out.has(entry.name) || !ctx.deps.rights.hasRights(identity, entry, 'l')) continue;
      const external = ctx.toExternal(entry.name);
      if (external === null) continue;
      out.set(entry.name, { entry, visible: { internal: entry.name, external, tail: tailOf(identity, entry.name, external), specialUse: entry.specialUse } });
    }
  }
  return out;
}

/** Existing mailboxes the plans' sources find that the identity may look up (sourceLists, then visibleIn). */
export function visibleMailboxes(ctx: CommandContext, plans: readonly ListPlan[], opts: { complete?: boolean } = {}): Map<string, { entry: MailboxEntry; visible: VisibleMailbox }> {
  return visibleIn(ctx, sourceLists(ctx, plans, opts));
}

/** The identity's subscriptions (internal names: `internals`, read from the store when not given), as names it can see. */
export function subscribedNames(ctx: CommandContext, internals?: readonly string[]): SubscribedName[] {
  const identity = ctx.identity();
  const out: SubscribedName[] = [];
  for (const internal of internals ?? ctx.deps.store.subscriptions(identity.userid)) {
    const external = ctx.toExternal(internal);
    if (external !== null) out.push({ internal, external, tail: tailOf(identity, internal, external) });
  }
  return out;
}

/** Response order: INBOX and its children, personal folders, other users, shared folders. */
export function groupOf(ctx: CommandContext): (external: string) => number {
  const ns = ctx.deps.namespace;
  const sep = ns.separator;
  const alt = ns.isAlt(ctx.identity());
  const others = `${alt ? ns.settings.userPrefix : 'user'}${sep}`;
  const shared = `${ns.settings.sharedPrefix}${sep}`;
  return (external) => {
    if (external === 'INBOX' || external.startsWith(`INBOX${sep}`)) return 0;
    if (external.startsWith(others) || external === others.slice(0, -1)) return 2;
    if (alt) return external.startsWith(shared) || external === shared.slice(0, -1) ? 3 : 1;
    return 3;
  };
}
