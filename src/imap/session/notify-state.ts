/**
 * What NOTIFY (RFC 5465) asked for and what the client has been told since, per session. The
 * session queues the names the change hub reports (any process, see ImapServer.mailboxChanged)
 * and hands them to src/imap/commands/notify-deliver.ts between commands, or during IDLE.
 */
import type { FetchItem } from '../wire/parse/types.js';
import type { SelectedMailbox } from './selected.js';

/** A NOTIFY SET group with its mailboxes resolved to internal names. */
export interface NotifyWatch {
  kind: 'selected' | 'selected-delayed' | 'personal' | 'inboxes' | 'subscribed' | 'subtree' | 'mailboxes';
  /** Internal names of SUBTREE / MAILBOXES; empty otherwise. */
  mailboxes: string[];
  events: ReadonlySet<string>;
  fetch: FetchItem[] | null;
}

/** The STATUS values last told about a mailbox that is not selected. */
export interface ToldStatus {
  messages: number;
  uidNext: number;
  uidValidity: number;
  highestModseq: number;
}

/** More mailboxes waiting to be told about than this: NOTIFICATIONOVERFLOW (RFC 5465 5.8). */
export const MAX_PENDING_NOTIFICATIONS = 1000;

export class NotifyState {
  /** The NOTIFY SET groups; null before NOTIFY or after NOTIFY NONE (or an overflow). */
  watches: NotifyWatch[] | null = null;
  readonly told = new Map<string, ToldStatus>();
  /**
   * Mailboxes the client knows to exist, with their uniqueid (MailboxName: a name that goes away
   * and one that appears with the same uniqueid are a rename), and to be subscribed (SubscriptionChange).
   */
  readonly existing = new Map<string, string>();
  readonly subscribed = new Set<string>();
  /** The selection whose new messages were last fetched for MessageNew, and the last UID fetched. */
  fetchedFor: SelectedMailbox | null = null;
  fetchedUpTo = 0;
  private readonly pending = new Set<string>();

  get active(): boolean {
    return this.watches !== null;
  }

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** Start over with `watches` (NOTIFY SET) or nothing (NOTIFY NONE). */
  reset(watches: NotifyWatch[] | null): void {
    this.watches = watches;
    this.told.clear();
    this.existing.clear();
    this.subscribed.clear();
    this.pending.clear();
    this.fetchedFor = null;
    this.fetchedUpTo = 0;
  }

  /** Queue a changed mailbox; false when the queue overflowed (the caller then says NOTIFICATIONOVERFLOW). */
  queue(name: string): boolean {
    if (!this.active) return true;
    this.pending.add(name);
    if (this.pending.size <= MAX_PENDING_NOTIFICATIONS) return true;
    this.reset(null);
    return false;
  }

  /** The queued names, emptying the queue. */
  take(): string[] {
    const names = [...this.pending];
    this.pending.clear();
    return names;
  }
}
