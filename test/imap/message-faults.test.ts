/** Table tests for faults an external compliance suite found (issue 15): LOGIN wildcards, SEARCH on parsed addresses. */
import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../src/imap/wire/parse/index.js';
import { ParseError } from '../../src/imap/wire/cursor.js';
import { Candidate, compileSearch } from '../../src/imap/commands/message/search/match.js';
import type { SearchKey } from '../../src/imap/wire/parse/types.js';

describe('LOGIN userid with list wildcards (as Cyrus)', () => {
  const CASES: Array<[string, string]> = [
    [' fred%example.org pass', 'fred%example.org'],
    [' fred*x pass', 'fred*x'],
    [' "fred%quoted" pass', 'fred%quoted'],
    [' a]b pass', 'a]b'],
  ];
  for (const [args, userid] of CASES) {
    it(args, () => expect(parseCommandText('LOGIN', args)).toEqual({ name: 'LOGIN', userid, password: 'pass' }));
  }
  it('still refuses a parenthesis', () => expect(() => parseCommandText('LOGIN', ' fr(ed pass')).toThrow(ParseError));
});

function matches(header: string, key: SearchKey): boolean {
  const candidate = new Candidate(1, 1, 0, undefined, 0, 10, false, null, Buffer.from(`${header}\r\n\r\n`));
  return compileSearch(key, { count: 1, largestUid: 1 }).match(candidate) === true;
}

describe('SEARCH FROM/TO/CC/BCC match the parsed address (RFC 5322 CFWS)', () => {
  const CASES: Array<[string, SearchKey, boolean]> = [
    ['From: fred (the boss) @ (home) example.org', { kind: 'header', field: 'FROM', value: 'fred@example.org' }, true],
    ['To: Joe <joe . smith @\r\n example.org>', { kind: 'header', field: 'TO', value: 'joe.smith@example.org' }, true],
    ['Cc: a@b.c, "X" <x(c)@y.z>', { kind: 'header', field: 'CC', value: 'x@y.z' }, true],
    ['Bcc: bob @ example.org', { kind: 'header', field: 'BCC', value: 'BOB@EXAMPLE.ORG' }, true],
    ['From: fred (c) @ example.org', { kind: 'header', field: 'FROM', value: 'joe@example.org' }, false],
    ['From: fred@example.org', { kind: 'header', field: 'FROM', value: 'fred@ex' }, true],
    // Only address fields are parsed as addresses.
    ['Subject: fred (x) @ example.org', { kind: 'header', field: 'SUBJECT', value: 'fred@example.org' }, false],
  ];
  for (const [header, key, expected] of CASES) {
    it(`${JSON.stringify(header)} ${key.kind === 'header' ? key.value : ''}`, () => expect(matches(header, key)).toBe(expected));
  }
});
