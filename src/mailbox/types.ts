/** Public shapes of the mailbox API. */
import type { AppendFacts } from '../common/append-facts.js';
import type { Logger } from '../common/log.js';
import type { MessageSummary } from '../message/index.js';
import type { UidRanges } from './seqset.js';
import type { StoredAnnotation } from './annotations.js';

/** One message's index record as callers see it (flags include \Seen for the asking user). */
export interface MessageRecord {
  uid: number;
  modseq: number;
  flags: string[];
  internalDate: Date;
  saveDate: Date;
  size: number;
  /** SHA-1 hex of the stored bytes. */
  guid: string;
}

export interface AppendItem {
  /** The message; bare LF / CR become CRLF before it is stored. Give this or linkFrom. */
  content?: Buffer;
  /**
   * An already-stored message file (CRLF, e.g. another mailbox's "<uid>." or an LMTP spool file)
   * to hard-link instead of writing again; copied when on another device. Its summary, guid and
   * size are computed from the file unless given.
   */
  linkFrom?: { path: string; summary?: MessageSummary; guid?: string; size?: number };
  flags?: readonly string[];
  internalDate?: Date;
  /**
   * Annotations the new message starts with (RFC 5257): userid '' shared, else that user's private
   * value. COPY carries the source's this way; APPEND ... ANNOTATION (3.5) gives the client's. Checked
   * as Mailbox.setAnnotations checks them (annotations.ts), in the append's transaction.
   */
  annotations?: readonly StoredAnnotation[];
}

export interface AppendOptions {
  /** Whose \Seen a "\Seen" flag sets (ignored for sharedseen mailboxes). */
  userid?: string | null;
  /** How the quota charge is checked (default strict; see QuotaMode in src/store/quotas.ts). */
  quota?: MailboxQuotaMode;
  /**
   * Take \Recent for the caller in the append's own transaction (as claimRecent() would right
   * after it): an IMAP session appending to the mailbox it has selected read-write. The result's
   * `recent` lists the UIDs taken: the new messages and any others no session had claimed yet.
   */
  claimRecent?: boolean;
}

/** strict: refuse what would exceed; delivery: refuse only when already over; ignore: never refuse. */
export type MailboxQuotaMode = 'strict' | 'delivery' | 'ignore';

/** The store's quota, as a Mailbox charges it (inside its index write lock). */
export interface MailboxQuota {
  /** Charge (negative: release) the mailbox's quota root; throws MailError OverQuota under `mode`. */
  charge(mailbox: string, delta: { storage: number; messages: number }, mode: MailboxQuotaMode): unknown;
  /** Whether two mailboxes are charged to the same quota root (MOVE between them never fails on quota). */
  sameRoot(a: string, b: string): boolean;
}

export interface AppendResult {
  uidValidity: number;
  uids: number[];
  /** With `claimRecent`: the UIDs now \Recent for the caller alone (every UID up to the last appended is claimed). */
  recent?: number[];
}

export type FlagMode = 'add' | 'remove' | 'replace';

export interface SetFlagsOptions {
  userid?: string | null;
  /** CONDSTORE UNCHANGEDSINCE: records with a greater modseq are left alone and reported. */
  unchangedSince?: number;
}

export interface FlagChangeResult {
  /** Records whose flags changed, with their new modseq and flags. */
  changed: MessageRecord[];
  /** UIDs refused by unchangedSince (RFC 7162 MODIFIED). */
  failed: number[];
  highestModseq: number;
}

export interface MailboxStatus {
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
  /**
   * The highest modseq of any expunged record forgotten (cyr_expire -E), 0 when none was: UIDs
   * expunged at or below it may be missing from changesSince (QRESYNC must not claim a full
   * VANISHED list from a modseq below it). Cyrus keeps it as deletedmodseq in the index header.
   */
  deletedModseq: number;
  messages: number;
  /** Messages above the last claimed recent uid. */
  recent: number;
  /** Messages the user has not seen (only when a userid was given). */
  unseen: number | null;
  /** Messages flagged \\Deleted (only when asked with { deleted: true }). */
  deleted: number | null;
  /** Total bytes of the messages. */
  size: number;
}

export interface StatusOptions {
  /** Also count the \\Deleted messages (an indexed count). */
  deleted?: boolean;
}

export interface Changes {
  highestModseq: number;
  uidNext: number;
  /** New or changed records (modseq > the given one), in UID order. */
  records: MessageRecord[];
  /** UIDs expunged with a modseq above the given one, ascending. */
  expunged: number[];
}

export interface CopyResult {
  uidValidity: number;
  sourceUids: number[];
  targetUids: number[];
}

export interface MoveResult extends CopyResult {
  /** The source UIDs actually expunged (ascending); a subset of sourceUids. */
  expunged: number[];
}

export interface ExpungeOptions {
  /** Only these UIDs (UID EXPUNGE; required with force). */
  uids?: readonly number[];
  /** Expunge the given UIDs whether \Deleted or not (MOVE). */
  force?: boolean;
}

/** Each user's \Seen UIDs per mailbox (kept by the store in seen.db), as a Mailbox reads and changes them. */
export interface SeenState {
  seen(userid: string, uniqueId: string): UidRanges;
  /**
   * As seen(), with a big row parsed a piece at a time and `pause()` between pieces (the ranges are
   * then remembered, so the seen() that follows returns them without parsing).
   */
  seenInSlices?(userid: string, uniqueId: string, pause: () => Promise<void>): Promise<UidRanges>;
  /**
   * Add and remove UIDs; returns the ranges after the change. With `syncLater`, the commit does
   * not wait for the disk: the files to fsync before the change counts as durable are pushed there
   * (the append's group commit syncs them with its own).
   */
  update(userid: string, uniqueId: string, add: readonly number[], remove: readonly number[], opts?: { syncLater?: string[] }): UidRanges;
  /** Set a user's seen UIDs to exactly `uids` (ascending); none removes the row. */
  replace(userid: string, uniqueId: string, uids: readonly number[]): void;
  /** Remove a user's row of one mailbox. */
  forget(userid: string, uniqueId: string): void;
}

/** What a Mailbox needs from the store that opened it. */
export interface MailboxContext {
  durable: boolean;
  expungeImmediately: boolean;
  maxMessageSize: number;
  /** The most messages this mailbox may hold (mailbox_maxmessages_user for users' mailboxes); 0: no limit. */
  messageLimit(name: string): number;
  seen: SeenState;
  logger: Logger;
  summarize(content: Buffer): MessageSummary;
  /** After a committed change: notifier and in-process listeners (with what an append did, when it was one). */
  changed(name: string, facts?: AppendFacts): void;
  /** New keywords were defined: rewrite cyrus.header. */
  keywordsDefined(name: string): void;
  /** The last holder closed the handle: the store keeps it idle for a while or closes its index. */
  release(name: string): void;
  /** Quota charges of appends and expunges; none when absent. */
  quota?: MailboxQuota;
  /** search_engine is not none: appends index their header and body text for SEARCH (FTS5). */
  searchIndex?: boolean;
}
