import { describe, expect, it } from 'vitest';
import { dirHashLetter, mailboxDirectory } from '../../src/store/index.js';
import { addUids, formatUidRanges, parseUidRanges, removeUids } from '../../src/mailbox/seqset.js';

describe('mailboxDirectory', () => {
  const plain = { hashSpool: false, fullDirHash: false };
  const hashed = { hashSpool: true, fullDirHash: false };
  const full = { hashSpool: true, fullDirHash: true };
  const cases: Array<[string, typeof plain, string]> = [
    ['user.fred.Sent', plain, '/p/user/fred/Sent'],
    ['user.fred.Sent', hashed, '/p/f/user/fred/Sent'],
    ['shared.news', hashed, '/p/s/shared/news'],
    ['user.1abc', hashed, '/p/q/user/1abc'],
    ['example.com!user.fred', plain, '/p/domain/example.com/user/fred'],
    ['example.com!user.fred', hashed, '/p/domain/e/example.com/f/user/fred'],
  ];
  it.each(cases)('%s', (name, layout, expected) => expect(mailboxDirectory('/p', name, layout)).toBe(expected));
  it('fulldirhash letters are A-W and stop at the first dot', () => {
    const letter = dirHashLetter('fred', true);
    expect(letter).toMatch(/^[A-W]$/);
    expect(dirHashLetter('fred.x', true)).toBe(letter);
    expect(mailboxDirectory('/p', 'user.fred', full)).toBe(`/p/${letter}/user/fred`);
  });
});

describe('uid ranges', () => {
  const cases: Array<[string, number[], number[], string]> = [
    ['', [1, 2, 3], [], '1:3'],
    ['1:10', [], [5], '1:4,6:10'],
    ['1:3,7', [4, 5, 6], [], '1:7'],
    ['1:3,7', [], [1, 2, 3, 7], ''],
    ['5,1:2', [3], [9], '1:3,5'],
  ];
  it.each(cases)('%s +%j -%j = %s', (start, add, remove, expected) => {
    expect(formatUidRanges(removeUids(addUids(parseUidRanges(start), add), remove))).toBe(expected);
  });

  const parsed: Array<[string, Array<[number, number]>]> = [
    ['7', [[7, 7]]],
    ['1:3,5,9:12', [[1, 3], [5, 5], [9, 12]]],
    ['9:4', [[4, 9]]],
    ['1:3,4:6', [[1, 6]]],
    ['10,1:2,2:5', [[1, 5], [10, 10]]],
    ['4294967295', [[4294967295, 4294967295]]],
  ];
  it.each(parsed)('parses %s', (text, expected) => {
    expect(parseUidRanges(text)).toEqual(expected);
  });

  it.each(['0', '1:0', ',', '1,', ',1', '1::2', ':5', '1:', 'a', '1,b', ' 1', '1 ', '1e3', '0x10', '-1', '1.5', '99999999999999999999'])(
    'rejects %j',
    (text) => {
      expect(() => parseUidRanges(text)).toThrow(/bad uid set/);
    },
  );

  it('round-trips 50,000 ranges', () => {
    const text = Array.from({ length: 50_000 }, (_, i) => (i % 2 ? `${i * 4 + 1}:${i * 4 + 2}` : `${i * 4 + 1}`)).join(',');
    const ranges = parseUidRanges(text);
    expect(ranges).toHaveLength(50_000);
    expect(ranges[1]).toEqual([5, 6]);
    expect(formatUidRanges(ranges)).toBe(text);
  });
});
