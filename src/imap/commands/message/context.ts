/**
 * Updating searches (RFC 5267 CONTEXT=SEARCH and CONTEXT=SORT): SEARCH / SORT RETURN (UPDATE)
 * leaves a context on the selected mailbox; whenever the session tells the client about its mailbox
 * (after each command, during IDLE) the contexts whose mailbox moved are searched again and the
 * difference is told as ESEARCH ADDTO / REMOVEFROM, in the typed update stream: the REMOVEFROM of
 * expunged messages before the EXPUNGE responses (their numbers still valid), the rest after EXISTS.
 * SORT keys never change for a message, so a sorted context only loses and gains members: removals
 * are told from the last position back, additions at their final positions from the first.
 */
import { SELECTED } from '../../session/state.js';
import { MAX_SEARCH_CONTEXTS, type SearchContext } from '../../session/search-contexts.js';
import type { SelectedMailbox } from '../../session/selected.js';
import type { ContextPair, MailboxUpdate } from '../../session/updates.js';
import type { FetchItem, SearchKey, SortCriterion } from '../../wire/parse/types.js';
import { resolveSequenceSet } from '../../wire/sequence.js';
import { untaggedStatus } from '../../wire/serialize/response.js';
import { imapString } from '../../wire/serialize/strings.js';
import { CommandFailure, defineCommand, type CommandContext } from '../types.js';
import { fetchCommand } from './fetch/command.js';
import { findMatches } from './search/run.js';
import { sortOrder } from './sort.js';

/** Refuse a second updating search under a tag already in use (RFC 5267 4.3: BAD, before any work). */
export function checkContextTag(ctx: CommandContext): void {
  if (ctx.selected().searchContexts.has(ctx.tag)) throw new CommandFailure('BAD', null, 'Tag already names an updating search');
}

/**
 * Keep the search just answered up to date: `uids` are its results in the requested order and
 * `modseq` the mailbox's modseq before it ran. Past the limit: `* NO [NOUPDATE "tag"]`, results stand.
 */
export function startContext(
  ctx: CommandContext,
  search: { byUid: boolean; criteria: SearchKey; sort: readonly SortCriterion[] | null; fetch?: FetchItem[] },
  uids: readonly number[],
  modseq: number,
): void {
  const contexts = ctx.selected().searchContexts;
  if (contexts.size >= MAX_SEARCH_CONTEXTS) {
    ctx.out.send(untaggedStatus('NO', `NOUPDATE ${imapString(ctx.tag)}`, 'Too many updating searches'));
    return;
  }
  const criteria = pinSequenceNumbers(search.criteria, ctx.selected());
  const view = ctx.selected().allUids();
  const lastUid = view.length > 0 ? view[view.length - 1]! : 0;
  contexts.set(ctx.tag, { tag: ctx.tag, ...search, criteria, fetch: search.fetch ?? null, uids: [...uids], modseq, lastUid, toFetch: [] });
}

/**
 * The criteria with message numbers turned into the UIDs they name now: numbers in a search are
 * read when the command arrives (RFC 5267 4.3), so a context keeps meaning the same messages.
 */
function pinSequenceNumbers(key: SearchKey, selected: SelectedMailbox): SearchKey {
  switch (key.kind) {
    case 'sequence': {
      if (key.set.saved) return key;
      const uids: Array<{ first: number; last: number }> = [];
      for (const [low, high] of resolveSequenceSet(key.set.ranges, selected.count)) {
        for (let seq = low; seq <= Math.min(high, selected.count); seq++) {
          const uid = selected.uidAt(seq);
          const last = uids[uids.length - 1];
          if (last && last.last === uid - 1) last.last = uid;
          else uids.push({ first: uid, last: uid });
        }
      }
      // No message: a UID no message has.
      return { kind: 'uid', set: { saved: false, ranges: uids.length > 0 ? uids : [{ first: 0, last: 0 }] } };
    }
    case 'not':
      return { kind: 'not', key: pinSequenceNumbers(key.key, selected) };
    case 'or':
      return { kind: 'or', left: pinSequenceNumbers(key.left, selected), right: pinSequenceNumbers(key.right, selected) };
    case 'and':
      return { kind: 'and', keys: key.keys.map((k) => pinSequenceNumbers(k, selected)) };
    default:
      return key;
  }
}

