/**
 * What the client must be told about its selected mailbox, as typed events: SELECT, STORE and the
 * sync after each command produce them, and `renderUpdate` alone turns them into untagged responses
 * (so an extension such as QRESYNC can render an expunge as VANISHED without touching the sync).
 */
import { codes, untaggedStatus } from '../wire/serialize/response.js';
import { contextUpdateResponse } from '../wire/serialize/context.js';
import { existsResponse, expungeResponse, fetchFlagsResponse, flagsResponse, recentResponse, vanishedResponse } from '../wire/serialize/lists.js';

export type MailboxUpdate =
  /** The mailbox's flags changed (new keywords): FLAGS and PERMANENTFLAGS again. */
  | { kind: 'flags'; keywords: readonly string[]; readOnly: boolean }
  | { kind: 'exists'; count: number }
  | { kind: 'recent'; count: number }
  /** A message left the view; `seq` is its number just before it left. */
  | { kind: 'expunge'; seq: number; uid: number }
  /**
   * Messages that left the view or the mailbox, by UID (QRESYNC, RFC 7162 3.2.10): `earlier` for
   * those the client may never have been told about (QRESYNC SELECT, UID FETCH ... VANISHED).
   */
  | { kind: 'vanished'; uids: readonly number[]; earlier: boolean }
  /** A message's flags as the client sees them now, at `modseq`. */
  | { kind: 'flagChange'; seq: number; uid: number; flags: readonly string[]; modseq: number }
  /** The mailbox was deleted or renamed (or its UIDVALIDITY changed) under the session. */
  | { kind: 'gone' }
  /** Results of an updating search that changed (RFC 5267 ADDTO / REMOVEFROM): position 0 for SEARCH. */
  | { kind: 'searchContext'; tag: string; uid: boolean; change: 'ADDTO' | 'REMOVEFROM'; pairs: readonly ContextPair[] };

/** One `position set` pair of ADDTO / REMOVEFROM; `numbers` in the requested order. */
export interface ContextPair {
  position: number;
  numbers: readonly number[];
}

/**
 * The updates as the session's extensions want them: once QRESYNC is on, a run of expunges becomes
 * one VANISHED response (the numbers need no renumbering: VANISHED names UIDs).
 */
export function coalesceUpdates(updates: readonly MailboxUpdate[], enabled: ReadonlySet<string>): readonly MailboxUpdate[] {
  if (!enabled.has('QRESYNC') || !updates.some((u) => u.kind === 'expunge')) return updates;
  const out: MailboxUpdate[] = [];
  for (const update of updates) {
    const last = out[out.length - 1];
    if (update.kind !== 'expunge') out.push(update);
    else if (last?.kind === 'vanished' && !last.earlier) (last.uids as number[]).push(update.uid);
    else out.push({ kind: 'vanished', uids: [update.uid], earlier: false });
  }
  for (const update of out) if (update.kind === 'vanished') (update.uids as number[]).sort((a, b) => a - b);
  return out;
}

/** The flags a mailbox offers: system flags plus its keywords. */
function mailboxFlags(keywords: readonly string[]): string[] {
  return ['\\Answered', '\\Flagged', '\\Draft', '\\Deleted', '\\Seen', ...keywords];
}

/** The untagged responses of one update (CRLF-terminated; empty when the client is told nothing). */
export function renderUpdate(update: MailboxUpdate, enabled: ReadonlySet<string>): string {
  switch (update.kind) {
    case 'flags': {
      // None permanent when read-only; `\*`: the client may define new keywords.
      const flags = mailboxFlags(update.keywords);
      const permanent = update.readOnly ? codes.permanentFlags([], false) : codes.permanentFlags(flags, true);
      return flagsResponse(flags) + untaggedStatus('OK', permanent, 'Ok');
    }
    case 'exists':
      return existsResponse(update.count);
    case 'recent':
      return recentResponse(update.count);
    case 'expunge':
      return enabled.has('QRESYNC') ? vanishedResponse([update.uid], false) : expungeResponse(update.seq);
    case 'vanished':
      return update.uids.length === 0 ? '' : vanishedResponse(update.uids, update.earlier);
    case 'flagChange': {
      const modseq = enabled.has('CONDSTORE') || enabled.has('QRESYNC') ? update.modseq : undefined;
      return fetchFlagsResponse(update.seq, update.uid, update.flags, modseq);
    }
    case 'gone':
      return '';
    case 'searchContext':
      return contextUpdateResponse(update.tag, update.uid, update.change, update.pairs);
  }
}
