/**
 * The THREAD algorithms over integer arrays (threadForest.ts, threads.ts, threadRefs.ts): msg-ids
 * read as the RFC 5256 pattern reads them, and the subject-grouping and pruning cases of
 * REFERENCES, ORDEREDSUBJECT and REFS (expected answers: the object-based implementation these
 * replaced, on the same corpora).
 */
import { describe, expect, it } from 'vitest';
import {
  formatForest, formatThreads, messageIds, referencesForest, orderedSubjectThreads, referencesThreads, refsThreads, type ThreadMessage,
} from '../../src/message/index.js';
import { orderByKeys } from '../../src/message/threadForest.js';
import { threadInputOf } from '../../src/message/threads.js';

const day = (d: number, h = 0): number => Date.UTC(2026, 2, d, h);
const msg = (id: number, subject: string | null, date: number, messageId: string | null, references: string | null = null, inReplyTo: string | null = null): ThreadMessage => ({
  id, subject, date, messageId, references, inReplyTo,
});

/** The msg-id pattern itself, as the scanner must read it. */
const pattern = (value: string): string[] => [...value.replace(/\([^)]*\)/g, ' ').matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!.toLowerCase());

describe('messageIds', () => {
  it('reads what the pattern reads, on awkward and random text', () => {
    const awkward = ['<a@x>', '<>', '<<a@x>>', '<a <b@x>', '<a@x', 'x> <y@Z>', '<a(c)b@x> <d@x>', '(<a@x>) <b@x>', '(open <a@x>', '<a\u00a0b@x> <c\u2028@x> <d@x>', '<A@X><B@Y>'];
    for (const value of awkward) expect(messageIds(value)).toEqual(pattern(value));
    const alphabet = ['<', '>', '(', ')', ' ', '\t', 'a', 'B', '@', '.', '\u00a0', '\ufeff', 'é'];
    let seed = 7;
    const next = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    for (let t = 0; t < 3000; t++) {
      const value = Array.from({ length: next(24) }, () => alphabet[next(alphabet.length)]).join('');
      expect(messageIds(value)).toEqual(pattern(value));
    }
  });
});

describe('orderByKeys', () => {
  it('orders by each key in turn, then by index, NaN last', () => {
    const a = Float64Array.from([3, 1, 2, 1, NaN, -0, 0]);
    const b = Float64Array.from([0, 5, 0, 4, 0, 1, 0]);
    expect([...orderByKeys(7, [a, b])]).toEqual([6, 5, 3, 1, 2, 0, 4]);
    expect([...orderByKeys(3, [Float64Array.from([1, 1, 1])])]).toEqual([0, 1, 2]);
  });
});

describe('THREAD cases', () => {
  const CASES: Array<[string, ThreadMessage[], string, string, string]> = [
    ['a dummy holds the subject: the later roots join it',
      [msg(1, 'Re: lost', day(2), '<b@x>', '<gone@x>'), msg(2, 'Re: lost', day(1), '<c@x>', '<gone@x>'), msg(3, 'lost', day(3), '<d@x>'), msg(4, 'Re: lost', day(4), '<e@x>')],
      '((2)(1)(3)(4))', '(2 (1)(3)(4))', '((2)(1))(3)(4)'],
    ['two dummies of one subject merge',
      [msg(1, 'x', day(1), '<b@x>', '<g1@x>'), msg(2, 'x', day(2), '<c@x>', '<g1@x>'), msg(3, 'Re: x', day(3), '<d@x>', '<g2@x>'), msg(4, 'x', day(4), '<e@x>', '<g2@x>')],
      '((1)(2)(3)(4))', '(1 (2)(3)(4))', '((1)(2))((3)(4))'],
    ['a later dummy takes an earlier message in',
      [msg(1, 'y', day(1), '<a@x>'), msg(2, 'Re: y', day(2), '<b@x>', '<g@x>'), msg(3, 'Re: y', day(3), '<c@x>', '<g@x>')],
      '((1)(2)(3))', '(1 (2)(3))', '(1)((2)(3))'],
    ['replies join the first original; a second original shares a dummy with it',
      [msg(1, 'Re: z', day(1), '<a@x>'), msg(2, 'z', day(2), '<b@x>'), msg(3, 'Fwd: z', day(3), '<c@x>'), msg(4, 'z', day(4), '<d@x>')],
      '((2 (1)(3))(4))', '(1 (2)(3)(4))', '(1)(2)(3)(4)'],
    ['replies join a later original',
      [msg(1, 'Re: k', day(1), '<a@x>'), msg(2, 'Re: k', day(2), '<b@x>'), msg(3, 'RE: k', day(3), '<c@x>'), msg(4, 'k', day(4), '<d@x>')],
      '(4 (1)(2)(3))', '(1 (2)(3)(4))', '(1)(2)(3)(4)'],
    ['two replies without an original share a dummy',
      [msg(1, 'Re: k', day(1), '<a@x>'), msg(2, 'Re: k', day(2), '<b@x>')],
      '((1)(2))', '(1 2)', '(1)(2)'],
    ['chains of missing parents are pruned to the messages',
      [msg(1, 'q', day(5), '<a@x>', '<g1@x> <g2@x> <g3@x>'), msg(2, 'w', day(1), '<b@x>', '<g1@x> <g2@x>'), msg(3, 'e', day(3), '<c@x>', '<g1@x>'), msg(4, 'r', day(2), '<d@x>', '<a@x>')],
      '((2)(3)(1 4))', '(2)(4)(3)(1)', '((2)(3)(1 4))'],
    ['In-Reply-To counts only without References msg-ids, and only its first',
      [msg(1, 'p', day(1), '<a@x>'), msg(2, 'p2', day(2), '<b@x>'), msg(3, 'p3', day(3), '<c@x>', null, '<b@x> <a@x>'), msg(4, 'p4', day(4), '<d@x>', 'no ids here', '<a@x>')],
      '(1 4)(2 3)', '(1)(2)(3)(4)', '(2 3)(1 4)'],
    ['equal dates: numbers decide, in any input order; empty subjects never group (but are one ORDEREDSUBJECT thread)',
      [msg(5, 'a', day(1), '<a@x>'), msg(2, 'b', day(1), '<b@x>', '<a@x>'), msg(9, 'c', day(1), '<c@x>', '<a@x>'), msg(1, '', day(1), null), msg(3, '', day(1), null)],
      '(1)(3)(5 (2)(9))', '(1 3)(2)(5)(9)', '(1)(3)(5 (2)(9))'],
  ];
  for (const [name, messages, references, orderedSubject, refs] of CASES) {
    it(name, () => {
      expect(formatThreads(referencesThreads(messages))).toBe(references);
      expect(formatThreads(orderedSubjectThreads(messages))).toBe(orderedSubject);
      expect(formatThreads(refsThreads(messages, (m) => m.date + m.id * 1000))).toBe(refs);
    });
  }

  it('a chain of 20,000 replies threads and formats without deep recursion', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => msg(i + 1, 'long', day(1) + i, `<c${i}@x>`, i === 0 ? null : `<c${i - 1}@x>`));
    const { input, selection } = threadInputOf(chain);
    const text = formatForest(referencesForest(input, selection));
    expect(text).toBe(`(${chain.map((m) => m.id).join(' ')})`);
  });
});
