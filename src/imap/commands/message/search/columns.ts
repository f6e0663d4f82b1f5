/**
 * SEARCH criteria evaluated over whole columns instead of one message object at a time: flags,
 * sizes, dates, UIDs and modseqs from the index snapshot's typed arrays, FROM / TO / CC / BCC /
 * SUBJECT and the sent day from the fields stored at append (one SQL query per key), BODY / TEXT
 * from the FTS5 index when search_engine made one. Each message gets YES, NO or UNKNOWN
 * (three-valued AND / OR / NOT); a key the columns cannot answer (BODY or TEXT without the index,
 * HEADER of another field...) is UNKNOWN, and only the UNKNOWN messages go through the per-message
 * matcher (match.ts), which decides the whole criteria for them: the result is the scan's.
 */
import { FLAG_ANSWERED, FLAG_DELETED, FLAG_DRAFT, FLAG_FLAGGED, FLAG_SEEN, isStoredSearchField, type MailboxSnapshot, type StoredFieldQueries } from '../../../../mailbox/index.js';
import { calendarDay, normalizeForSearch } from '../../../../message/index.js';
import { rangesContain, resolveSequenceSet } from '../../../wire/sequence.js';
import type { SearchKey } from '../../../wire/parse/types.js';
import { explicitRanges } from '../targets.js';
import { localDay } from './match.js';

export const NO = 0;
export const YES = 1;
export const UNKNOWN = 2;

export interface ColumnScope {
  /** The session's view: UIDs ascending, index i is sequence number i + 1. */
  view: ArrayLike<number>;
  /** view index → snapshot index, -1 when the record is gone from the index. */
  positions: Int32Array;
  snapshot: MailboxSnapshot;
  isRecent(uid: number): boolean;
  fields: StoredFieldQueries;
  /** Called after each key with the key tests it did: lets the other sessions run (SearchPacer.worked). */
  worked(evaluations: number): Promise<void>;
}

const SYSTEM_BITS = new Map<string, number>([
  ['\\answered', FLAG_ANSWERED], ['\\flagged', FLAG_FLAGGED], ['\\deleted', FLAG_DELETED], ['\\draft', FLAG_DRAFT], ['\\seen', FLAG_SEEN],
]);

/** view index → snapshot index (-1: not in the index any more). */
export function viewPositions(view: ArrayLike<number>, snapshot: MailboxSnapshot): Int32Array {
  const out = new Int32Array(view.length);
  let p = 0;
  for (let i = 0; i < view.length; i++) {
    const uid = view[i]!;
    while (p < snapshot.count && snapshot.uids[p]! < uid) p++;
    out[i] = p < snapshot.count && snapshot.uids[p] === uid ? p : -1;
  }
  return out;
}

/** YES where `test` holds for the message's snapshot index, else NO. */
function byPosition(scope: ColumnScope, test: (p: number, i: number) => boolean): Uint8Array {
  const n = scope.view.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = scope.positions[i]!;
    if (p >= 0 && test(p, i)) out[i] = YES;
  }
  return out;
}

/** YES for the messages whose UID is in `uids` (ascending), else `otherwise`. */
function byUids(scope: ColumnScope, uids: Uint32Array, otherwise: Uint8Array | number): Uint8Array {
  const n = scope.view.length;
  const out = typeof otherwise === 'number' ? new Uint8Array(n).fill(otherwise) : otherwise;
  let k = 0;
  for (let i = 0; i < n && k < uids.length; i++) {
    const uid = scope.view[i]!;
    while (k < uids.length && uids[k]! < uid) k++;
    if (k < uids.length && uids[k] === uid) out[i] = YES;
  }
  return out;
}

function compareDay(day: number, op: 'before' | 'on' | 'since', wanted: number): boolean {
  return op === 'before' ? day < wanted : op === 'on' ? day === wanted : day >= wanted;
}

/** Three-valued result of `criteria` for every message of the view. */
export async function evaluateColumns(key: SearchKey, scope: ColumnScope): Promise<Uint8Array> {
  const result = evaluateKey(key, scope);
  if (result instanceof Uint8Array) {
    await scope.worked(scope.view.length);
    return result;
  }
  return result;
}

