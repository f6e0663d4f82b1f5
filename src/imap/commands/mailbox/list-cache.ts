/**
 * The last LIST answer of a session (issue 16: a client repeats LIST "" "*" over and over), kept on
 * the identity object and used again while everything it was made of is the same: the same
 * command (reference, patterns, options), the same lists from the store for its sources (the
 * store hands out the same frozen entries while mailboxes.db is unchanged, so a created, deleted
 * or renamed mailbox or a changed ACL makes a different list), and the same subscriptions when the
 * answer uses them. Rights are the identity's (acl/checker.ts keeps them per identity and ACL text
 * too). Saved: the pattern plans, the rights and external name of every entry, and the matching
 * and ordering of collectList.
 */
import type { Identity } from '../../../auth/index.js';
import type { ListPlan } from '../../../names/index.js';
import type { MailboxEntry } from '../../../store/index.js';
import type { ListedName, VisibleMailbox } from './list-collect.js';

/** Answers of more names than this are not kept (memory per session). */
const KEEP_AT_MOST = 512;

export interface KeptList {
  key: string;
  plans: readonly ListPlan[];
  lists: ReadonlyArray<readonly MailboxEntry[]>;
  /** The subscriptions the answer was made with (null: it did not use them). */
  subscriptions: readonly string[] | null;
  mailboxes: ReadonlyMap<string, { entry: MailboxEntry; visible: VisibleMailbox }>;
  listed: readonly ListedName[];
}

const kept = new WeakMap<Identity, KeptList>();

/** The plans kept for `key` (the same command of this identity), or null. */
export function keptPlans(identity: Identity, key: string): readonly ListPlan[] | null {
  const hit = kept.get(identity);
  return hit !== undefined && hit.key === key ? hit.plans : null;
}

/** The answer kept for `key` when it was made of the same lists and subscriptions, or null. */
export function keptList(identity: Identity, key: string, lists: ReadonlyArray<readonly MailboxEntry[]>, subscriptions: readonly string[] | null): KeptList | null {
  const hit = kept.get(identity);
  if (hit === undefined || hit.key !== key || !sameLists(hit.lists, lists)) return null;
  if (hit.subscriptions === null ? subscriptions !== null : subscriptions === null || !sameItems(hit.subscriptions, subscriptions)) return null;
  return hit;
}

export function keepList(identity: Identity, list: KeptList): void {
  if (list.listed.length > KEEP_AT_MOST || list.mailboxes.size > KEEP_AT_MOST) kept.delete(identity);
  else kept.set(identity, list);
}

function sameLists(a: ReadonlyArray<readonly MailboxEntry[]>, b: ReadonlyArray<readonly MailboxEntry[]>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameItems(a[i]!, b[i]!)) return false;
  return true;
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
