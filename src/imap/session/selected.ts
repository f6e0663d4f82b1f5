/**
 * A session's view of its selected mailbox: the sequence-number ↔ UID map, the session's own
 * \Recent messages (claimed by SELECT, only looked at by EXAMINE), and the modseq it has told the
 * client about. `sync` turns what changed in the store since then into typed updates (exists,
 * recent, expunge, flag changes; see updates.ts), holding expunges back while the current command
 * forbids them (RFC 3501 section 7.4.1).
 */
import { MailError, giveTurn, type AppendFacts } from '../../common/index.js';
import type { Mailbox, MailboxStatus, MessageRecord } from '../../mailbox/index.js';
import type { MailboxUpdate } from './updates.js';
import type { SearchContext } from './search-contexts.js';
import { prepareSequenceNumbers, sequenceNumbersReady } from './sequence-numbers.js';
import { lowerBound } from '../../common/index.js';

interface SyncOptions {
  /** EXPUNGE responses may be sent now (false during FETCH, STORE and SEARCH by sequence number). */
  allowExpunge: boolean;
  /**
   * New messages: their EXISTS now, the \Recent claim (a write transaction) and its RECENT left to
   * `claimRecent()`, so that the EXISTS goes out without waiting for the write lock (IDLE push).
   */
  deferRecent?: boolean;
}

const NONE: ReadonlySet<number> = new Set();
/** The sync's answer when nothing changed (shared: nobody adds to it). */
const NO_UPDATES: MailboxUpdate[] = Object.freeze([]) as unknown as MailboxUpdate[];
/** Tries of the \\Recent write lock without waiting, a millisecond apart, before a claim that waits for it. */
const CLAIM_TRIES = 200;

/** A selected mailbox's view, carried to another process with its session (SelectedMailbox.carry). */
export interface CarriedView {
  /** Internal name, and the mailbox's uniqueid (a mailbox made again under the name is another one). */
  name: string;
  uniqueId: string;
  externalName: string;
  readOnly: boolean;
  /** The UID of each sequence number: a Uint32Array's bytes, base64. */
  uids: string;
  knownModseq: number;
  uidNextSeen: number;
  recent: number[];
  recentSpan: { lo: number; hi: number; count: number } | null;
  claimedUpTo: number;
  own: Array<[number, number]>;
  keywords: string[];
  told: string[];
  uidValidity: number;
  uidNext: number;
}

export class SelectedMailbox {
  /**
   * uids[seq - 1] is the UID of sequence number seq. At selection this is the snapshot's own UID
   * column, shared with every session that selected the same state of the mailbox (the process
   * keeps one snapshot per big mailbox): no copy per session. The first new message or expunge
   * gives the session its own copy (`ownUids`, with room to grow).
   */
  private uids: Uint32Array;
  /** The buffer this session owns behind `uids` (null while `uids` is shared). */
  private ownUids: Uint32Array | null = null;
  /** \Recent held by this session; the shared empty set until there is one (most sessions have none). */
  private recent: ReadonlySet<number> = NONE;
  /**
   * A big claim of \Recent (RECENT_SPAN_FROM messages or more: the first SELECT after many
   * deliveries) kept as its UID span and how many of its messages are left, not as a Set: every
   * message of the mailbox in the span was claimed (recentSpanOf). Disjoint from `recent`.
   */
  private recentSpan: { lo: number; hi: number; count: number } | null = null;
  /** A sync with deferRecent saw new messages and left their \\Recent claim to claimRecent(). */
  private recentDue = false;
  /** Every UID up to this one was claimed for \\Recent by this session's own APPEND (noteRecentClaimed). */
  private claimedUpTo = 0;
  private closed = false;
  /** UIDs expunged in the store but still numbered for this client, until EXPUNGE may be sent. */
  private pendingExpunge: ReadonlySet<number> = NONE;
  /** Flag changes this session made itself and already reported (uid → modseq); null: none. */
  private ownChanges: Map<number, number> | null = null;
  /** Keywords (lower case) the client was told about in FLAGS. */
  private readonly keywordsTold = new Set<string>();
  private knownModseq: number;
  private uidNextSeen: number;
  /** Set when the mailbox was renamed or deleted under the session. */
  gone = false;
  /** Searches kept up to date for the client (RFC 5267), by tag; they end with this selection. */
  readonly searchContexts = new Map<string, SearchContext>();
  /** At selection: the first unseen message's sequence number (0: none), keywords in use, UIDVALIDITY, UIDNEXT. */
  firstUnseen = 0;
  keywords: string[] = [];
  uidValidity = 0;
  uidNext = 0;