/** A leaf at once (a Uint8Array), or NOT / OR / AND over their parts with a pause after each leaf. */
function evaluateKey(key: SearchKey, scope: ColumnScope): Uint8Array | Promise<Uint8Array> {
  const { snapshot } = scope;
  const n = scope.view.length;
  switch (key.kind) {
    case 'all':
      return byPosition(scope, () => true);
    case 'flag': {
      const lower = key.flag.toLowerCase();
      const set = key.set;
      if (lower === '\\recent') return byPosition(scope, (_, i) => scope.isRecent(scope.view[i]!) === set);
      const bit = SYSTEM_BITS.get(lower);
      if (bit !== undefined) return byPosition(scope, (p) => ((snapshot.systemFlags[p]! & bit) !== 0) === set);
      return byPosition(scope, (p) => (snapshot.keywords[p]?.some((k) => k.toLowerCase() === lower) ?? false) === set);
    }
    case 'header': {
      const field = key.field.toLowerCase();
      if (!isStoredSearchField(field)) return new Uint8Array(n).fill(UNKNOWN);
      return byUids(scope, scope.fields.searchField(field, normalizeForSearch(key.value)), NO);
    }
    case 'date': {
      const wanted = calendarDay(key.date.year, key.date.month, key.date.day)!;
      const op = key.op;
      const internal = byPosition(scope, (p) => compareDay(localDay(snapshot.internalDates[p]!), op, wanted));
      if (key.field === 'internal') return internal;
      if (key.field !== 'sent') return new Uint8Array(n).fill(UNKNOWN);
      // Without a usable Date: header the internal date is compared (as the scan does).
      const { matching, other } = scope.fields.sentDays(op, wanted);
      const out = byUids(scope, matching, internal);
      let k = 0;
      for (let i = 0; i < n && k < other.length; i++) {
        const uid = scope.view[i]!;
        while (k < other.length && other[k]! < uid) k++;
        if (k < other.length && other[k] === uid) out[i] = NO;
      }
      return out;
    }
    case 'body':
    case 'text': {
      // Through the search_engine index when it can answer; messages not in it read their files.
      const found = scope.fields.textSearch(normalizeForSearch(key.value), key.kind === 'text');
      if (found === null) return new Uint8Array(n).fill(UNKNOWN);
      const out = byUids(scope, found.matching, NO);
      let k = 0;
      for (let i = 0; i < n && k < found.unindexed.length; i++) {
        const uid = scope.view[i]!;
        while (k < found.unindexed.length && found.unindexed[k]! < uid) k++;
        if (k < found.unindexed.length && found.unindexed[k] === uid) out[i] = UNKNOWN;
      }
      return out;
    }
    case 'modseq': {
      const modseq = key.modseq;
      return byPosition(scope, (p) => snapshot.modseqs[p]! >= modseq);
    }
    case 'size': {
      const size = key.size;
      return key.op === 'larger' ? byPosition(scope, (p) => snapshot.sizes[p]! > size) : byPosition(scope, (p) => snapshot.sizes[p]! < size);
    }
    case 'sequence': {
      const ranges = resolveSequenceSet(explicitRanges(key.set), n);
      return byPosition(scope, (_, i) => rangesContain(ranges, i + 1));
    }
    case 'uid': {
      const ranges = resolveSequenceSet(explicitRanges(key.set), n > 0 ? scope.view[n - 1]! : 0);
      return byPosition(scope, (_, i) => rangesContain(ranges, scope.view[i]!));
    }
    case 'not':
      return evaluateNot(key.key, scope);
    case 'or':
      return evaluateOr(key.left, key.right, scope);
    case 'and':
      return evaluateAnd(key.keys, scope);
    default:
      // Keys added later: the per-message matcher decides.
      return new Uint8Array(n).fill(UNKNOWN);
  }
}

async function evaluateNot(inner: SearchKey, scope: ColumnScope): Promise<Uint8Array> {
  const n = scope.view.length;
  const out = await evaluateColumns(inner, scope);
  for (let i = 0; i < n; i++) if (out[i] !== UNKNOWN) out[i] = 1 - out[i]!;
  return out;
}

async function evaluateOr(left: SearchKey, rightKey: SearchKey, scope: ColumnScope): Promise<Uint8Array> {
  const n = scope.view.length;
  const out = await evaluateColumns(left, scope);
  const right = await evaluateColumns(rightKey, scope);
  for (let i = 0; i < n; i++) {
    const a = out[i]!;
    const b = right[i]!;
    out[i] = a === YES || b === YES ? YES : a === UNKNOWN || b === UNKNOWN ? UNKNOWN : NO;
  }
  return out;
}

async function evaluateAnd(keys: readonly SearchKey[], scope: ColumnScope): Promise<Uint8Array> {
  const n = scope.view.length;
  const out = new Uint8Array(n).fill(YES);
  for (const part of keys) {
    const r = await evaluateColumns(part, scope);
    for (let i = 0; i < n; i++) {
      const a = out[i]!;
      const b = r[i]!;
      out[i] = a === NO || b === NO ? NO : a === UNKNOWN || b === UNKNOWN ? UNKNOWN : YES;
    }
  }
  return out;
}
