import { describe, expect, it } from 'vitest';
import { compareValues, compileGlob, GlobCache, matchAny, matchGlob, type ComparatorName, type MatchSpec } from '../../src/sieve-script/index.js';

const glob = (pattern: string, value: string, casemap = true): string[] | null =>
  matchGlob(compileGlob(pattern, casemap), value, casemap);

describe(':matches wildcards', () => {
  const table: Array<[string, string, boolean, string[] | null]> = [
    ['*', '', true, ['']],
    ['*', 'anything', true, ['anything']],
    ['?', '', true, null],
    ['?', 'x', true, ['x']],
    ['?', 'é', true, ['é']],
    ['a?c', 'abc', true, ['b']],
    ['a?c', 'ac', true, null],
    ['*@example.com', 'fred@EXAMPLE.com', true, ['fred']],
    ['*@example.com', 'fred@EXAMPLE.com', false, null],
    ['[*] *', '[acme-users] [fwd] version 1.2', true, ['acme-users', '[fwd] version 1.2']],
    ['*<*@*', 'Acme <acme.example.com@lists>', true, ['Acme ', 'acme.example.com', 'lists>']],
    ['*a*b', 'xaybzab', true, ['x', 'ybza']],
    ['a*', 'b', true, null],
    ['*x', 'abc', true, null],
    ['**', 'ab', true, ['', 'ab']],
    ['\\*', '*', true, []],
    ['\\*', 'x', true, null],
    ['\\?x', '?x', true, []],
    ['a\\\\b', 'a\\b', true, []],
    ['FRED*', 'fred smith', true, [' smith']],
  ];
  it.each(table)('%j against %j (casemap %s)', (pattern, value, casemap, expected) => {
    expect(glob(pattern, value, casemap)).toEqual(expected);
  });

  it('captures keep the original case under i;ascii-casemap', () => {
    expect(glob('*@*', 'Fred@Example.COM')).toEqual(['Fred', 'Example.COM']);
  });

  it('costs at most pattern length times value length (no exponential backtracking)', () => {
    const value = 'a'.repeat(20000);
    expect(glob('*a*a*a*a*a*a*a*a*b', value)).toBeNull();
  });

  it('a cache compiles each pattern once', () => {
    const cache = new GlobCache();
    expect(cache.get('a*', true)).toBe(cache.get('a*', true));
    expect(cache.get('a*', true)).not.toBe(cache.get('a*', false));
  });
});

describe('comparators', () => {
  const table: Array<[ComparatorName, string, string, number]> = [
    ['i;octet', 'a', 'a', 0],
    ['i;octet', 'A', 'a', -1],
    ['i;octet', 'b', 'a', 1],
    ['i;octet', '\u{1F600}', '\uFFFD', 1], // code point (octet) order, not UTF-16 order
    ['i;ascii-casemap', 'ABC', 'abc', 0],
    ['i;ascii-casemap', 'É', 'é', -1], // only ASCII letters fold (U+00C9 < U+00E9)
    ['i;ascii-casemap', 'a', 'B', -1],
    ['i;ascii-numeric', '10', '9', 1],
    ['i;ascii-numeric', '007', '7', 0],
    ['i;ascii-numeric', '5 apples', '5', 0],
    ['i;ascii-numeric', 'x', '99999999999999999999999', 1], // no digits: positive infinity
    ['i;ascii-numeric', 'x', 'y', 0],
    ['i;ascii-numeric', '123456789012345678901234567890', '123456789012345678901234567891', -1],
  ];
  it.each(table)('%s: %j vs %j', (comparator, a, b, sign) => {
    expect(Math.sign(compareValues(comparator, a, b))).toBe(sign);
  });
});

describe('match types and relational', () => {
  const globs = new GlobCache();
  const spec = (type: MatchSpec['type'], comparator: ComparatorName = 'i;ascii-casemap', relation: MatchSpec['relation'] = null): MatchSpec =>
    ({ type, comparator, relation });
  const table: Array<[string, MatchSpec, string[], string[], boolean]> = [
    [':is casemap', spec('is'), ['Hello'], ['hello'], true],
    [':is octet', spec('is', 'i;octet'), ['Hello'], ['hello'], false],
    [':is numeric', spec('is', 'i;ascii-numeric'), ['042'], ['42'], true],
    [':contains', spec('contains'), ['Buy CHEAP now'], ['cheap'], true],
    [':contains empty key', spec('contains'), ['x'], [''], true],
    [':contains none', spec('contains'), ['x'], ['y', 'z'], false],
    [':contains octet case', spec('contains', 'i;octet'), ['CHEAP'], ['cheap'], false],
    [':matches any key', spec('matches'), ['abc'], ['x*', 'a*'], true],
    ['no values', spec('is'), [], ['x'], false],
    [':count eq 2', spec('count', 'i;ascii-numeric', 'eq'), ['a', 'b'], ['2'], true],
    [':count gt 2', spec('count', 'i;ascii-numeric', 'gt'), ['a', 'b'], ['2'], false],
    [':count of nothing is 0', spec('count', 'i;ascii-numeric', 'eq'), [], ['0'], true],
    [':count ne', spec('count', 'i;ascii-numeric', 'ne'), ['a'], ['1', '2'], true],
    [':value gt numeric', spec('value', 'i;ascii-numeric', 'gt'), ['10'], ['9'], true],
    [':value gt casemap (string order)', spec('value', 'i;ascii-casemap', 'gt'), ['10'], ['9'], false],
    [':value le', spec('value', 'i;ascii-numeric', 'le'), ['3', '12'], ['3'], true],
    [':value lt', spec('value', 'i;ascii-numeric', 'lt'), ['3'], ['3'], false],
    [':value ge', spec('value', 'i;ascii-casemap', 'ge'), ['B'], ['a'], true],
    [':value eq casemap', spec('value', 'i;ascii-casemap', 'eq'), ['ABC'], ['abc'], true],
  ];
  it.each(table)('%s', (_name, match, values, keys, expected) => {
    expect(matchAny(match, values, keys, globs).matched).toBe(expected);
  });

  it(':matches gives ${0} and the wildcards of the key that matched', () => {
    expect(matchAny(spec('matches'), ['no', 'Re: hello'], ['re: *'], globs)).toEqual({ matched: true, captures: ['Re: hello', 'hello'] });
  });
});