  private constructor(
    readonly mailbox: Mailbox,
    /** The external name the client selected, for responses. */
    readonly externalName: string,
    readonly readOnly: boolean,
    private readonly userid: string,
    uids: Uint32Array,
    highestModseq: number,
    uidNext: number,
  ) {
    this.uids = uids;
    this.knownModseq = highestModseq;
    this.uidNextSeen = uidNext;
  }

  /**
   * Take a snapshot of `mailbox` for `userid`; a read-write selection claims the \Recent messages.
   * A big mailbox's columns are read first in slices, so other sessions are not held up meanwhile.
   */
  static async open(mailbox: Mailbox, externalName: string, readOnly: boolean, userid: string): Promise<SelectedMailbox> {
    // Nothing committed to the index since the process last looked, and its columns kept: the
    // snapshot without a read transaction (SELECT under load, issue 16).
    let snapshot = readOnly ? null : mailbox.quietSnapshot(userid, null);
    const quiet = snapshot !== null;
    let status: MailboxStatus | null = null;
    if (snapshot === null) {
      await mailbox.prepareSnapshot(userid);
      // Read-only: the recent count is read before the snapshot, so the snapshot holds every message it counts.
      status = readOnly ? mailbox.status() : null;
      snapshot = mailbox.snapshot(userid);
    }
    // Plain loops: on 100,000 messages Array.from, push and a fresh [] per message cost several ms.
    const n = snapshot.count;
    const selected = new SelectedMailbox(mailbox, externalName, readOnly, userid, snapshot.uids.subarray(0, n), snapshot.highestModseq, snapshot.uidNext);
    // A big mailbox read just now (not the quiet columns): the snapshot, the \Recent claim and the
    // walks below each on a turn of their own. Taking the snapshot and claiming \Recent, then walking
    // 100,000 messages for the first unseen and the keywords in use, held the loop 10-15 ms in one
    // turn in a fresh process (fairness-turns, cold); after one append from another process the
    // snapshot's patch (0.7-2 ms), the claim's write (0.2-1.2 ms) and the failed quiet look before
    // them still held one turn 5-7 ms on the loaded machine. A claim made a turn later is still
    // bounded by the view's last UID: a message appended meanwhile is claimed by the sync that numbers it.
    const apart = !quiet && n >= WALK_APART_FROM;
    if (apart && !status) await giveTurn();
    if (status) selected.peekRecent(status.recent, status.uidNext);
    else selected.addRecent(mailbox.claimRecent({ upTo: selected.lastUid }));
    if (apart) await giveTurn();
    for (let i = 0; i < n; i++) {
      if (snapshot.isSeen(i)) continue;
      selected.firstUnseen = i + 1;
      break;
    }
    selected.keywords = keywordsInUse(snapshot.keywords, n);
    for (const k of selected.keywords) selected.keywordsTold.add(k.toLowerCase());
    selected.uidValidity = snapshot.uidValidity;
    selected.uidNext = snapshot.uidNext;
    // The sequence numbers of a big mailbox's FETCH 1:*, counted ahead a block per turn.
    if (n >= WALK_APART_FROM && !sequenceNumbersReady(n)) await prepareSequenceNumbers(n);
    return selected;
  }

  /**
   * The view as another process needs it to go on where this one stops (a session moved to its
   * user's home worker after its login), or null when it is not at rest: expunges held back, a
   * \Recent claim left to make, searches kept up to date (RFC 5267), or the mailbox gone.
   */
  carry(): CarriedView | null {
    if (this.gone || this.closed || this.recentDue || this.pendingExpunge.size > 0 || this.searchContexts.size > 0) return null;
    const uids = Buffer.from(this.uids.buffer, this.uids.byteOffset, this.uids.byteLength).toString('base64');
    return {
      name: this.mailbox.name, uniqueId: this.mailbox.uniqueId, externalName: this.externalName, readOnly: this.readOnly, uids, knownModseq: this.knownModseq, uidNextSeen: this.uidNextSeen,
      recent: [...this.recent], recentSpan: this.recentSpan === null ? null : { ...this.recentSpan }, claimedUpTo: this.claimedUpTo,
      own: this.ownChanges === null ? [] : [...this.ownChanges], keywords: [...this.keywords], told: [...this.keywordsTold], uidValidity: this.uidValidity, uidNext: this.uidNext,
    };
  }

