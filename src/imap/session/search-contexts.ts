/**
 * The searches whose results the client asked to keep up to date (RETURN (UPDATE), RFC 5267),
 * one per tag, held by the selected mailbox: they end with the selection or with CANCELUPDATE.
 * What is kept is the search program and the results last told, enough to work out ADDTO and
 * REMOVEFROM when the mailbox changes (src/imap/commands/message/context.ts).
 */
import type { FetchItem, SearchKey, SortCriterion } from '../wire/parse/types.js';

export interface SearchContext {
  /** The tag of the searching command: the client's name for the context. */
  readonly tag: string;
  /** Results as UIDs (UID SEARCH / UID SORT) or as message numbers. */
  readonly byUid: boolean;
  readonly criteria: SearchKey;
  /** The SORT order; null for a SEARCH context (results in mailbox order). */
  readonly sort: readonly SortCriterion[] | null;
  /** The matching messages' UIDs in the requested order, as the client was last told. */
  uids: number[];
  /** The mailbox's modseq when `uids` were worked out: nothing to do until it moves. */
  modseq: number;
  /** UPDATE's fetch attributes (RFC 5465 section 7), or null. */
  readonly fetch: FetchItem[] | null;
  /** The highest UID in the view when `uids` were worked out: above it, members are new messages. */
  lastUid: number;
  /** New messages that joined and still await their FETCH. */
  toFetch: number[];
}

/** At most this many contexts are updated at once; more get `NO [NOUPDATE]` (RFC 5267 4.3.1). */
export const MAX_SEARCH_CONTEXTS = 16;
