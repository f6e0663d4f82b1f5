// Rewriting the entries of one identifier in ACL text, as a table.
import { describe, expect, it } from 'vitest';
import { aclWithIdentifier } from '../../src/accounts/acl-entries.js';

describe('aclWithIdentifier', () => {
  const cases: Array<[string, string, string | null, string | null]> = [
    ['fred\tlrs\t', 'fred', 'joe', 'joe\tlrs\t'],
    ['anyone\tlr\t-fred\tr\t', 'fred', 'joe', 'anyone\tlr\t-joe\tr\t'],
    ['anyone\tlr\t-fred\tr\tfred\tlw\t', 'fred', null, 'anyone\tlr\t'],
    ['joe\tl\tfred\tlrs\t', 'fred', 'joe', 'joe\tlrs\t'], // the renamed entry replaces joe's old one
    ['fredrick\tlrs\tgroup:fred\tl\t', 'fred', 'joe', null], // other identifiers are untouched
    ['anyone\tfred\t', 'fred', 'joe', null], // a rights field spelled like the identifier
    ['', 'fred', null, null],
  ];
  for (const [acl, from, to, expected] of cases) {
    it(`${JSON.stringify(acl)}: ${from} -> ${to}`, () => expect(aclWithIdentifier(acl, from, to)).toBe(expected));
  }
});
