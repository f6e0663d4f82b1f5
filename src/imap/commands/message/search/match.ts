/**
 * SEARCH criteria (RFC 3501 6.4.4) compiled into one matcher per command. A matcher answers
 * true, false, or null when only the message text can tell (BODY, TEXT): the command then reads
 * that message's file and asks again, so files are read only for messages the cheaper keys left
 * undecided.
 */
import { FLAG_ANSWERED, FLAG_DELETED, FLAG_DRAFT, FLAG_FLAGGED, FLAG_SEEN } from '../../../../mailbox/index.js';
import {
  addressSearchForms, bodyText, calendarDay, headerText, headerValues, lastFieldValue, normalizeForSearch, sentDay, type MessageSummary,
} from '../../../../message/index.js';
import { rangesContain, resolveSequenceSet } from '../../../wire/sequence.js';
import type { SearchKey } from '../../../wire/parse/types.js';
import { explicitRanges } from '../targets.js';
import { compileExtensionKey } from './extension-keys.js';

/** One message as SEARCH sees it. */
export class Candidate {
  /** Set when the message file was read for BODY / TEXT. */
  message: Buffer | null = null;
  private body: string | null = null;
  private whole: string | null = null;
  /** From the index record, set when a key needs them (CompiledSearch.needsRecord): save date (ms) and guid. */
  saveDate = 0;
  guid: string | null = null;

  constructor(
    readonly seq: number,
    readonly uid: number,
    readonly systemFlags: number,
    readonly keywords: readonly string[] | undefined,
    readonly internalDate: number,
    readonly size: number,
    readonly recent: boolean,
    readonly summary: MessageSummary | null,
    /** The raw header block alone, when the search needs no more than headers (no summary then). */
    readonly header: Buffer | null = null,
    /** The record's modseq (RFC 7162 MODSEQ key). */
    readonly modseq = 0,
  ) {}

  /** The header block, from the summary or read alone (null: no cache row). */
  headerBlock(): string | Buffer | null {
    return this.summary?.header ?? this.header;
  }

  /** The Date: value the envelope holds (null when absent), or undefined without headers. */
  sentDate(): string | null | undefined {
    if (this.summary !== null) return this.summary.envelope.date;
    return this.header === null ? undefined : lastFieldValue(this.header, 'date');
  }

  /** Normalised body text (null until the file is read). */
  bodyText(): string | null {
    if (this.message === null || this.summary === null) return null;
    return (this.body ??= normalizeForSearch(bodyText(this.summary, this.message)));
  }

  /** Normalised header and body text. */
  wholeText(): string | null {
    const body = this.bodyText();
    if (body === null) return null;
    return (this.whole ??= `${normalizeForSearch(headerText(this.summary!.header))}\n${body}`);
  }
}

type Matcher = (m: Candidate) => boolean | null;

interface MatchScope {
  /** Messages in the view (for `*` in sequence sets). */
  count: number;
  /** The highest UID in the view (for `*` in UID sets). */
  largestUid: number;
}

interface CompiledSearch {
  match: Matcher;
  /** Some key reads header fields or the Date (the header block alone will do). */
  needsHeader: boolean;
  /** Some key reads more of the cached summary than the headers (BODY, TEXT: the MIME structure). */
  needsSummary: boolean;
  /** Some key reads the message text (BODY, TEXT). */
  needsText: boolean;
  /** A MODSEQ key was used: the response names the highest modseq found (RFC 7162 3.1.5). */
  usesModseq: boolean;
  /** Some key reads the save date or the guid (SAVED*, EMAILID): Candidate.saveDate / guid must be set. */
  needsRecord: boolean;
}

/** Header fields holding address lists (SEARCH FROM / TO / CC / BCC and HEADER with these names). */
const ADDRESS_FIELDS = new Set(['from', 'to', 'cc', 'bcc', 'sender', 'reply-to']);

const SYSTEM_BITS = new Map<string, number>([
  ['\\answered', FLAG_ANSWERED], ['\\flagged', FLAG_FLAGGED], ['\\deleted', FLAG_DELETED], ['\\draft', FLAG_DRAFT], ['\\seen', FLAG_SEEN],
]);

/** The calendar day of an internal date in the server's time zone (as Cyrus compares them). */
export function localDay(ms: number): number {
  const d = new Date(ms);
  return calendarDay(d.getFullYear(), d.getMonth() + 1, d.getDate())!;
}

function compareDay(day: number, op: 'before' | 'on' | 'since', wanted: number): boolean {
  return op === 'before' ? day < wanted : op === 'on' ? day === wanted : day >= wanted;
}

