import { describe, expect, it } from 'vitest';
import { formatThreads, messageIds, orderedSubjectThreads, referencesThreads, type ThreadMessage } from '../../src/message/index.js';

const day = (d: number, h = 0): number => Date.UTC(2026, 2, d, h);
const msg = (id: number, subject: string | null, date: number, messageId: string | null, references: string | null = null, inReplyTo: string | null = null): ThreadMessage => ({
  id, subject, date, messageId, references, inReplyTo,
});

describe('messageIds', () => {
  it('reads msg-ids in order, comments and junk skipped', () => {
    expect(messageIds('<a@x> (c <z@z>) junk <B@Y>')).toEqual(['a@x', 'b@y']);
    expect(messageIds(null)).toEqual([]);
  });
});

describe('ORDEREDSUBJECT', () => {
  it('groups by base subject, the first (by date) is the parent, threads ordered by their first date', () => {
    const messages = [
      msg(1, 'Re: apple', day(3), null),
      msg(2, 'banana', day(1), null),
      msg(3, 'apple', day(2), null),
      msg(4, '[list] Fwd: apple', day(4), null),
      msg(5, 'Re: banana', day(1), null),
      msg(6, 'cherry', day(5), null),
    ];
    expect(formatThreads(orderedSubjectThreads(messages))).toBe('(2 5)(3 (1)(4))(6)');
  });
  it('nothing: no threads', () => expect(formatThreads(orderedSubjectThreads([]))).toBe(''));
});

describe('REFERENCES', () => {
  it('links by References, then In-Reply-To; siblings by date', () => {
    const messages = [
      msg(1, 'topic', day(1), '<a@x>'),
      msg(2, 'Re: topic', day(2), '<b@x>', '<a@x>'),
      msg(3, 'Re: topic', day(4), '<c@x>', '<a@x> <b@x>'),
      msg(4, 'Re: topic', day(3), '<d@x>', null, '<a@x>'),
      msg(5, 'other', day(5), '<e@x>'),
    ];
    expect(formatThreads(referencesThreads(messages))).toBe('(1 (2 3)(4))(5)');
  });

  it('a missing parent becomes a dummy: pruned when it holds one child, kept at the root for several', () => {
    const one = [msg(1, 'Re: lost', day(1), '<b@x>', '<gone@x>'), msg(2, 'x', day(2), '<c@x>')];
    expect(formatThreads(referencesThreads(one))).toBe('(1)(2)');
    const two = [msg(1, 'Re: lost', day(2), '<b@x>', '<gone@x>'), msg(2, 'Re: lost', day(1), '<c@x>', '<gone@x>')];
    expect(formatThreads(referencesThreads(two))).toBe('((2)(1))');
  });

  it('survives References loops and duplicate Message-IDs', () => {
    const messages = [
      msg(1, 'loop', day(1), '<a@x>', '<b@x>'),
      msg(2, 'loop', day(2), '<b@x>', '<a@x>'),
      msg(3, 'dup', day(3), '<a@x>'),
      msg(4, 'self', day(4), '<s@x>', '<s@x>'),
    ];
    const threads = referencesThreads(messages);
    const ids = JSON.stringify(threads).match(/"id":\d+/g)!.map((s) => Number(s.slice(5))).sort();
    expect(ids).toEqual([1, 2, 3, 4]);
    // The first message's References made b the parent of a; the second cannot reverse that (a loop).
    expect(formatThreads(threads)).toBe('(2 1)(3)(4)');
  });

  it('groups roots by base subject: a reply joins the original, two originals share a dummy', () => {
    const replies = [msg(1, 'hello', day(1), '<a@x>'), msg(2, 'Re: hello', day(2), '<b@x>')];
    expect(formatThreads(referencesThreads(replies))).toBe('(1 2)');
    const originals = [msg(1, 'hello', day(1), '<a@x>'), msg(2, 'hello', day(2), '<b@x>')];
    expect(formatThreads(referencesThreads(originals))).toBe('((1)(2))');
  });

  it('messages without Message-ID or date stand alone, ordered by date then number', () => {
    const messages = [msg(2, null, day(1), null), msg(1, 'x', day(1), null), msg(3, 'y', day(0), null)];
    expect(formatThreads(referencesThreads(messages))).toBe('(3)(1)(2)');
  });
});
