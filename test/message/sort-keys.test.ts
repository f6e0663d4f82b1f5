import { describe, expect, it } from 'vitest';
import { baseSubject, sentTime, sortDisplay, sortMailbox } from '../../src/message/index.js';

describe('baseSubject (RFC 5256 2.1)', () => {
  const CASES: Array<[string | null, string]> = [
    [null, ''],
    ['Hello', 'Hello'],
    ['Re: Hello', 'Hello'],
    ['RE: re: Fwd: Hello', 'Hello'],
    ['Fw: Hello', 'Hello'],
    ['Re[2]: Hello', 'Hello'],
    ['[list] Re: Hello', 'Hello'],
    ['[list] Hello', 'Hello'],
    ['[list]', '[list]'],
    ['Hello (fwd)', 'Hello'],
    ['Hello (FWD) (fwd)  ', 'Hello'],
    ['[Fwd: Re: Hello]', 'Hello'],
    ['[fwd: [fwd: Hello (fwd)]]', 'Hello'],
    ['  Re:   spaced \t  out  ', 'spaced out'],
    ['Reply to this', 'Reply to this'],
    ['=?UTF-8?Q?Re=3A_Caf=C3=A9?=', 'Café'],
    ['Re: [list] Re: Hello', 'Hello'],
  ];
  for (const [input, expected] of CASES) it(JSON.stringify(input), () => expect(baseSubject(input)).toBe(expected));
});

describe('sentTime', () => {
  const CASES: Array<[string | null, number | null]> = [
    ['Tue, 3 Mar 2026 10:00:00 +0000', Date.UTC(2026, 2, 3, 10)],
    ['Tue, 3 Mar 2026 10:00:00 -0500', Date.UTC(2026, 2, 3, 15)],
    ['3 Mar 26 10:00 EST', Date.UTC(2026, 2, 3, 15)],
    ['Tue, 3 Mar 2026 10:00:00 +0000 (UTC)', Date.UTC(2026, 2, 3, 10)],
    ['not a date', null],
    [null, null],
  ];
  for (const [input, expected] of CASES) it(String(input), () => expect(sentTime(input)).toBe(expected));
});

describe('sort addresses', () => {
  const a = [{ name: null, adl: null, mailbox: 'Group', host: null }, { name: '=?UTF-8?Q?Zo=C3=A9?=', adl: null, mailbox: 'Zed', host: 'example.org' }];
  it('FROM/TO/CC: first mailbox, case folded', () => expect(sortMailbox(a)).toBe('zed'));
  it('DISPLAYFROM: the decoded display name', () => expect(sortDisplay(a)).toBe('zoé'));
  it('DISPLAYFROM: the addr-spec without a name', () => expect(sortDisplay([{ name: null, adl: null, mailbox: 'bob', host: 'x.org' }])).toBe('bob@x.org'));
  it('nothing: empty', () => expect([sortMailbox(null), sortDisplay([])]).toEqual(['', '']));
});