/** The client's number of a message: its UID, or its sequence number now (0 once it left the view). */
function numberOf(selected: SelectedMailbox, context: SearchContext, uid: number): number {
  return context.byUid ? uid : selected.seqOf(uid);
}

function contextUpdate(context: SearchContext, change: 'ADDTO' | 'REMOVEFROM', pairs: ContextPair[]): MailboxUpdate[] {
  return pairs.length === 0 ? [] : [{ kind: 'searchContext', tag: context.tag, uid: context.byUid, change, pairs }];
}

/**
 * Pairs for members at `positions` (1-based, ascending) with their numbers: a SEARCH context uses
 * position 0 and one set; a SORT context one pair per run of adjacent positions, runs from the last
 * back when removing (each position still right when the client gets to it).
 */
function pairsFor(context: SearchContext, positions: number[], numbers: number[], removing: boolean): ContextPair[] {
  const kept = numbers.map((n, i) => [positions[i]!, n] as const).filter(([, n]) => n > 0);
  if (kept.length === 0) return [];
  if (context.sort === null) return [{ position: 0, numbers: kept.map(([, n]) => n) }];
  const runs: ContextPair[] = [];
  let run: { position: number; numbers: number[] } | null = null;
  let last = -1;
  for (const [position, n] of kept) {
    if (run && position === last + 1) run.numbers.push(n);
    else runs.push((run = { position, numbers: [n] }));
    last = position;
  }
  return removing ? runs.reverse() : runs;
}

/** REMOVEFROM for members expunged by `updates`, numbered as before the expunge (so: sent before it). */
function expungedMembers(context: SearchContext, expunged: ReadonlyMap<number, number>): MailboxUpdate[] {
  const positions: number[] = [];
  const numbers: number[] = [];
  context.uids.forEach((uid, i) => {
    const seq = expunged.get(uid);
    if (seq === undefined) return;
    positions.push(i + 1);
    numbers.push(context.byUid ? uid : seq);
  });
  if (positions.length === 0) return [];
  context.uids = context.uids.filter((uid) => !expunged.has(uid));
  return contextUpdate(context, 'REMOVEFROM', pairsFor(context, positions, numbers, true));
}

/**
 * The members to move so that `was` (an order of some UIDs) becomes `is` (the same UIDs in another
 * order): all but a longest run of them kept in the same relative order in both.
 */
export function movedMembers(was: readonly number[], is: readonly number[]): number[] {
  const place = new Map<number, number>();
  was.forEach((uid, i) => place.set(uid, i));
  const positions = is.map((uid) => place.get(uid)!);
  // Longest increasing subsequence of `positions` (patience sorting, with links back).
  const tails: number[] = [];
  const back = new Int32Array(positions.length).fill(-1);
  for (let i = 0; i < positions.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (positions[tails[mid]!]! < positions[i]!) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) back[i] = tails[lo - 1]!;
    tails[lo] = i;
  }
  const stays = new Set<number>();
  for (let i = tails.length > 0 ? tails[tails.length - 1]! : -1; i >= 0; i = back[i]!) stays.add(is[i]!);
  return is.filter((uid) => !stays.has(uid));
}

/** Search `context` again and tell what left and what joined its results. */
async function refresh(ctx: CommandContext, context: SearchContext): Promise<MailboxUpdate[]> {
  const selected = ctx.selected();
  const modseq = selected.highestModseq;
  const matches = await findMatches(ctx, context.criteria);
  const now = context.sort === null ? matches.uids : sortOrder(ctx, matches, context.sort).map((i) => matches.uids[i]!);
  const before = new Set(context.uids);
  const after = new Set(now);
  // An order by MODSEQ moves a message whose flags changed: members that kept their place among
  // those in both orders stay; the others are told as leaving and joining again (RFC 5267 4.2).
  if (context.sort?.some((c) => c.key === 'MODSEQ')) {
    for (const uid of movedMembers(context.uids.filter((u) => after.has(u)), now.filter((u) => before.has(u)))) {
      before.delete(uid);
      after.delete(uid);
    }
  }
  const out: MailboxUpdate[] = [];
  const gone: { positions: number[]; numbers: number[] } = { positions: [], numbers: [] };
  context.uids.forEach((uid, i) => {
    if (after.has(uid)) return;
    gone.positions.push(i + 1);
    gone.numbers.push(numberOf(selected, context, uid));
  });
  out.push(...contextUpdate(context, 'REMOVEFROM', pairsFor(context, gone.positions, gone.numbers, true)));
  const joined: { positions: number[]; numbers: number[] } = { positions: [], numbers: [] };
  now.forEach((uid, i) => {
    if (before.has(uid)) return;
    joined.positions.push(i + 1);
    joined.numbers.push(numberOf(selected, context, uid));
  });
  out.push(...contextUpdate(context, 'ADDTO', pairsFor(context, joined.positions, joined.numbers, false)));
  if (context.fetch !== null) context.toFetch.push(...now.filter((uid) => uid > context.lastUid && !before.has(uid)));
  const view = selected.allUids();
  context.lastUid = Math.max(context.lastUid, view.length > 0 ? view[view.length - 1]! : 0);
  context.uids = now;
  context.modseq = modseq;
  return out;
}

