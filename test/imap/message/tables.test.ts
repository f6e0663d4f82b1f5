import { describe, expect, it } from 'vitest';
import type { SelectedMailbox } from '../../../src/imap/session/selected.js';
import type { SearchKey } from '../../../src/imap/wire/parse/types.js';
import { Candidate, compileSearch, localDay } from '../../../src/imap/commands/message/search/match.js';
import { resolveTargetArrays, resolveTargets } from '../../../src/imap/commands/message/targets.js';
import { FLAG_DELETED, FLAG_SEEN } from '../../../src/mailbox/index.js';
import { calendarDay } from '../../../src/message/index.js';

const view = (uids: number[]): SelectedMailbox => ({ allUids: () => Uint32Array.from(uids) }) as unknown as SelectedMailbox;
const set = (text: string) => ({
  saved: false as const,
  ranges: text.split(',').map((r) => {
    const [a, b = a] = r.split(':');
    const n = (x: string) => (x === '*' ? ('*' as const) : Number(x));
    return { first: n(a!), last: n(b!) };
  }),
});

describe('resolveTargets', () => {
  const uids = [3, 5, 6, 10, 20];
  const cases: Array<[string, boolean, number[], number[]]> = [
    ['1:*', false, [1, 2, 3, 4, 5], [3, 5, 6, 10, 20]],
    ['*', false, [5], [20]],
    ['4:2', false, [2, 3, 4], [5, 6, 10]],
    ['2,2,1', false, [1, 2], [3, 5]],
    ['4:9', false, [4, 5], [10, 20]],
    ['9', false, [], []],
    ['1:*', true, [1, 2, 3, 4, 5], [3, 5, 6, 10, 20]],
    ['4:6', true, [2, 3], [5, 6]],
    ['7:9,21:30', true, [], []],
    ['*', true, [5], [20]],
    ['25:*', true, [5], [20]],
    ['1,10:*', true, [4, 5], [10, 20]],
  ];
  for (const [text, byUid, seqs, expectedUids] of cases) {
    it(`${byUid ? 'UID ' : ''}${text}`, () => {
      expect(resolveTargets(view(uids), set(text), byUid)).toEqual({ seqs, uids: expectedUids });
      // FETCH's typed form holds the same numbers.
      const typed = resolveTargetArrays(view(uids), set(text), byUid);
      expect({ seqs: Array.from(typed.seqs), uids: Array.from(typed.uids) }).toEqual({ seqs, uids: expectedUids });
    });
  }
  it('is empty on an empty mailbox, and for $ before any SEARCH RETURN (SAVE)', () => {
    expect(resolveTargets(view([]), set('1:*'), false)).toEqual({ seqs: [], uids: [] });
    expect(resolveTargets(view([]), set('*'), true)).toEqual({ seqs: [], uids: [] });
    expect(resolveTargets(view(uids), { saved: true }, false)).toEqual({ seqs: [], uids: [] });
  });
});

describe('search matcher', () => {
  const header = 'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\nX-A: b\r\n\r\n';
  const summary = {
    envelope: { date: 'Tue, 3 Mar 2026 23:30:00 -0500', subject: 's', from: null, sender: null, replyTo: null, to: null, cc: null, bcc: null, inReplyTo: null, messageId: null },
    body: { type: 'TEXT', subtype: 'PLAIN', params: null, id: null, description: null, encoding: '7BIT', size: 5, lines: 1, md5: null, disposition: null, language: null, location: null, range: { headerStart: 0, bodyStart: header.length, bodyEnd: header.length + 5 } },
    header,
    size: header.length + 5,
  };
  const at = new Date(2026, 2, 5, 1, 0, 0).getTime();
  const candidate = (): Candidate => new Candidate(2, 7, FLAG_SEEN, ['Work'], at, 45, false, summary);
  const scope = { count: 3, largestUid: 9 };
  const day = { year: 2026, month: 3, day: 5 };
  const cases: Array<[string, SearchKey, boolean | null]> = [
    ['seen', { kind: 'flag', flag: '\\Seen', set: true }, true],
    ['undeleted', { kind: 'flag', flag: '\\Deleted', set: false }, true],
    ['keyword any case', { kind: 'flag', flag: 'WORK', set: true }, true],
    ['recent', { kind: 'flag', flag: '\\Recent', set: true }, false],
    ['on (local day)', { kind: 'date', field: 'internal', op: 'on', date: day }, true],
    ['before', { kind: 'date', field: 'internal', op: 'before', date: day }, false],
    ['since', { kind: 'date', field: 'internal', op: 'since', date: day }, true],
    ['senton uses the written day', { kind: 'date', field: 'sent', op: 'on', date: { year: 2026, month: 3, day: 3 } }, true],
    ['larger', { kind: 'size', op: 'larger', size: 45 }, false],
    ['smaller', { kind: 'size', op: 'smaller', size: 46 }, true],
    ['decoded header', { kind: 'header', field: 'subject', value: 'grüße' }, true],
    ['empty header value: field present', { kind: 'header', field: 'X-A', value: '' }, true],
    ['empty header value: field absent', { kind: 'header', field: 'X-B', value: '' }, false],
    ['sequence *', { kind: 'sequence', set: set('3:*') }, false],
    ['uid', { kind: 'uid', set: set('5:7') }, true],
    ['body unknown before the file is read', { kind: 'body', value: 'x' }, null],
    ['and: false beats unknown', { kind: 'and', keys: [{ kind: 'body', value: 'x' }, { kind: 'size', op: 'larger', size: 99 }] }, false],
    ['or: true beats unknown', { kind: 'or', left: { kind: 'body', value: 'x' }, right: { kind: 'all' } }, true],
    ['not unknown', { kind: 'not', key: { kind: 'text', value: 'x' } }, null],
  ];
  for (const [name, key, expected] of cases) {
    it(name, () => expect(compileSearch(key, scope).match(candidate())).toBe(expected));
  }
  it('answers body keys once the message is read', () => {
    const c = candidate();
    c.message = Buffer.from(`${summary.header}hello`);
    expect(compileSearch({ kind: 'body', value: 'HELLO' }, scope).match(c)).toBe(true);
    expect(compileSearch({ kind: 'text', value: 'grüße hello' }, scope).match(c)).toBe(false);
    expect(compileSearch({ kind: 'text', value: 'x-a: b' }, scope).match(c)).toBe(true);
    expect(compileSearch({ kind: 'flag', flag: '\\Deleted', set: true }, scope).match(new Candidate(1, 1, FLAG_DELETED, undefined, at, 1, true, null))).toBe(true);
  });
  it('takes internal dates by the local calendar day', () => {
    expect(localDay(new Date(2026, 0, 1, 0, 0, 1).getTime())).toBe(calendarDay(2026, 1, 1));
    expect(localDay(new Date(2025, 11, 31, 23, 59, 59).getTime())).toBe(calendarDay(2025, 12, 31));
  });
});
