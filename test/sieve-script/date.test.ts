import { describe, expect, it } from 'vitest';
import {
  compileSieve, datePart, DATE_PARTS, parseMessageDate, parseZone, runSieve, type SieveEnvironment,
} from '../../src/sieve-script/index.js';

describe('parseMessageDate', () => {
  const table: Array<[string, string | null, number | null]> = [
    ['Tue, 1 Jul 2003 10:52:37 +0200', '2003-07-01T08:52:37.000Z', 120],
    ['1 Jul 2003 10:52:37 -0700 (PDT)', '2003-07-01T17:52:37.000Z', -420],
    ['Fri, 04 Dec 26 09:00 GMT', '2026-12-04T09:00:00.000Z', 0],
    ['Fri, 04 Dec 99 09:00:00 EST', '1999-12-04T14:00:00.000Z', -300],
    ['not a date', null, null],
    ['31 Foo 2003 10:00 +0000', null, null],
  ];
  it.each(table)('%s', (value, iso, offset) => {
    const parsed = parseMessageDate(value);
    expect(parsed === null ? null : new Date(parsed.utcMs).toISOString()).toBe(iso);
    expect(parsed === null ? null : parsed.offsetMinutes).toBe(offset);
  });

  it('zones', () => {
    expect([parseZone('+0130'), parseZone('-0800'), parseZone('0800'), parseZone('+2500')]).toEqual([90, -480, null, null]);
  });
});

describe('datePart', () => {
  // 2008-01-02 03:04:05 UTC, seen at -0500: 2008-01-01 22:04:05, a Tuesday.
  const moment = { utcMs: Date.UTC(2008, 0, 2, 3, 4, 5), offsetMinutes: -300 };
  const expected: Record<string, string> = {
    year: '2008', month: '01', day: '01', date: '2008-01-01', julian: '54466', hour: '22', minute: '04', second: '05',
    time: '22:04:05', iso8601: '2008-01-01T22:04:05-05:00', std11: 'Tue, 01 Jan 2008 22:04:05 -0500', zone: '-0500', weekday: '2',
  };
  it.each(DATE_PARTS.map((p) => [p]))('%s', (part) => {
    expect(datePart(moment, part)).toBe(expected[part]);
  });
});

describe('date and currentdate tests', () => {
  const header = Buffer.from('Date: Sat, 5 Dec 2026 00:30:00 +0100\r\nReceived: from x by y; Fri, 4 Dec 2026 23:00:00 -0100\r\n\r\n');
  const message = { header, content: header, size: header.length };
  const env = (more: Partial<SieveEnvironment> = {}): SieveEnvironment => ({
    envelopeFrom: 'a@example.org', envelopeTo: 'b@example.com', userAddresses: [], mailboxExists: () => false, ...more,
  });
  const matches = (test: string, environment = env()): boolean => {
    const result = compileSieve(`require ["date", "relational", "variables"]; if ${test} { discard; }`);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    return runSieve(result.script, message, environment).actions[0]!.type === 'discard';
  };
  const table: Array<[string, boolean]> = [
    ['date "date" "date" "2026-12-05"', false], // seen in the default zone +0000 it is still the 4th
    ['date "date" "date" "2026-12-04"', true],
    ['date :originalzone "date" "date" "2026-12-05"', true],
    ['date :zone "+0200" "date" "time" "01:30:00"', true],
    ['date "received" "hour" "00"', true],
    ['date :value "gt" "date" "hour" "22"', true],
    ['date "x-missing" "year" "2026"', false],
    ['currentdate "year" "2026"', false], // no clock given
  ];
  it.each(table)('%s', (test, expected) => {
    expect(matches(test)).toBe(expected);
  });

  it('currentdate reads the time the caller gives, in the server zone', () => {
    const now = new Date(Date.UTC(2026, 11, 4, 19, 0, 0));
    expect(matches('currentdate "date" "2026-12-04"', env({ now }))).toBe(true);
    expect(matches('currentdate "date" "2026-12-05"', env({ now, zone: '+0600' }))).toBe(true);
    expect(matches('currentdate :zone "-0800" "hour" "11"', env({ now, zone: '+0600' }))).toBe(true);
  });

  it('a bad zone from a variable is a runtime error', () => {
    const result = compileSieve('require ["date", "variables"]; set "z" "CET"; if currentdate :zone "${z}" "hour" "1" { discard; }');
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(runSieve(result.script, message, env({ now: new Date(0) }))).toEqual({ actions: [{ type: 'keep', flags: null }], error: 'bad time zone "CET"' });
  });
});
