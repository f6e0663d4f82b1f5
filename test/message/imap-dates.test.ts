// IMAP date-text and date-time (RFC 3501 grammar): a day past the month's end carries over, as
// Cyrus 3.6 answers (checked against the peer: 31-Feb-2026 → 3-Mar-2026, 00-Jan → 31-Dec,
// 24:00:00 → next midnight); text off the grammar is refused.
import { describe, expect, test } from 'vitest';
import { parseImapDateText, parseImapDateTime } from '../../src/message/index.js';

describe('parseImapDateText', () => {
  test.each([
    ['1-Feb-1994', false, { year: 1994, month: 2, day: 1 }],
    ['29-Feb-2024', false, { year: 2024, month: 2, day: 29 }],
    ['29-Feb-2025', false, { year: 2025, month: 3, day: 1 }],
    ['31-Feb-2026', false, { year: 2026, month: 3, day: 3 }],
    ['31-Apr-2026', false, { year: 2026, month: 5, day: 1 }],
    ['0-Jan-2026', false, { year: 2025, month: 12, day: 31 }],
    ['99-Dec-2026', false, { year: 2027, month: 3, day: 9 }],
    ['05-jan-0050', false, { year: 50, month: 1, day: 5 }],
    [' 5-Jan-2026', true, { year: 2026, month: 1, day: 5 }],
    ['32-Jan-2026', true, { year: 2026, month: 2, day: 1 }],
  ])('%s (fixed day: %s)', (text, fixed, want) => {
    expect(parseImapDateText(text, fixed)).toEqual(want);
  });
  test.each([['1-Foo-2026', false], ['123-Jan-2026', false], ['1-Jan-26', false], ['5-Jan-2026', true], ['', false], ['1-Jan-2026 ', false]])(
    'refuses %j',
    (text, fixed) => {
      expect(parseImapDateText(text, fixed)).toBeNull();
    },
  );
});

describe('parseImapDateTime', () => {
  test.each([
    ['17-Jul-1996 02:44:25 -0700', '1996-07-17T09:44:25.000Z'],
    ['31-Feb-2026 10:00:00 +0000', '2026-03-03T10:00:00.000Z'],
    ['31-Feb-2026 24:00:00 +0000', '2026-03-04T00:00:00.000Z'],
    ['31-Dec-2026 23:60:00 +0100', '2026-12-31T23:00:00.000Z'],
    ['01-Jan-2026 00:00:60 +0000', '2026-01-01T00:01:00.000Z'],
    ['00-Jan-2026 10:00:00 -0130', '2025-12-31T11:30:00.000Z'],
  ])('%s', (text, iso) => {
    expect(parseImapDateTime(text)?.toISOString()).toBe(iso);
  });
  test.each(['1-Jan-2026 00:00:00 +0000', '01-Jan-2026 0:00:00 +0000', '01-Jan-2026 00:00:00 0000', '01-Jan-2026 00:00:00 +000', '01-Jan-2026T00:00:00 +0000'])(
    'refuses %j',
    (text) => {
      expect(parseImapDateTime(text)).toBeNull();
    },
  );
});
