/**
 * What THREAD reads of each message, as columns (RFC 5256 section 3): the date it sorts by, the
 * internal date (THREAD=REFS), the base subject and whether the subject was a reply or forward,
 * the first msg-id of Message-ID and the msg-ids it links to (References, else the first of
 * In-Reply-To). Msg-ids (lower case) and base subjects are interned into integers once, when a
 * row is added, so threading compares integers and allocates no object per message. Rows are only
 * ever added: the mailbox layer keeps one ThreadInput per mailbox and adds the messages appended
 * since (src/mailbox/thread-input.ts).
 */

/** The subject number of the empty base subject (REFERENCES never groups it). */
export const EMPTY_SUBJECT = 0;

/** JavaScript's \s, as the msg-id pattern `<([^<>\s]+)>` excludes it. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

const COMMENT = /\([^)]*\)/g;

/**
 * Each msg-id of a References / In-Reply-To / Message-ID value, in order, lower case: the text
 * between `<` and `>` holding no white space or angle bracket, after comments "(...)" are
 * blanked. `each` returns false to stop.
 */
export function forEachMessageId(value: string, each: (id: string) => boolean): void {
  const text = value.includes('(') ? value.replace(COMMENT, ' ') : value;
  const length = text.length;
  let p = text.indexOf('<');
  while (p >= 0) {
    let q = p + 1;
    while (q < length) {
      const c = text.charCodeAt(q);
      if (c === 60 || c === 62 || isSpace(c)) break;
      q++;
    }
    if (q < length && q > p + 1 && text.charCodeAt(q) === 62) {
      if (!each(text.slice(p + 1, q).toLowerCase())) return;
      q++;
    }
    // Nothing between p and q is a "<": the next candidate is at q or after it.
    p = text.indexOf('<', q);
  }
}

/** The msg-ids of a References / In-Reply-To value, in order, lower case. */
export function messageIds(value: string | null): string[] {
  const ids: string[] = [];
  if (value !== null) forEachMessageId(value, (id) => ids.push(id) > 0);
  return ids;
}

function grown<T extends Float64Array | Int32Array | Uint8Array | Uint32Array>(array: T, size: number, exact = false): T {
  if (size <= array.length) return array;
  const bigger = new (array.constructor as new (n: number) => T)(exact ? size : Math.max(size, array.length * 2, 16));
  bigger.set(array);
  return bigger;
}

export class ThreadInput {
  /** Rows added. */
  count = 0;
  /** The caller's key of each row (the mailbox layer: UIDs, ascending). */
  keys = new Float64Array(0);
  /** The date THREAD sorts by: sent time, else internal date (ms). */
  dates = new Float64Array(0);
  /** The internal date (ms). */
  arrivals = new Float64Array(0);
  /** The interned base subject (lower case); EMPTY_SUBJECT for none. */
  subjects = new Int32Array(0);
  /** 1 when the subject is a reply or forward (leaders or trailers removed to reach the base). */
  replies = new Uint8Array(0);
  /** The interned first msg-id of Message-ID, -1 for none. */
  ownIds = new Int32Array(0);
  /** Row r links to refs[refStart[r] .. refStart[r + 1]). */
  refStart = new Int32Array(1);
  refs = new Int32Array(0);
  private refCount = 0;
  private readonly ids = new Map<string, number>();
  private readonly subjectNumbers = new Map<string, number>([['', EMPTY_SUBJECT]]);
  private readonly internRef = (id: string): boolean => {
    this.refs = grown(this.refs, this.refCount + 1);
    this.refs[this.refCount++] = this.intern(id);
    return true;
  };
  private readonly firstRefOnly = (id: string): boolean => {
    this.internRef(id);
    return false;
  };
  private own = -1;
  private readonly takeOwn = (id: string): boolean => {
    this.own = this.intern(id);
    return false;
  };

  /** How many distinct msg-ids and base subjects the rows hold (bounds of the interned numbers). */
  get idCount(): number {
    return this.ids.size;
  }

  get subjectCount(): number {
    return this.subjectNumbers.size;
  }

  private intern(id: string): number {
    let n = this.ids.get(id);
    if (n === undefined) this.ids.set(id, (n = this.ids.size));
    return n;
  }

  /** Room for `more` rows and `refs` more links without growing again. */
  reserve(more: number, refs = 0): void {
    const size = this.count + more;
    if (size > this.keys.length) {
      this.keys = grown(this.keys, size, true);
      this.dates = grown(this.dates, size, true);
      this.arrivals = grown(this.arrivals, size, true);
      this.subjects = grown(this.subjects, size, true);
      this.replies = grown(this.replies, size, true);
      this.ownIds = grown(this.ownIds, size, true);
      this.refStart = grown(this.refStart, size + 1, true);
    }
    this.refs = grown(this.refs, this.refCount + refs, true);
  }

  /** Add one message; `baseSubject` is already lower case (as stored at append). */
  add(
    key: number, date: number, arrival: number, baseSubject: string, reply: boolean,
    messageId: string | null, references: string | null, inReplyTo: string | null,
  ): void {
    const r = this.count;
    if (r + 1 > this.keys.length) {
      const size = Math.max(16, this.keys.length * 2);
      this.keys = grown(this.keys, size);
      this.dates = grown(this.dates, size);
      this.arrivals = grown(this.arrivals, size);
      this.subjects = grown(this.subjects, size);
      this.replies = grown(this.replies, size);
      this.ownIds = grown(this.ownIds, size);
      this.refStart = grown(this.refStart, size + 1);
    }
    this.keys[r] = key;
    this.dates[r] = date;
    this.arrivals[r] = arrival;
    let subject = this.subjectNumbers.get(baseSubject);
    if (subject === undefined) this.subjectNumbers.set(baseSubject, (subject = this.subjectNumbers.size));
    this.subjects[r] = subject;
    this.replies[r] = reply ? 1 : 0;
    this.own = -1;
    if (messageId !== null && messageId !== '') forEachMessageId(messageId, this.takeOwn);
    this.ownIds[r] = this.own;
    const before = this.refCount;
    if (references !== null && references !== '') forEachMessageId(references, this.internRef);
    if (this.refCount === before && inReplyTo !== null && inReplyTo !== '') forEachMessageId(inReplyTo, this.firstRefOnly);
    this.refStart[r + 1] = this.refCount;
    this.count = r + 1;
  }
}

/**
 * The messages to thread: rows of a ThreadInput in ascending row order, each with the number the
 * response gives it (sequence number or UID).
 */
export interface ThreadSelection {
  rows: Int32Array;
  labels: Float64Array;
}