export function compileSearch(criteria: SearchKey, scope: MatchScope): CompiledSearch {
  const compiled: CompiledSearch = { match: () => true, needsHeader: false, needsSummary: false, needsText: false, usesModseq: false, needsRecord: false };
  compiled.match = compile(criteria, scope, compiled);
  return compiled;
}

function compile(key: SearchKey, scope: MatchScope, info: CompiledSearch): Matcher {
  switch (key.kind) {
    case 'all':
      return () => true;
    case 'flag': {
      const lower = key.flag.toLowerCase();
      const set = key.set;
      if (lower === '\\recent') return (m) => m.recent === set;
      const bit = SYSTEM_BITS.get(lower);
      if (bit !== undefined) return (m) => ((m.systemFlags & bit) !== 0) === set;
      return (m) => (m.keywords?.some((k) => k.toLowerCase() === lower) ?? false) === set;
    }
    case 'header': {
      info.needsHeader = true;
      const field = key.field;
      const needle = normalizeForSearch(key.value);
      const addressField = ADDRESS_FIELDS.has(field.toLowerCase());
      return (m) => {
        const header = m.headerBlock();
        if (header === null) return false;
        const values = headerValues(header, field);
        // An empty string matches every message that has the field (RFC 3501 6.4.4 HEADER).
        if (values.some((v) => needle === '' || normalizeForSearch(v).includes(needle))) return true;
        // An address field also matches on its parsed addresses (CFWS inside an addr-spec).
        return addressField && values.some((v) => addressSearchForms(v).some((a) => normalizeForSearch(a).includes(needle)));
      };
    }
    case 'body':
    case 'text': {
      info.needsSummary = info.needsText = true;
      const needle = normalizeForSearch(key.value);
      const whole = key.kind === 'text';
      return (m) => {
        if (m.summary === null) return false;
        const text = whole ? m.wholeText() : m.bodyText();
        return text === null ? null : text.includes(needle);
      };
    }
    case 'date': {
      const wanted = calendarDay(key.date.year, key.date.month, key.date.day)!;
      const op = key.op;
      if (key.field === 'internal') return (m) => compareDay(localDay(m.internalDate), op, wanted);
      if (key.field === 'save') {
        info.needsRecord = true;
        return (m) => compareDay(localDay(m.saveDate), op, wanted);
      }
      info.needsHeader = true;
      return (m) => {
        // Without a usable Date: header Cyrus compares the internal date.
        const date = m.sentDate();
        const sent = date === undefined ? null : sentDay(date);
        return compareDay(sent ?? localDay(m.internalDate), op, wanted);
      };
    }
    case 'age':
    case 'objectId':
      return compileExtensionKey(key, info);
    case 'annotation':
      // findMatches has made each of them the UID set it matches (annotation-key.ts).
      throw new Error('SEARCH ANNOTATION reached the matcher unresolved');
    case 'modseq': {
      info.usesModseq = true;
      const modseq = key.modseq;
      return (m) => m.modseq >= modseq;
    }
    case 'size': {
      const size = key.size;
      return key.op === 'larger' ? (m) => m.size > size : (m) => m.size < size;
    }
    case 'sequence': {
      const ranges = resolveSequenceSet(explicitRanges(key.set), scope.count);
      return (m) => rangesContain(ranges, m.seq);
    }
    case 'uid': {
      const ranges = resolveSequenceSet(explicitRanges(key.set), scope.largestUid);
      return (m) => rangesContain(ranges, m.uid);
    }
    case 'not': {
      const inner = compile(key.key, scope, info);
      return (m) => {
        const r = inner(m);
        return r === null ? null : !r;
      };
    }
    case 'or': {
      const left = compile(key.left, scope, info);
      const right = compile(key.right, scope, info);
      return (m) => {
        const a = left(m);
        if (a === true) return true;
        const b = right(m);
        if (b === true) return true;
        return a === null || b === null ? null : false;
      };
    }
    case 'and': {
      // Cheap keys first, so text keys run only for messages still in the running.
      const parts = key.keys.map((k) => ({ costly: usesText(k), matcher: compile(k, scope, info) }));
      const ordered = [...parts.filter((p) => !p.costly), ...parts.filter((p) => p.costly)].map((p) => p.matcher);
      return (m) => {
        let unknown = false;
        for (const matcher of ordered) {
          const r = matcher(m);
          if (r === false) return false;
          if (r === null) unknown = true;
        }
        return unknown ? null : true;
      };
    }
  }
}

function usesText(key: SearchKey): boolean {
  switch (key.kind) {
    case 'body': case 'text': return true;
    case 'not': return usesText(key.key);
    case 'or': return usesText(key.left) || usesText(key.right);
    case 'and': return key.keys.some(usesText);
    default: return false;
  }
}
