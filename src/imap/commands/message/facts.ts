/**
 * Per-message index data (flags, internal date, size) for many messages at once, in as few store
 * calls as possible: one snapshot of the whole mailbox when many messages are asked for, one
 * `records` call for a few. Messages the store no longer has (expunged by another session, not yet
 * announced to this one) have no facts.
 */
import type { Mailbox, MailboxSnapshot } from '../../../mailbox/index.js';
import { lowerBound } from '../../../common/index.js';

export interface MessageFacts {
  uid: number;
  flags: string[];
  /** Milliseconds since the epoch. */
  internalDate: number;
  size: number;
  modseq: number;
}

/** Above this many messages one snapshot of the whole mailbox beats a lookup per message. */
const SNAPSHOT_FROM = 64;
/**
 * A mailbox of fewer messages (the size the process keeps the snapshot columns of, small mailboxes
 * included: mailbox/snapshot-cache.ts) answers even a few messages from one snapshot: the columns
 * kept since SELECT (or patched from the few records changed since) cost less than reading each
 * record and making its flag list (FETCH 1:10 (UID FLAGS ...) under imap-load).
 */
const SMALL_MAILBOX = 1000;

export class MessageFactsSource {
  private overrides: Map<number, { flags: string[]; modseq: number }> | null = null;
  /**
   * The facts came from the columns of a mailbox that saw no commit since the session's last sync
   * (Mailbox.quietSnapshot). When false the index changed: other reads of this command need not
   * look for such quiet again (a change-marks read each).
   */
  quiet = false;

  private constructor(
    private readonly uids: ArrayLike<number>,
    private readonly snapshot: MailboxSnapshot | null,
    /** Snapshot position of uids[i], or -1; null with a snapshot: position `base + i` (see load). */
    private readonly positions: Int32Array | null,
    private readonly byUid: Map<number, MessageFacts> | null,
    private readonly base = 0,
  ) {}

  /** Snapshot position of the i-th requested UID, or -1. */
  private at(i: number): number {
    const positions = this.positions;
    return positions !== null ? positions[i]! : this.base + i;
  }

  /**
   * Facts for `uids` (ascending), with \Seen as `userid` sees it. Without `withSeen` a few
   * messages' flags may lack the user's \Seen (the caller reads no flags: FETCH n (BODY.PEEK[]))
   * and the user's seen state is not read. `mailboxCount`: the messages of the selected mailbox
   * (a small one is answered from a snapshot, see SMALL_MAILBOX). `viewModseq`: the highest modseq
   * the session's view of the mailbox is synced to; while no commit came since, a small mailbox's
   * columns kept by the process answer without a read transaction (Mailbox.quietSnapshot).
   */
  static load(mailbox: Mailbox, uids: ArrayLike<number>, userid: string, withSeen = true, mailboxCount = Infinity, viewModseq: number | null = null): MessageFactsSource {
    const many = uids.length >= SNAPSHOT_FROM || (uids.length > 1 && mailboxCount < SMALL_MAILBOX);
    const quiet = viewModseq !== null && (many || mailboxCount < SMALL_MAILBOX) ? mailbox.quietSnapshot(userid, viewModseq) : null;
    if (many || quiet !== null) {
      const snapshot = quiet ?? mailbox.snapshot(userid);
      // FETCH 1:* of a view still at the snapshot's state: `uids` is a part of the snapshot's own
      // UID column (the selection shares it), so uids[i] sits at position base + i and no position
      // needs looking up (the loop below held the first FETCH 1:* of a 100,000-message mailbox 7 ms
      // in one turn, unoptimised: fairness-turns, cold).
      const base = positionInColumn(uids, snapshot.uids, snapshot.count);
      if (base >= 0) {
        const source = new MessageFactsSource(uids, snapshot, null, null, base);
        source.quiet = quiet !== null;
        return source;
      }
      const positions = new Int32Array(uids.length);
      // Locals, not the snapshot's getters, in a loop that runs 100,000 times in one turn.
      const count = snapshot.count;
      const have = snapshot.uids;
      const n = uids.length;
      let p = 0;
      for (let i = 0; i < n; i++) {
        const uid = uids[i]!;
        // Usually the next position (FETCH 1:*): a binary search only on a gap.
        if (p < count && have[p]! < uid) p = p + 1 < count && have[p + 1]! >= uid ? p + 1 : lowerBound(have, uid);
        positions[i] = p < count && have[p] === uid ? p : -1;
      }
      const source = new MessageFactsSource(uids, snapshot, positions, null);
      source.quiet = quiet !== null;
      return source;
    }
    const byUid = new Map<number, MessageFacts>();
    for (const r of mailbox.records(Array.from(uids), withSeen ? userid : null)) {
      byUid.set(r.uid, { uid: r.uid, flags: r.flags, internalDate: r.internalDate.getTime(), size: r.size, modseq: r.modseq });
    }
    return new MessageFactsSource(uids, null, null, byUid);
  }

