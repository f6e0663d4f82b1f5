/**
 * What the client must be told about its selected mailbox, as typed events: SELECT, STORE and the
 * sync after each command produce them, and `renderUpdate` alone turns them into untagged responses
 * (so an extension such as QRESYNC can render an expunge as VANISHED without touching the sync).
 */
import { codes, untaggedStatus } from '../wire/serialize/response.js';
import { existsResponse, expungeResponse, fetchFlagsResponse, flagsResponse, recentResponse } from '../wire/serialize/lists.js';

export type MailboxUpdate =
  /** The mailbox's flags changed (new keywords): FLAGS and PERMANENTFLAGS again. */
  | { kind: 'flags'; keywords: readonly string[]; readOnly: boolean }
  | { kind: 'exists'; count: number }
  | { kind: 'recent'; count: number }
  /** A message left the view; `seq` is its number just before it left. */
  | { kind: 'expunge'; seq: number; uid: number }
  /** A message's flags as the client sees them now, at `modseq`. */
  | { kind: 'flagChange'; seq: number; uid: number; flags: readonly string[]; modseq: number }
  /** The mailbox was deleted or renamed (or its UIDVALIDITY changed) under the session. */
  | { kind: 'gone' };

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
      return expungeResponse(update.seq);
    case 'flagChange': {
      const modseq = enabled.has('CONDSTORE') || enabled.has('QRESYNC') ? update.modseq : undefined;
      return fetchFlagsResponse(update.seq, update.uid, update.flags, modseq);
    }
    case 'gone':
      return '';
  }
}
