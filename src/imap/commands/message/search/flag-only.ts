/**
 * The direct path of a SEARCH whose criteria are one flag key alone (UNSEEN, SEEN, FLAGGED,
 * DELETED, KEYWORD x, NOT DRAFT...) without RETURN options: one walk of the view beside the
 * snapshot's flag column, the hits written as digits straight into the response bytes. The general
 * path (run.ts) gives the same answer through per-message state arrays, number lists and a string,
 * which on the 50,000 hits of UNSEEN in a 100,000-message mailbox cost several times more.
 * \Recent (the session's own) and every other key go the general way.
 */
import { FLAG_ANSWERED, FLAG_DELETED, FLAG_DRAFT, FLAG_FLAGGED, FLAG_SEEN, type MailboxSnapshot } from '../../../../mailbox/index.js';
import type { SearchKey } from '../../../wire/parse/types.js';
import { writeDecimal } from '../../../wire/serialize/digits.js';
import type { CommandContext } from '../../types.js';
import { admitSearch } from './budget.js';

const SYSTEM_BITS = new Map<string, number>([
  ['\\answered', FLAG_ANSWERED], ['\\flagged', FLAG_FLAGGED], ['\\deleted', FLAG_DELETED], ['\\draft', FLAG_DRAFT], ['\\seen', FLAG_SEEN],
]);

/** One flag key: a system flag bit, or a keyword (lower case); `set` false for the UN- / NOT form. */
export type FlagTest = { bit: number; keyword: null; set: boolean } | { bit: 0; keyword: string; set: boolean };

/** The flag test `criteria` amount to, or null when they are anything else (or \Recent). */
export function singleFlagKey(criteria: SearchKey): FlagTest | null {
  let key = criteria;
  let set = true;
  for (;;) {
    if (key.kind === 'and' && key.keys.length === 1) key = key.keys[0]!;
    else if (key.kind === 'not') {
      set = !set;
      key = key.key;
    } else break;
  }
  if (key.kind !== 'flag') return null;
  const lower = key.flag.toLowerCase();
  if (lower === '\\recent') return null;
  const wanted = key.set === set;
  const bit = SYSTEM_BITS.get(lower);
  if (bit !== undefined) return { bit, keyword: null, set: wanted };
  if (lower.startsWith('\\')) return null;
  return { bit: 0, keyword: lower, set: wanted };
}

/**
 * `* SEARCH ...\r\n` for a single flag key over the session's view, as bytes; null when the
 * criteria are not one flag key (the caller then takes the general path).
 */
export async function flagSearchResponse(ctx: CommandContext, criteria: SearchKey, byUid: boolean): Promise<Buffer | null> {
  const test = singleFlagKey(criteria);
  if (test === null) return null;
  const selected = ctx.selected();
  const view = selected.allUids();
  // The same limits as the general path: a search it refuses is refused here too.
  admitSearch(criteria, view.length, ctx.deps.limits.search, () => ctx.clientGone());
  const mailbox = selected.mailbox;
  const userid = ctx.identity().userid;
  // The owner's \Seen is the records' bit; another user's is merged from seen.db in slices here.
  if (view.length >= KEEP_FROM) await mailbox.prepareSnapshot(userid);
  const snapshot = mailbox.snapshot(userid);
  if (view.length < KEEP_FROM) return searchBytes(view, snapshot, test, byUid);
  const stamp: AnswerStamp = {
    view, length: view.length, uniqueId: mailbox.uniqueId, uidValidity: snapshot.uidValidity, highestModseq: snapshot.highestModseq,
    uidNext: snapshot.uidNext, userid, test: `${test.keyword ?? test.bit} ${test.set} ${byUid}`,
  };
  const kept = keptAnswer(stamp);
  if (kept !== null) return kept;
  const bytes = searchBytes(view, snapshot, test, byUid);
  keepAnswer(stamp, bytes);
  return bytes;
}

/**
 * Answers kept per process for big views (issue 16: UID SEARCH UNSEEN on 100,000 messages, which
 * clients repeat to learn what is new): the same search of the same view of an index in the same
 * state is the same bytes. Every change to the records, and every user's \Seen change, raises
 * highestmodseq or uidnext in its transaction (mailbox.ts), and the snapshot read for this search
 * tells them as the index is now; the view (the session's UIDs, a new array after each change to
 * it) is compared by identity and length. A few answers only: each is up to 1 MB per 100,000 messages.
 */
const KEEP_FROM = 1000;
const KEEP_ANSWERS = 4;
const KEEP_BYTES = 2 * 1024 * 1024;

interface AnswerStamp {
  view: Uint32Array;
  length: number;
  uniqueId: string;
  uidValidity: number;
  highestModseq: number;
  uidNext: number;
  userid: string;
  /** The flag test and the kind of numbers (UIDs or sequence numbers) as a text. */
  test: string;
}