  /**
   * The mailbox as the snapshot of these facts read it from its index (uniqueid, UIDVALIDITY), or
   * null when they came from records: cached forms kept for it answer without a transaction.
   */
  knownMailbox(mailbox: Mailbox): { uniqueId: string; uidValidity: number } | null {
    return this.snapshot === null ? null : { uniqueId: mailbox.uniqueId, uidValidity: this.snapshot.uidValidity };
  }

  /** Facts of the i-th requested UID, or null when the store no longer has the message. */
  get(i: number): MessageFacts | null {
    const uid = this.uids[i]!;
    let facts: MessageFacts | null;
    if (this.snapshot !== null) {
      const p = this.at(i);
      if (p < 0) return null;
      const s = this.snapshot;
      facts = { uid, flags: s.flags(p), internalDate: s.internalDates[p]!, size: s.sizes[p]!, modseq: s.modseqs[p]! };
    } else {
      facts = this.byUid!.get(uid) ?? null;
    }
    const override = this.overrides?.get(uid);
    if (facts !== null && override !== undefined) {
      facts.flags = override.flags;
      facts.modseq = override.modseq;
    }
    return facts;
  }

  /** Whether the store still has the i-th requested message (the accessors below need it). */
  has(i: number): boolean {
    return this.snapshot !== null ? this.at(i) >= 0 : this.byUid!.has(this.uids[i]!);
  }

  uidOf(i: number): number {
    return this.uids[i]!;
  }

  /** Flags of the i-th message (shared: do not modify); the accessors make no facts object. */
  flagsOf(i: number): string[] {
    const override = this.overrides?.get(this.uids[i]!);
    if (override !== undefined) return override.flags;
    return this.snapshot !== null ? this.snapshot.flags(this.at(i)) : this.byUid!.get(this.uids[i]!)!.flags;
  }

  /**
   * The i-th message's system flag bits (\Seen as the user sees it) when they are all its flags: no
   * keywords, a snapshot position and no change since loading; else -1.
   */
  plainFlagBitsOf(i: number): number {
    if (this.snapshot === null || (this.overrides !== null && this.overrides.has(this.uids[i]!))) return -1;
    const p = this.at(i);
    if (p < 0) return -1;
    const keywords = this.snapshot.keywords[p];
    return keywords !== undefined && keywords.length > 0 ? -1 : this.snapshot.systemFlags[p]!;
  }

  /**
   * The i-th message's system flag bits and keywords as one text (equal texts: equal flag lists), or
   * null when it has no keywords, no snapshot position or flags changed since loading.
   */
  keywordKeyOf(i: number): string | null {
    if (this.snapshot === null || this.overrides?.has(this.uids[i]!)) return null;
    const p = this.at(i);
    const keywords = p < 0 ? undefined : this.snapshot.keywords[p];
    if (keywords === undefined || keywords.length === 0) return null;
    return `${this.snapshot.systemFlags[p]!} ${keywords.join(' ')}`;
  }

  modseqOf(i: number): number {
    const override = this.overrides?.get(this.uids[i]!);
    if (override !== undefined) return override.modseq;
    return this.snapshot !== null ? this.snapshot.modseqs[this.at(i)]! : this.byUid!.get(this.uids[i]!)!.modseq;
  }

  internalDateOf(i: number): number {
    return this.snapshot !== null ? this.snapshot.internalDates[this.at(i)]! : this.byUid!.get(this.uids[i]!)!.internalDate;
  }

  sizeOf(i: number): number {
    return this.snapshot !== null ? this.snapshot.sizes[this.at(i)]! : this.byUid!.get(this.uids[i]!)!.size;
  }

  /** Flags changed since loading (this session's own STORE or implicit \Seen). */
  override(uid: number, flags: string[], modseq: number): void {
    (this.overrides ??= new Map()).set(uid, { flags, modseq });
  }
}

/**
 * Where `uids` starts in `column` when it is a view of the same memory lying wholly within the
 * column's first `count` entries (then uids[i] is column[start + i]), else -1.
 */
export function positionInColumn(uids: ArrayLike<number>, column: ArrayLike<number>, count: number): number {
  if (!(uids instanceof Uint32Array) || !(column instanceof Uint32Array) || uids.buffer !== column.buffer) return -1;
  const bytes = uids.byteOffset - column.byteOffset;
  if (bytes < 0 || bytes % Uint32Array.BYTES_PER_ELEMENT !== 0) return -1;
  const start = bytes / Uint32Array.BYTES_PER_ELEMENT;
  return start + uids.length <= count ? start : -1;
}
