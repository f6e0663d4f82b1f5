import { describe, expect, it } from 'vitest';
import {
  bodyText, decodeCharset, decodeHeaderValue, headerText, headerValues, htmlToText, messageText, normalizeForSearch,
  normalizeLineEnds, searchMatches, sentDay, summarizeMessage, calendarDay,
} from '../../src/message/index.js';

describe('decodeHeaderValue (RFC 2047)', () => {
  it.each([
    ['plain text', 'plain text'],
    ['=?ISO-8859-1?Q?Andr=E9?= Pirard', 'André Pirard'],
    ['=?US-ASCII?Q?Keith_Moore?=', 'Keith Moore'],
    ['=?utf-8?B?w4Qgc3ViamVjdA==?=', 'Ä subject'],
    ['=?utf-8?q?a?= =?utf-8?q?b?=', 'ab'],
    ['=?iso-2022-jp?B?GyRCJEYkOSRIGyhC?=', 'てすと'],
    ['=?windows-1252?Q?=80_sign?=', '€ sign'],
    ['=?unknown-charset?Q?x?=', 'x'],
    ['=?broken', '=?broken'],
  ])('%j', (input, expected) => {
    expect(decodeHeaderValue(input)).toBe(expected);
  });
});

const stored = normalizeLineEnds(Buffer.from(
  [
    'From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.com>',
    'Subject: =?utf-8?B?R3LDvMOfZQ==?=',
    '  continued',
    'Subject: second',
    'Date: Tue, 3 Mar 2026 23:30:00 -0500',
    'Content-Type: multipart/alternative; boundary=q',
    '',
    '--q',
    'Content-Type: text/plain; charset=iso-8859-1',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Caf=E9 cr=E8me  br=FBl=E9e',
    '--q',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('<p>Hello&nbsp;<b>W&ouml;rld</b> &amp; &#x263A;</p><script>var hidden = 1;</script>').toString('base64'),
    '--q',
    'Content-Type: application/pdf',
    '',
    'binary attachment text',
    '--q',
    'Content-Type: message/rfc822',
    '',
    'Subject: =?utf-8?q?inner_subj=C3=A9ct?=',
    '',
    'inner words',
    '--q--',
    '',
  ].join('\n'),
));
const summary = summarizeMessage(stored);

describe('search text', () => {
  it('decoded header values by field name, all occurrences', () => {
    expect(headerValues(summary.header, 'SUBJECT')).toEqual(['Grüße  continued', 'second']);
    expect(headerValues(summary.header, 'from')).toEqual(['André <andre@example.com>']);
    expect(headerValues(summary.header, 'cc')).toEqual([]);
  });

  it('body text: transfer-decoded, charset-converted, HTML raw and visible, attachments skipped', () => {
    const body = bodyText(summary, stored);
    expect(body).toContain('Café crème  brûlée');
    expect(body).toContain('Wörld');
    expect(body).toContain('&');
    expect(body).toContain('☺');
    expect(body).toContain('hidden'); // raw HTML is searched too, as Cyrus does
    expect(searchMatches(body, 'Hello World')).toBe(true); // and the visible text
    expect(body).not.toContain('binary attachment');
    expect(body).toContain('inner subjéct');
    expect(body).toContain('inner words');
  });

  it('TEXT covers header and body', () => {
    const all = messageText(summary, stored);
    expect(searchMatches(all, 'grüsse')).toBe(false);
    expect(searchMatches(all, 'GRÜSSE'.replace('SS', 'ß'))).toBe(true);
    expect(searchMatches(all, 'andre')).toBe(true);
    expect(searchMatches(all, 'creme brulee')).toBe(true);
    expect(headerText(summary.header)).toContain('Date: Tue, 3 Mar 2026');
  });

  it('charset conversion falls back to UTF-8 for unknown charsets', () => {
    expect(decodeCharset(Buffer.from('caf\xe9', 'latin1'), 'iso-8859-1')).toBe('café');
    expect(decodeCharset(Buffer.from('café'), 'x-made-up')).toBe('café');
    expect(decodeCharset(Buffer.from('plain'), undefined)).toBe('plain');
  });

  it('htmlToText', () => {
    expect(htmlToText('<style>p{}</style><p>a&lt;b</p><!-- c -->d')).toBe('  a<b  d');
  });
});

describe('normalisation and matching (Cyrus defaults: skip diacritics, merge whitespace)', () => {
  it.each([
    ['Håvard', 'hav', true],
    ['HÅVARD', 'håv', true],
    ['the quick   brown', 'quick brown', true],
    ['the quick brown', 'quickbrown', false],
    ['Straße', 'STRASSE', false],
    ['Ünïcödé', 'unicode', true],
    ['anything', '', true],
    ['ＦＵＬＬ', 'full', true],
  ] as const)('%j contains %j → %s', (haystack, needle, expected) => {
    expect(searchMatches(haystack, needle)).toBe(expected);
  });

  it('other normalisations', () => {
    expect(searchMatches('Håvard', 'hav', { skipDiacritics: false, whitespace: 'merge' })).toBe(false);
    expect(searchMatches('the quick brown', 'quickbrown', { skipDiacritics: true, whitespace: 'skip' })).toBe(true);
    expect(normalizeForSearch('A  B', { skipDiacritics: true, whitespace: 'keep' })).toBe('a  b');
  });
});

describe('dates', () => {
  const day = (y: number, m: number, d: number): number => calendarDay(y, m, d)!;
  it.each([
    ['Tue, 3 Mar 2026 23:30:00 -0500', day(2026, 3, 3)],
    ['3 Mar 2026 00:10 +1400', day(2026, 3, 3)],
    ['Mon, 02 mar 26 10:00:00 GMT', day(2026, 3, 2)],
    ['1 Jan 99 00:00 +0000', day(1999, 1, 1)],
    ['Fri, 21 Nov 1997 09:55:06 -0600 (CST)', day(1997, 11, 21)],
    ['Tue Mar  3 10:00:00 2026', day(2026, 3, 3)],
    ['2026-03-03T10:00:00Z', day(2026, 3, 3)],
    ['31 Feb 2026 10:00', null],
    ['garbage', null],
    [null, null],
  ] as Array<[string | null, number | null]>)('sentDay(%j)', (input, expected) => {
    expect(sentDay(input)).toBe(expected);
  });
});