const answers: Array<{ stamp: AnswerStamp; bytes: Buffer }> = [];

function sameStamp(a: AnswerStamp, b: AnswerStamp): boolean {
  return a.view === b.view && a.length === b.length && a.uniqueId === b.uniqueId && a.uidValidity === b.uidValidity
    && a.highestModseq === b.highestModseq && a.uidNext === b.uidNext && a.userid === b.userid && a.test === b.test;
}

function keptAnswer(stamp: AnswerStamp): Buffer | null {
  for (const answer of answers) if (sameStamp(answer.stamp, stamp)) return answer.bytes;
  return null;
}

function keepAnswer(stamp: AnswerStamp, bytes: Buffer): void {
  if (bytes.length > KEEP_BYTES) return;
  // One answer per view and test: the older state's goes.
  const same = answers.findIndex((a) => a.stamp.view === stamp.view && a.stamp.test === stamp.test);
  if (same >= 0) answers.splice(same, 1);
  answers.push({ stamp, bytes });
  if (answers.length > KEEP_ANSWERS) answers.shift();
}

const HEAD = Buffer.from('* SEARCH');
/**
 * The digits are written into this per-process buffer (room for every message of the view: 11
 * bytes each) and the response is a copy of the bytes written: on UNSEEN in a 100,000-message
 * mailbox ~0.3 MB instead of a fresh 1.1 MB buffer per command. Fresh buffers are external memory
 * V8 counts towards its next full GC (issue 16). Not kept above KEEP_SCRATCH.
 */
let scratch: Buffer | null = null;
const KEEP_SCRATCH = 16 * 1024 * 1024;

/** The response for the view's messages that pass `test` (a view UID gone from the snapshot never does). */
export function searchBytes(view: Uint32Array, snapshot: MailboxSnapshot, test: FlagTest, byUid: boolean): Buffer {
  // At most 10 digits and a space per hit.
  const size = HEAD.length + view.length * 11 + 2;
  const out = scratch !== null && scratch.length >= size ? scratch : Buffer.allocUnsafe(size);
  if (out !== scratch && size <= KEEP_SCRATCH) scratch = out;
  let at = HEAD.copy(out, 0);
  at = test.keyword === null ? systemFlagHits(out, at, view, snapshot, test.bit, test.set, byUid) : keywordHits(out, at, view, snapshot, test.keyword, test.set, byUid);
  out[at++] = 13;
  out[at++] = 10;
  // the scratch's bytes are written again by the next search: the response is a copy
  return out === scratch ? Buffer.from(out.subarray(0, at)) : out.subarray(0, at);
}

/**
 * ` n` for each view message whose system flag `bit` is `set` (or not), from `at`; returns the end.
 * A loop of its own, without the keyword case's test per message: a fifth less time on 100,000.
 */
function systemFlagHits(out: Buffer, at: number, view: Uint32Array, snapshot: MailboxSnapshot, bit: number, set: boolean, byUid: boolean): number {
  const n = view.length;
  const count = snapshot.count;
  const uids = snapshot.uids;
  const flags = snapshot.systemFlags;
  const want = set ? bit : 0;
  let p = 0;
  for (let i = 0; i < n; i++) {
    const uid = view[i]!;
    // view and snapshot are both UID-ascending: one walk of both
    if (uids[p] !== uid) {
      while (p < count && uids[p]! < uid) p++;
      if (p === count) break;
      if (uids[p] !== uid) continue;
    }
    if ((flags[p++]! & bit) !== want) continue;
    out[at++] = 32;
    at = writeDecimal(out, at, byUid ? uid : i + 1);
  }
  return at;
}

/** The same for a keyword (lower case). */
function keywordHits(out: Buffer, at: number, view: Uint32Array, snapshot: MailboxSnapshot, keyword: string, set: boolean, byUid: boolean): number {
  const n = view.length;
  const count = snapshot.count;
  const uids = snapshot.uids;
  const keywords = snapshot.keywords;
  let p = 0;
  for (let i = 0; i < n; i++) {
    const uid = view[i]!;
    if (uids[p] !== uid) {
      while (p < count && uids[p]! < uid) p++;
      if (p === count) break;
      if (uids[p] !== uid) continue;
    }
    if (hasKeyword(keywords[p++], keyword) !== set) continue;
    out[at++] = 32;
    at = writeDecimal(out, at, byUid ? uid : i + 1);
  }
  return at;
}

function hasKeyword(names: readonly string[] | undefined, lower: string): boolean {
  if (names === undefined) return false;
  for (const k of names) if (k.toLowerCase() === lower) return true;
  return false;
}