/**
 * `updates` (from the selected mailbox's sync) with the updating searches' changes woven in:
 * REMOVEFROM of expunged members before the first expunge, the other changes at the end.
 */
export async function withContextUpdates(ctx: CommandContext, updates: readonly MailboxUpdate[]): Promise<readonly MailboxUpdate[]> {
  const selected = ctx.selected();
  const contexts = selected.searchContexts;
  if (contexts.size === 0 || selected.gone || updates.some((u) => u.kind === 'gone')) return updates;
  const expunged = new Map<number, number>();
  for (const u of updates) if (u.kind === 'expunge') expunged.set(u.uid, u.seq);
  const early: MailboxUpdate[] = [];
  const late: MailboxUpdate[] = [];
  for (const context of [...contexts.values()]) {
    if (expunged.size > 0) early.push(...expungedMembers(context, expunged));
    if (selected.highestModseq <= context.modseq || ctx.clientGone()) continue;
    try {
      late.push(...(await refresh(ctx, context)));
    } catch (err) {
      // A search that can no longer run (over the search budget, say) stops being updated, and says so.
      ctx.deps.logger.warn({ err, tag: context.tag }, 'updating search dropped');
      contexts.delete(context.tag);
      ctx.out.send(untaggedStatus('NO', `NOUPDATE ${imapString(context.tag)}`, 'Updates of this search stopped'));
    }
  }
  if (early.length === 0 && late.length === 0) return updates;
  const first = updates.findIndex((u) => u.kind === 'expunge');
  const at = first < 0 ? 0 : first;
  return [...updates.slice(0, at), ...early, ...updates.slice(at), ...late];
}

/**
 * The FETCH of UPDATE's attributes for new messages that joined an updating search (RFC 5465
 * section 7), after the ADDTO; not for messages that joined through a flag change.
 */
export async function fetchNewMembers(ctx: CommandContext): Promise<void> {
  if (ctx.state.kind !== 'selected') return;
  const selected = ctx.selected();
  for (const context of selected.searchContexts.values()) {
    if (context.fetch === null || context.toFetch.length === 0) continue;
    const uids = context.toFetch.filter((uid) => selected.seqOf(uid) > 0).sort((a, b) => a - b);
    context.toFetch = [];
    if (uids.length === 0) continue;
    const items: FetchItem[] = context.fetch.some((i) => i.kind === 'simple' && i.item === 'UID') ? context.fetch : [{ kind: 'simple', item: 'UID' }, ...context.fetch];
    const ranges = uids.map((uid) => ({ first: uid, last: uid }));
    await fetchCommand.handle(ctx, { name: 'FETCH', byUid: true, set: { saved: false, ranges }, items });
  }
}

/** CANCELUPDATE "tag" ...: the named contexts stop; a tag that names none: NO. */
export const cancelUpdateCommand = defineCommand({
  name: 'CANCELUPDATE',
  states: SELECTED,
  async handle(ctx, command) {
    const contexts = ctx.selected().searchContexts;
    const unknown = command.tags.filter((tag) => !contexts.has(tag));
    if (unknown.length > 0) throw new CommandFailure('NO', null, `No updating search has the tag ${unknown[0]}`);
    for (const tag of command.tags) contexts.delete(tag);
    return { status: 'OK', text: 'Updates cancelled' };
  },
});
