// The Rights type: parsing (c and d as Cyrus 3.6's macros), the canonical text, the set operations.
import { describe, expect, it } from 'vitest';
import { Rights } from '../../src/acl/index.js';
import { isMailError } from '../../src/common/errors.js';

/** The MailError kind `fn` throws, or 'none'. */
function kindOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return isMailError(err) ? err.kind : `not a MailError: ${String(err)}`;
  }
  return 'none';
}

describe('Rights.parse and format', () => {
  it.each([
    ['', ''],
    ['lrswipkxtecdan', 'lrswipkxtecdan'],
    ['nalr', 'lran'],
    ['rrll', 'lr'],
    // c stands for k and x, d for t and e, when the text names none of their members ...
    ['c', 'kxc'],
    ['d', 'ted'],
    ['lrsd', 'lrsted'],
    ['lrsc', 'lrskxc'],
    // ... and adds nothing when it names one of them; the macro shows whenever a member is held.
    ['ck', 'kc'],
    ['xc', 'xc'],
    ['dt', 'td'],
    ['de', 'ed'],
    ['k', 'kc'],
    ['e', 'ed'],
  ])('%j is %j', (text, shown) => expect(Rights.parse(text).format()).toBe(shown));

  it('refuses an unknown right with Invalid, unless lenient (a stored ACL)', () => {
    expect(kindOf(() => Rights.parse('lrz'))).toBe('Invalid');
    expect(kindOf(() => Rights.parse('l0'))).toBe('Invalid');
    expect(kindOf(() => Rights.parse('lrs'))).toBe('none');
    expect(Rights.parse('lr0z', { lenient: true }).format()).toBe('lr');
  });

  it('gives one shared, frozen object per set', () => {
    expect(Rights.parse('rl')).toBe(Rights.parse('lr'));
    expect(Rights.parse('lr').union('s')).toBe(Rights.parse('lrs'));
    expect(Rights.parse('')).toBe(Rights.NONE);
    expect(Rights.parse('lrswipkxtean')).toBe(Rights.ALL);
    expect(Object.isFrozen(Rights.parse('lrs'))).toBe(true);
    expect(Rights.from('lr')).toBe(Rights.parse('lr'));
    expect(`${Rights.ALL}`).toBe('lrswipkxtecdan');
  });
});

describe('Rights operations', () => {
  it.each([
    ['lrs', 'lr', true],
    ['lrs', 'lw', false],
    ['lrs', '', true],
    ['', 'l', false],
    ['lrswipkxtecdan', 'lrswipkxtecdan', true],
    ['lrsk', 'c', false], // c is k and x
    ['lrskx', 'c', true],
    ['lrst', 'd', false], // d is t and e
    ['lrste', 'd', true],
  ])('%j has %j: %s', (held, needed, expected) => {
    expect(Rights.parse(held).has(needed)).toBe(expected);
    expect(Rights.parse(held).has(Rights.parse(needed))).toBe(expected);
  });

  it.each([
    ['lrs', 'stw', true],
    ['lr', 'stw', false],
    ['lr', '', false],
  ])('%j has any of %j: %s', (held, some, expected) => expect(Rights.parse(held).hasAny(some)).toBe(expected));

  it.each([
    // held, other, union, minus, intersect, missing (other minus held)
    ['lr', 'rs', 'lrs', 'l', 'r', 's'],
    ['lrswi', '', 'lrswi', 'lrswi', '', ''],
    ['', 'lr', 'lr', '', '', 'lr'],
    ['lrsc', 'k', 'lrskxc', 'lrsxc', 'kc', ''], // removing k leaves x, so c still shows
    ['lrsd', 't', 'lrsted', 'lrsed', 'td', ''],
    ['lrsd', 'te', 'lrsted', 'lrs', 'ted', ''],
  ])('%j with %j', (held, other, union, minus, intersect, missing) => {
    const a = Rights.parse(held);
    expect(a.union(other).format()).toBe(union);
    expect(a.minus(other).format()).toBe(minus);
    expect(a.intersect(other).format()).toBe(intersect);
    expect(a.missing(other).format()).toBe(missing);
    expect(a.format()).toBe(Rights.parse(held).format()); // unchanged: immutable
  });

  it('is empty only without any right', () => {
    expect(Rights.NONE.isEmpty).toBe(true);
    expect(Rights.parse('l').isEmpty).toBe(false);
    expect(Rights.parse('l').minus('l').isEmpty).toBe(true);
  });
});
