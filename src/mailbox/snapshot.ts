/**
 * What a session keeps of a selected mailbox: the messages in UID order with modseq, flags,
 * internaldate and size, in typed arrays so that 100,000 messages cost a few megabytes and the
 * sequence number of a UID is a binary search.
 */
import { FLAG_SEEN, flagNames } from './flags.js';

/** The flag list of each system-flags byte without keywords, made on first use. */
const SYSTEM_ONLY: Array<string[] | undefined> = new Array<string[] | undefined>(256);

export class MailboxSnapshot {
  constructor(
    readonly uidValidity: number,
    readonly uidNext: number,
    readonly highestModseq: number,
    /** The highest modseq of any expunged record forgotten (cyr_expire -E); 0 when none was. */
    readonly deletedModseq: number,
    /** UIDs ascending: uids[seq - 1] is the UID of message sequence number seq. */
    readonly uids: Uint32Array,
    readonly modseqs: Float64Array,
    /** System flag bits (flags.ts), \Seen the snapshot's user's (the records' bit for the owner, merged from seen.db for others). */
    readonly systemFlags: Uint8Array,
    /** Keywords per message, undefined when none. */
    readonly keywords: ReadonlyArray<readonly string[] | undefined>,
    /** Internal dates in ms since the epoch. */
    readonly internalDates: Float64Array,
    readonly sizes: Float64Array,
  ) {}

  get count(): number {
    return this.uids.length;
  }

  /**
   * Flag names of the message at 0-based position `index` (do not modify: messages without keywords
   * share one frozen list per combination of system flags, so FETCH 1:* on 100,000 messages makes
   * no garbage here).
   */
  flags(index: number): string[] {
    const system = this.systemFlags[index]!;
    const keywords = this.keywords[index];
    if (keywords !== undefined && keywords.length > 0) return flagNames(system, keywords);
    return (SYSTEM_ONLY[system] ??= Object.freeze(flagNames(system, null)) as string[]);
  }

  isSeen(index: number): boolean {
    return (this.systemFlags[index]! & FLAG_SEEN) !== 0;
  }

  /** 0-based position of `uid`, or -1. */
  indexOfUid(uid: number): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const u = this.uids[mid]!;
      if (u < uid) lo = mid + 1;
      else if (u > uid) hi = mid - 1;
      else return mid;
    }
    return -1;
  }
}