  /**
   * The view another process carried here (carry), on `mailbox` opened in this one: nothing is read
   * now, and the next sync tells the client what changed since the view, as the other process would have.
   */
  static resume(mailbox: Mailbox, view: CarriedView, userid: string): SelectedMailbox {
    const bytes = new Uint8Array(Buffer.from(view.uids, 'base64'));
    const uids = new Uint32Array(bytes.buffer, 0, bytes.byteLength >> 2);
    const selected = new SelectedMailbox(mailbox, view.externalName, view.readOnly, userid, uids, view.knownModseq, view.uidNextSeen);
    selected.ownUids = uids;
    if (view.recent.length > 0) selected.recent = new Set(view.recent);
    selected.recentSpan = view.recentSpan;
    selected.claimedUpTo = view.claimedUpTo;
    if (view.own.length > 0) selected.ownChanges = new Map(view.own);
    selected.keywords = [...view.keywords];
    for (const k of view.told) selected.keywordsTold.add(k);
    selected.uidValidity = view.uidValidity;
    selected.uidNext = view.uidNext;
    return selected;
  }

  get name(): string {
    return this.mailbox.name;
  }

  get count(): number {
    return this.uids.length;
  }

  /**
   * The last UID the view numbers (0: none). Every \Recent claim stops there: a message committed
   * after the view's last read is claimed by the sync that numbers it, so RECENT never counts a
   * message the client was not told of by EXISTS (an unbounded claim after an IDLE push said
   * `* 3 RECENT` after `* 2 EXISTS` when a third append landed between the read and the claim).
   */
  get lastUid(): number {
    return this.uids.length > 0 ? this.uids[this.uids.length - 1]! : 0;
  }

  get recentCount(): number {
    return this.recent.size + (this.recentSpan?.count ?? 0);
  }

  get highestModseq(): number {
    return this.knownModseq;
  }

  /** The UID of 1-based sequence number `seq`. */
  uidAt(seq: number): number {
    return this.uids[seq - 1]!;
  }

  /** All UIDs in sequence order (do not modify). */
  allUids(): Uint32Array {
    return this.uids;
  }

