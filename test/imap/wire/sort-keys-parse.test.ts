/** The SORT key list (RFC 5256, RFC 5957's DISPLAY keys, Cyrus's UID and MODSEQ): a table of inputs. */
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../src/imap/wire/cursor.js';
import { parseCommandText } from '../../../src/imap/wire/parse/index.js';

const keysOf = (list: string) => {
  const command = parseCommandText('SORT', ` ${list} UTF-8 ALL`);
  if (command.name !== 'SORT') throw new Error('not SORT');
  return command.keys.map((k) => `${k.reverse ? '-' : ''}${k.key}`).join(' ');
};

describe('SORT keys', () => {
  const VALID: Array<[string, string]> = [
    ['(UID)', 'UID'],
    ['(uid)', 'UID'],
    ['(REVERSE UID)', '-UID'],
    ['(MODSEQ)', 'MODSEQ'],
    ['(reverse modseq)', '-MODSEQ'],
    ['(MODSEQ REVERSE ARRIVAL UID)', 'MODSEQ -ARRIVAL UID'],
    ['(REVERSE MODSEQ REVERSE UID)', '-MODSEQ -UID'],
    // Cyrus takes a key twice; so do we (the second never decides anything).
    ['(MODSEQ MODSEQ)', 'MODSEQ MODSEQ'],
    ['(SIZE DISPLAYFROM)', 'SIZE DISPLAYFROM'],
  ];
  for (const [input, expected] of VALID) it(input, () => expect(keysOf(input)).toBe(expected));

  const INVALID: Array<[string, RegExp]> = [
    ['(REVERSE)', /REVERSE needs a sort key/],
    ['(REVERSE REVERSE UID)', /REVERSE twice/],
    ['(UIDS)', /Unknown sort key UIDS/],
    ['(MODSEQ2)', /Unknown sort key/],
    ['(X-MODSEQ)', /Unknown sort key/],
    ['()', /./],
    ['UID', /./],
  ];
  for (const [input, message] of INVALID) {
    it(`refuses ${input}`, () => {
      expect(() => keysOf(input)).toThrow(ParseError);
      expect(() => keysOf(input)).toThrow(message);
    });
  }
});
