/**
 * Which names a LIST answers with and their attributes (RFC 3501 6.3.8, LIST-EXTENDED RFC 5258,
 * CHILDREN RFC 3348, SPECIAL-USE RFC 6154). Pure: the command gathers what the identity may see and
 * this decides, so the rules are table-testable.
 *
 * - A name meeting the selection criteria (all visible mailboxes, or the subscribed ones, or those
 *   with a special use) is listed when it matches a pattern.
 * - When it does not match but an ancestor does ("%" stopping above it), plain LIST lists that
 *   ancestor (\Noselect, or \NonExistent in extended LIST, when it is not a mailbox); with
 *   RECURSIVEMATCH the ancestor is listed with CHILDINFO naming the criteria its descendant met,
 *   unless another pattern lists that descendant itself.
 * - \HasChildren / \HasNoChildren always, from the visible mailboxes.
 */
import type { ListPlan } from '../../../names/index.js';

export interface VisibleMailbox {
  internal: string;
  /** The name the client sees (with "@domain" when a global admin sees another domain). */
  external: string;
  /** The "@domain" tail of `external`, or "". */
  tail: string;
  specialUse: string | null;
}

export interface SubscribedName {
  internal: string;
  external: string;
  tail: string;
}

export interface ListQuery {
  separator: string;
  plans: readonly ListPlan[];
  /** Existing mailboxes the identity may look up, under the plans' prefixes (any order). */
  mailboxes: readonly VisibleMailbox[];
  /** The identity's subscriptions it may name; needed when subscriptions are selected or returned. */
  subscriptions: readonly SubscribedName[];
  /** Extended syntax was used: \NonExistent instead of \Noselect. */
  extended: boolean;
  selectSubscribed: boolean;
  selectSpecialUse: boolean;
  recursiveMatch: boolean;
  returnSubscribed: boolean;
  returnSpecialUse: boolean;
  /** Sort key group of an external name (INBOX first, then personal, other users, shared). */
  groupOf(external: string): number;
}

export interface ListedName {
  external: string;
  /** The mailbox behind the name, null when it does not exist (or is not visible). */
  mailbox: VisibleMailbox | null;
  attributes: string[];
  childInfo: string[];
}

/** Proper ancestors of an external name ("a/b/c" → "a", "a/b"), keeping an "@domain" tail. */
export function externalAncestors(external: string, tail: string, separator: string): string[] {
  const name = tail ? external.slice(0, -tail.length) : external;
  const out: string[] = [];
  for (let i = name.indexOf(separator); i > 0; i = name.indexOf(separator, i + 1)) out.push(name.slice(0, i) + tail);
  return out;
}

export function collectList(query: ListQuery): ListedName[] {
  const existing = new Map(query.mailboxes.map((m) => [m.external, m]));
  const withChildren = new Set<string>();
  for (const m of query.mailboxes) for (const a of externalAncestors(m.external, m.tail, query.separator)) withChildren.add(a);
  const subscribed = new Set(query.subscriptions.map((s) => s.external));

  const hasCriteria = query.selectSubscribed || query.selectSpecialUse;
  const criteriaNames: string[] = [];
  if (query.selectSubscribed) criteriaNames.push('SUBSCRIBED');
  if (query.selectSpecialUse) criteriaNames.push('SPECIAL-USE');
  const candidates: Array<{ internal: string; external: string; tail: string }> = [];
  if (query.selectSubscribed) {
    for (const s of query.subscriptions) {
      if (!query.selectSpecialUse || existing.get(s.external)?.specialUse) candidates.push(s);
    }
  } else {
    for (const m of query.mailboxes) if (!query.selectSpecialUse || m.specialUse) candidates.push(m);
  }

  const listed = new Map<string, Set<string>>();
  const tails = new Map<string, string>();
  const list = (external: string, tail: string, childInfo: readonly string[]) => {
    let info = listed.get(external);
    if (!info) listed.set(external, (info = new Set()));
    tails.set(external, tail);
    for (const c of childInfo) info.add(c);
  };
  for (const candidate of candidates) {
    // A candidate some pattern lists itself gives its ancestors no CHILDINFO through the others
    // (RFC 5258 3.5: a non-matching name comes with CHILDINFO only for a child not also returned).
    let listedItself = false;
    for (const plan of query.plans) {
      const direct = plan.match(candidate.internal);
      if (direct === null) continue;
      list(direct, candidate.tail, []);
      listedItself = true;
    }
    if (hasCriteria && (!query.recursiveMatch || listedItself)) continue;
    for (const plan of query.plans) {
      if (plan.match(candidate.internal) !== null) continue;
      for (const ancestor of plan.matchingAncestors(candidate.internal)) list(ancestor, candidate.tail, hasCriteria ? criteriaNames : []);
    }
  }

  const out: ListedName[] = [];
  for (const [external, info] of listed) {
    const mailbox = existing.get(external) ?? null;
    const attributes: string[] = [];
    if (!mailbox) attributes.push(query.extended ? '\\NonExistent' : '\\Noselect');
    if (query.returnSubscribed && subscribed.has(external)) attributes.push('\\Subscribed');
    attributes.push(withChildren.has(external) ? '\\HasChildren' : '\\HasNoChildren');
    if (mailbox?.specialUse && query.returnSpecialUse) attributes.push(...mailbox.specialUse.split(' ').filter(Boolean));
    out.push({ external, mailbox, attributes, childInfo: [...info] });
  }
  // Name order within a group; another domain's names sort by name, then by domain.
  const key = (external: string) => {
    const tail = tails.get(external) ?? '';
    return [tail ? external.slice(0, -tail.length) : external, tail] as const;
  };
  out.sort((a, b) => {
    const group = query.groupOf(a.external) - query.groupOf(b.external);
    if (group !== 0) return group;
    const [an, at] = key(a.external);
    const [bn, bt] = key(b.external);
    return compareNames(an, bn) || compareNames(at, bt);
  });
  return out;
}

export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