  /** 1-based sequence number of `uid`, or 0 when it is not in the view. */
  seqOf(uid: number): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const u = this.uids[mid]!;
      if (u < uid) lo = mid + 1;
      else if (u > uid) hi = mid - 1;
      else return mid + 1;
    }
    return 0;
  }

  isRecent(uid: number): boolean {
    const span = this.recentSpan;
    return (span !== null && uid >= span.lo && uid <= span.hi) || this.recent.has(uid);
  }

  /** True when the message is numbered for the client but already expunged in the store. */
  isExpunged(uid: number): boolean {
    return this.pendingExpunge.has(uid);
  }

  /** Flags as the client sees them: the record's flags plus \Recent when this session holds it. */
  flagsOf(record: MessageRecord): string[] {
    return this.isRecent(record.uid) ? [...record.flags, '\\Recent'] : record.flags;
  }

  /**
   * A `flags` update (FLAGS and PERMANENTFLAGS again) when `records` carry keywords the client has
   * not been told about (a STORE or APPEND defined new ones), as Cyrus does; none otherwise.
   */
  keywordUpdates(records: readonly MessageRecord[]): MailboxUpdate[] {
    let added = false;
    for (const record of records) {
      for (const flag of record.flags) {
        if (flag.startsWith('\\') || this.keywordsTold.has(flag.toLowerCase())) continue;
        this.keywordsTold.add(flag.toLowerCase());
        this.keywords.push(flag);
        added = true;
      }
    }
    return added ? [this.flagsUpdate()] : [];
  }

  /** The mailbox's flags as the client was last told them. */
  flagsUpdate(): MailboxUpdate {
    return { kind: 'flags', keywords: [...this.keywords], readOnly: this.readOnly };
  }

  /** The flag change of `record` as this client sees it (0 as seq: not in the view). */
  flagChange(record: MessageRecord): MailboxUpdate & { kind: 'flagChange' } {
    return { kind: 'flagChange', seq: this.seqOf(record.uid), uid: record.uid, flags: this.flagsOf(record), modseq: record.modseq };
  }

  /**
   * This session's APPEND into this mailbox took \Recent in its own transaction (AppendResult
   * `recent`): those UIDs are the session's, and nothing up to `upTo` (its last UID) is left to
   * claim, so the sync that numbers the new messages makes no claim of its own.
   */
  noteRecentClaimed(uids: readonly number[], upTo: number): void {
    if (this.readOnly) return;
    this.addRecent(uids);
    if (upTo > this.claimedUpTo) this.claimedUpTo = upTo;
  }

  /** Remember flag changes this session made and reported itself, so sync does not repeat them. */
  noteOwnChanges(records: readonly MessageRecord[]): void {
    if (records.length === 0) return;
    this.ownChanges ??= new Map();
    for (const r of records) this.ownChanges.set(r.uid, r.modseq);
  }

  /**
   * Bring the view up to date with the store and return the updates to tell the client, in order;
   * a mailbox deleted or renamed under the session gives one `gone` update (and nothing after it).
   */
  sync(options: SyncOptions): MailboxUpdate[] {
    if (this.gone) return [];
    try {
      return this.catchUp(options);
    } catch (err) {
      if (!(err instanceof MailError && err.kind === 'NotFound')) throw err;
      this.gone = true;
      return [{ kind: 'gone' }];
    }
  }

  private catchUp(options: SyncOptions): MailboxUpdate[] {
    const changes = this.mailbox.changesSince(this.knownModseq, this.userid);
    // Nothing changed and nothing held back (most NOOPs): no arrays to build.
    if (changes.records.length === 0 && changes.expunged.length === 0 && this.pendingExpunge.size === 0 && changes.uidNext <= this.uidNextSeen) {
      this.ownChanges = null;
      if (changes.highestModseq > this.knownModseq) this.knownModseq = changes.highestModseq;
      return NO_UPDATES;
    }
    const out: MailboxUpdate[] = [];
    for (const uid of changes.expunged) {
      if (this.seqOf(uid) === 0) continue;
      if (this.pendingExpunge === NONE) this.pendingExpunge = new Set();
      (this.pendingExpunge as Set<number>).add(uid);
    }
    if (options.allowExpunge && this.pendingExpunge.size > 0) out.push(...this.flushExpunges());

    out.push(...this.keywordUpdates(changes.records.filter((r) => !this.pendingExpunge.has(r.uid))));
    const lastUid = this.uids.length > 0 ? this.uids[this.uids.length - 1]! : 0;
    const added: number[] = [];
    for (const record of changes.records) {
      if (record.uid > lastUid) {
        added.push(record.uid);
        continue;
      }
      const seq = this.seqOf(record.uid);
      if (seq === 0 || this.pendingExpunge.has(record.uid)) continue;
      const own = this.ownChanges?.get(record.uid);
      if (own !== undefined && own >= record.modseq) continue;
      out.push({ kind: 'flagChange', seq, uid: record.uid, flags: this.flagsOf(record), modseq: record.modseq });
    }
    this.ownChanges = null;
    if (added.length > 0) this.appendUids(added);
    if (added.length > 0 || changes.uidNext > this.uidNextSeen) {
      if (!this.readOnly) {
        // This session's APPEND took \Recent in its own transaction: no claim left to make.
        if (changes.uidNext - 1 <= this.claimedUpTo) this.recentDue = false;
        else if (options.deferRecent) this.recentDue = true;
        else {
          this.addRecent(this.mailbox.claimRecent({ upTo: this.lastUid }));
          this.recentDue = false;
        }
      } else {
        // Counted after the changes were read: when more arrived in between, the next sync marks them all.
        const status = this.mailbox.status();
        if (status.uidNext === changes.uidNext) this.peekRecent(status.recent, status.uidNext);
      }
      out.push({ kind: 'exists', count: this.uids.length });
      if (!this.recentDue) out.push({ kind: 'recent', count: this.recentCount });
    }
    this.uidNextSeen = Math.max(this.uidNextSeen, changes.uidNext);
    this.knownModseq = Math.max(this.knownModseq, changes.highestModseq);
    return out;
  }

  /**
   * The IDLE push of an append another connection committed, from what it did (`facts`, told with
   * the change), without reading the index: when this view is exactly the mailbox as it was just
   * before the append (same mailbox and UIDVALIDITY, synced to the highest modseq before it, no
   * expunge held back), the appended UIDs are numbered after the view's and the view is at the state
   * after it; the updates are EXISTS (and RECENT when this session's own APPEND already took
   * \Recent), the \Recent claim left due. Null otherwise (or when the messages carry keywords the
   * client may not know): the caller syncs from the index as for any change.
   */
  pushAppend(facts: AppendFacts): MailboxUpdate[] | null {
    if (this.gone || this.closed || this.readOnly || facts.keywords) return null;
    if (facts.uniqueId !== this.mailbox.uniqueId || facts.uidValidity !== this.uidValidity) return null;
    if (facts.modseqBefore !== this.knownModseq || facts.firstUid !== this.uidNextSeen || this.pendingExpunge.size > 0) return null;
    const n = this.uids.length;
    if (n > 0 && this.uids[n - 1]! >= facts.firstUid) return null;
    const added: number[] = [];
    for (let uid = facts.firstUid; uid <= facts.lastUid; uid++) added.push(uid);
    this.appendUids(added);
    this.ownChanges = null;
    this.knownModseq = facts.modseqAfter;
    this.uidNextSeen = facts.lastUid + 1;
    this.recentDue = facts.lastUid > this.claimedUpTo;
    const out: MailboxUpdate[] = [{ kind: 'exists', count: this.uids.length }];
    if (!this.recentDue) out.push({ kind: 'recent', count: this.recentCount });
    return out;
  }

  /** Whether a sync with `deferRecent` left a \Recent claim to `claimRecent()`. */
  get recentClaimDue(): boolean {
    return this.recentDue;
  }

  /**
   * The \Recent claim a sync left, when the write lock is free now: its RECENT update (or `gone`),
   * or null when another connection holds the lock (claimRecent() then waits for it).
   */
  tryClaimRecent(): MailboxUpdate[] | null {
    if (!this.recentDue) return [];
    if (this.gone || this.closed) return [];
    let claimed: number[] | null;
    try {
      claimed = this.mailbox.tryClaimRecent({ upTo: this.lastUid });
    } catch (err) {
      if (!(err instanceof MailError && err.kind === 'NotFound')) throw err;
      this.gone = true;
      return [{ kind: 'gone' }];
    }
    if (claimed === null) return null;
    this.recentDue = false;
    this.addRecent(claimed);
    return [{ kind: 'recent', count: this.recentCount }];
  }

  /**
   * The \Recent claim a sync left (deferRecent) and its RECENT update; the write lock is tried
   * without waiting, and while another process holds it the claim waits here, off the event loop,
   * a millisecond at a time (after many tries it waits inside SQLite as an inline claim does).
   */
  async claimRecent(pushed = false): Promise<MailboxUpdate[]> {
    if (!this.recentDue) return [];
    // After pushAppend: there are new messages, so the write lock at once.
    const options = { due: pushed, upTo: this.lastUid };
    for (let attempt = 0; ; attempt++) {
      if (this.gone || this.closed) return [];
      let claimed: number[] | null;
      try {
        claimed = attempt < CLAIM_TRIES ? this.mailbox.tryClaimRecent(options) : this.mailbox.claimRecent(options);
      } catch (err) {
        if (!(err instanceof MailError && err.kind === 'NotFound')) throw err;
        this.gone = true;
        return [{ kind: 'gone' }];
      }
      if (claimed === null) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      this.recentDue = false;
      this.addRecent(claimed);
      return [{ kind: 'recent', count: this.recentCount }];
    }
  }

  /**
   * A read-only view shows \Recent without claiming it, as Cyrus's EXAMINE does: the messages no
   * session has claimed yet are the newest `recent` ones below `uidNext`; a later SELECT still gets them.
   */
  private peekRecent(recent: number, uidNext: number): void {
    let left = recent;
    const peeked: number[] = [];
    for (let i = this.uids.length - 1; i >= 0 && left > 0; i--) {
      const uid = this.uids[i]!;
      if (uid >= uidNext || this.pendingExpunge.has(uid)) continue;
      peeked.push(uid);
      left--;
    }
    this.addRecent(peeked, false);
  }

  /**
   * Hold \Recent for `uids`. `claimed`: they are a claim (ascending, every message of the mailbox
   * above the last claim): a big one is kept as its span when the view holds exactly the claimed
   * messages in it (a message expunged before the claim and still numbered here is not claimed).
   * A Set of 100,000 UIDs took 15 ms in the turn of the first SELECT after a fill (fairness-turns)
   * and was old-generation garbage to mark in every collection while the mailbox stayed selected.
   */
  private addRecent(uids: readonly number[], claimed = true): void {
    if (uids.length === 0) return;
    if (claimed && uids.length >= RECENT_SPAN_FROM && this.recentSpan === null) {
      const span = recentSpanOf(uids, this.uids);
      if (span !== null) {
        this.recentSpan = span;
        return;
      }
    }
    if (this.recent === NONE) this.recent = new Set();
    for (const uid of uids) (this.recent as Set<number>).add(uid);
  }

  /** Number new messages (UIDs above every one in the view, ascending) after the others. */
  private appendUids(added: readonly number[]): void {
    const n = this.uids.length;
    const need = n + added.length;
    if (this.ownUids === null || this.ownUids.length < need) {
      const grown = new Uint32Array(need + (need >> 3) + 8);
      grown.set(this.uids);
      this.ownUids = grown;
    }
    this.ownUids.set(added, n);
    this.uids = this.ownUids.subarray(0, need);
  }

  /** Renumber after expunges and return them, highest number first (which keeps each number valid when sent). */
  private flushExpunges(): MailboxUpdate[] {
    const lines: MailboxUpdate[] = [];
    for (let i = this.uids.length - 1; i >= 0; i--) {
      const uid = this.uids[i]!;
      if (this.pendingExpunge.has(uid)) {
        lines.push({ kind: 'expunge', seq: i + 1, uid });
        if (this.recent !== NONE && (this.recent as Set<number>).delete(uid)) continue;
        const span = this.recentSpan;
        if (span !== null && uid >= span.lo && uid <= span.hi) span.count--;
      }
    }
    // Into a buffer of its own: the shared one is never written.
    const kept = this.ownUids ?? new Uint32Array(this.uids.length);
    let k = 0;
    for (let i = 0; i < this.uids.length; i++) {
      const uid = this.uids[i]!;
      if (!this.pendingExpunge.has(uid)) kept[k++] = uid;
    }
    this.ownUids = kept;
    this.uids = kept.subarray(0, k);
    this.pendingExpunge = NONE;
    return lines;
  }

  /** Give back the mailbox handle. */
  close(): void {
    this.closed = true;
    this.mailbox.close();
  }
}

