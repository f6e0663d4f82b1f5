/**
 * The grammar RFC 7162 (CONDSTORE and QRESYNC) adds to other commands: SELECT's CONDSTORE and
 * QRESYNC parameters, FETCH's CHANGEDSINCE and VANISHED modifiers, STORE's UNCHANGEDSINCE and the
 * MODSEQ search key. The command parsers call these; handlers judge the session state.
 */
import type { ArgumentCursor } from '../cursor.js';
import { parseSequenceSet, type SequenceSet } from '../sequence.js';
import { parsePartialRange } from './return-options.js';
import type { PartialRange, QresyncParameters, SearchKey } from './types.js';

/** mod-sequence-value (63 bits on the wire; ours stay below 2^53); `allowZero` for mod-sequence-valzer. */
export function modseqValue(cursor: ArgumentCursor, allowZero: boolean, what = 'mod-sequence'): number {
  const value = cursor.number(what, Number.MAX_SAFE_INTEGER);
  if (value === 0 && !allowZero) cursor.fail(`${what} must not be zero`);
  return value;
}

/** A sequence set that may not hold `*` or `$` (known-uids and seq-match data). */
function explicitSet(cursor: ArgumentCursor, what: string): SequenceSet {
  const set = parseSequenceSet(cursor);
  if (set.saved || set.ranges.some((r) => r.first === '*' || r.last === '*')) cursor.fail(`${what} may not use "*" or "$"`);
  return set;
}

/** How many numbers an explicit set names (ranges as written, overlaps counted twice). */
function setSize(set: SequenceSet): number {
  if (set.saved) return 0;
  return set.ranges.reduce((n, r) => n + Math.abs((r.last as number) - (r.first as number)) + 1, 0);
}

/** `(uidvalidity modseq [known-uids [(seqs uids)]])` after QRESYNC SP. */
function qresyncParameters(cursor: ArgumentCursor): QresyncParameters {
  cursor.expect('(');
  const uidValidity = cursor.nzNumber('UIDVALIDITY');
  cursor.sp();
  const modseq = modseqValue(cursor, false);
  let knownUids: SequenceSet | null = null;
  let seqMatch: QresyncParameters['seqMatch'] = null;
  if (cursor.maybeSp()) {
    if (cursor.peek() !== '(') {
      knownUids = explicitSet(cursor, 'known UIDs');
      if (!cursor.maybeSp()) {
        cursor.expect(')');
        return { uidValidity, modseq, knownUids, seqMatch };
      }
    }
    cursor.expect('(');
    const seqs = explicitSet(cursor, 'sequence match data');
    cursor.sp();
    const uids = explicitSet(cursor, 'sequence match data');
    cursor.expect(')');
    if (setSize(seqs) !== setSize(uids)) cursor.fail('Sequence match data of different lengths');
    seqMatch = { seqs, uids };
  }
  cursor.expect(')');
  return { uidValidity, modseq, knownUids, seqMatch };
}

/** SELECT / EXAMINE parameters: `(CONDSTORE)`, `(QRESYNC (...))`, each at most once. */
export function parseSelectParameters(cursor: ArgumentCursor): { condstore: boolean; qresync?: QresyncParameters } {
  let condstore = false;
  let qresync: QresyncParameters | undefined;
  cursor.list(() => {
    const param = cursor.keyword('select parameter');
    if (param === 'CONDSTORE' && !condstore) condstore = true;
    else if (param === 'QRESYNC' && qresync === undefined) {
      cursor.sp();
      qresync = qresyncParameters(cursor);
    } else cursor.fail(`Unknown or repeated select parameter ${param}`);
  });
  return qresync === undefined ? { condstore } : { condstore, qresync };
}

/**
 * FETCH modifiers `(CHANGEDSINCE n [VANISHED] [PARTIAL range])` in any order; VANISHED needs
 * CHANGEDSINCE (RFC 7162 3.2.6); PARTIAL is RFC 9394's window over the messages of the set.
 */
export function parseFetchModifiers(cursor: ArgumentCursor): { changedSince?: number; vanished: boolean; partial?: PartialRange } {
  let changedSince: number | null = null;
  let vanished = false;
  let partial: PartialRange | null = null;
  cursor.list(() => {
    const modifier = cursor.keyword('fetch modifier');
    if (modifier === 'CHANGEDSINCE' && changedSince === null) {
      cursor.sp();
      changedSince = modseqValue(cursor, true);
    } else if (modifier === 'VANISHED' && !vanished) vanished = true;
    else if (modifier === 'PARTIAL' && partial === null) {
      cursor.sp();
      partial = parsePartialRange(cursor);
    } else cursor.fail(`Unknown or repeated fetch modifier ${modifier}`);
  }, false);
  if (vanished && changedSince === null) cursor.fail('VANISHED needs CHANGEDSINCE');
  return { ...(changedSince === null ? {} : { changedSince }), vanished, ...(partial === null ? {} : { partial }) };
}

/** STORE modifiers `(UNCHANGEDSINCE n)`. */
export function parseStoreModifiers(cursor: ArgumentCursor): number {
  let unchangedSince: number | null = null;
  cursor.list(() => {
    const modifier = cursor.keyword('store modifier');
    if (modifier !== 'UNCHANGEDSINCE' || unchangedSince !== null) cursor.fail(`Unknown or repeated store modifier ${modifier}`);
    cursor.sp();
    unchangedSince = modseqValue(cursor, true);
  }, false);
  return unchangedSince!;
}

const ENTRY_TYPES = new Set(['PRIV', 'SHARED', 'ALL']);

/** The MODSEQ search key after its name: `[entry-name SP entry-type-req SP] mod-sequence-valzer`. */
export function parseModseqKey(cursor: ArgumentCursor): SearchKey {
  cursor.sp();
  if (cursor.peek() === '"' || cursor.atLiteral()) {
    const entry = cursor.string('entry name');
    if (!entry.toLowerCase().startsWith('/flags/')) cursor.fail('MODSEQ entry names a flag: "/flags/<flag>"');
    cursor.sp();
    const type = cursor.keyword('entry type');
    if (!ENTRY_TYPES.has(type)) cursor.fail(`Unknown entry type ${type}`);
    cursor.sp();
  }
  return { kind: 'modseq', modseq: modseqValue(cursor, true) };
}