/** From this many UIDs a claim of \Recent is kept as a span (SelectedMailbox.recentSpan). */
const RECENT_SPAN_FROM = 1024;

/**
 * The span of a claim (`uids` ascending) when the view's UIDs inside it are exactly the claimed ones
 * up to the view's last (the claim may hold messages the view numbers only at its next sync), else null.
 */
function recentSpanOf(uids: readonly number[], view: Uint32Array): { lo: number; hi: number; count: number } | null {
  const n = uids.length;
  const lo = uids[0]!;
  const hi = uids[n - 1]!;
  if (!(lo < hi) || hi - lo + 1 < n) return null;
  const last = view.length > 0 ? view[view.length - 1]! : 0;
  // Claimed UIDs up to the view's last, and the view's UIDs in [lo, min(hi, last)].
  const claimedInView = lowerBound(uids, last + 1);
  const inView = lowerBound(view, hi + 1) - lowerBound(view, lo);
  return inView === claimedInView ? { lo, hi, count: n } : null;
}

/** From this many messages a SELECT that read the mailbox walks its messages on a turn after the read. */
const WALK_APART_FROM = 10_000;

/**
 * The keywords some message carries (first spelling), kept per keyword column: snapshots of an
 * unchanged mailbox share that column, so a repeated SELECT of a big mailbox does not walk it again.
 * A column may have grown since (an append patched in place, snapshot-patch.ts): only the messages
 * after the ones walked are looked at, and a snapshot shorter than the walk walks its own part.
 */
const keywordsByColumn = new WeakMap<object, { count: number; found: Map<string, string> }>();

function keywordsInUse(column: ReadonlyArray<readonly string[] | undefined>, count: number): string[] {
  const kept = keywordsByColumn.get(column);
  if (kept !== undefined && kept.count === count) return [...kept.found.values()];
  const from = kept !== undefined && kept.count < count ? kept.count : 0;
  const keywords = from > 0 ? new Map(kept!.found) : new Map<string, string>();
  for (let i = from; i < count; i++) {
    const names = column[i];
    if (names !== undefined) for (const k of names) if (!keywords.has(k.toLowerCase())) keywords.set(k.toLowerCase(), k);
  }
  if (kept === undefined || kept.count <= count) keywordsByColumn.set(column, { count, found: keywords });
  return [...keywords.values()];
}
