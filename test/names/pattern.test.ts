// The one LIST-pattern matcher (src/names/pattern.ts): semantics, and proof that hostile patterns
// cost a number of steps linear in the name (issue 17 item 1), counted, not timed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileListPattern, patternSteps, type MatchMeter } from '../../src/names/index.js';

/** A plain backtracking matcher, for short inputs only: the meaning the automaton must keep. */
function reference(pattern: string, name: string, sep: string): boolean {
  if (pattern === '') return name === '';
  const [head, rest] = [pattern[0]!, pattern.slice(1)];
  if (head === '*' || head === '%') {
    for (let i = 0; i <= name.length; i++) {
      if (reference(rest, name.slice(i), sep)) return true;
      if (head === '%' && name[i] === sep) return false;
    }
    return false;
  }
  return name.startsWith(head) && reference(rest, name.slice(1), sep);
}

describe('matching', () => {
  const cases: Array<[string, string, string, boolean]> = [
    // pattern, separator, name, matches
    ['*', '.', 'user.fred.Sent', true],
    ['*', '.', '', true],
    ['%', '.', '', true],
    ['', '.', '', true],
    ['', '.', 'x', false],
    ['%', '.', 'user', true],
    ['%', '.', 'user.fred', false],
    ['%', '/', 'user.fred', true],
    ['%', '/', 'user/fred', false],
    ['user.%', '.', 'user.fred', true],
    ['user.%', '.', 'user.', true],
    ['user.%', '.', 'user.fred.Sent', false],
    ['user.*', '.', 'user.fred.Sent', true],
    ['user.*', '.', 'user', false],
    ['user.f%d', '.', 'user.fred', true],
    ['user.f%d', '.', 'user.fxd.d', false],
    ['user.f*d', '.', 'user.fx.d', true],
    ['user.fred', '.', 'user.fred', true],
    ['user.fred', '.', 'user.fredx', false],
    ['user.fred', '.', 'user.fre', false],
    ['user.%.Sent', '.', 'user.fred.Sent', true],
    ['user.%.Sent', '.', 'user.fred.x.Sent', false],
    ['user.*.Sent', '.', 'user.fred.x.Sent', true],
    ['%.%', '.', 'a.b', true],
    ['%.%', '.', '.', true],
    ['%.%', '.', 'a.b.c', false],
    ['%*', '.', 'a.b.c', true],
    ['*%', '.', 'a.b.c', true],
    ['%%%', '.', 'a.b', false],
    ['a+b.(c)', '.', 'a+b.(c)', true],
    ['[x]^$\\', '.', '[x]^$\\', true],
    ['a.b', '/', 'aXb', false],
    ['example.com!user.%', '.', 'example.com!user.fred', true],
    ['INBOX*', '/', 'INBOX/Sent', true],
    ['*a*a', '.', 'aa', true],
    ['*a*a', '.', 'a', false],
    ['a%aab', '.', 'aaab', true],
    ['%a.a%b', '.', 'a.a.ab', false],
    ['%a.a%b', '.', 'xa.ayb', true],
    ['*ab', '.', 'aab', true],
    ['*.%', '.', 'a.b.c', true],
    ['*.%', '.', 'abc', false],
    ['%.*', '.', 'a.b.c', true],
    ['%a%', '.', 'b.a', false],
    ['%a%', '.', 'ba.', false],
    ['%é%', '/', 'caf&AOk-é', true],
  ];
  it.each(cases)('%j (separator %j) against %j: %s', (pattern, sep, name, expected) => {
    expect(compileListPattern(pattern, sep).matches(name)).toBe(expected);
    expect(reference(pattern, name, sep)).toBe(expected);
  });

  it('agrees with a backtracking matcher on every short pattern and name', () => {
    const patternArb = fc.string({ unit: fc.constantFrom('a', 'b', '.', '*', '%'), maxLength: 8 });
    const nameArb = fc.string({ unit: fc.constantFrom('a', 'b', '.'), maxLength: 10 });
    fc.assert(
      fc.property(patternArb, nameArb, (pattern, name) => compileListPattern(pattern, '.').matches(name) === reference(pattern, name, '.')),
      { numRuns: 20_000, seed: 17 },
    );
  });

  it('describes the pattern', () => {
    const p = compileListPattern('user.fr%.x*', '.');
    expect([p.text, p.separator, p.literalPrefix, p.isLiteral, p.hasStar]).toEqual(['user.fr%.x*', '.', 'user.fr', false, true]);
    const q = compileListPattern('user.fred', '.');
    expect([q.literalPrefix, q.isLiteral, q.hasStar]).toEqual(['user.fred', true, false]);
  });
});

describe('reaches: can a name starting with this prefix match?', () => {
  it.each([
    ['*', 'user/', true], ['%', 'user/', false], ['%', 'user', true], ['Other Users/%', 'Other Users/', true],
    ['Other Users/%', 'Other', true], ['Sent', 'Other Users/', false], ['INBOX*', 'INBOX/', true], ['INBOX*', 'Shared Folders/', false],
    ['%/Sent', 'user/', true], ['%/Sent', 'user/x/', false], ['u*s', 'user/joe/', true], ['a%b', 'a/', false],
    ['abc', 'ab', true], ['abc', 'abd', false], ['', '', true], ['', 'x', false],
  ] as Array<[string, string, boolean]>)('%j from %j: %s', (pattern, prefix, expected) => {
    expect(compileListPattern(pattern, '/').reaches(prefix)).toBe(expected);
  });

  it('agrees with trying every completion (one no longer than the pattern exists when any does)', () => {
    const completions = (max: number): string[] => {
      const out = [''];
      for (let i = 0; i < out.length && out[i]!.length < max; i++) for (const c of 'ab.') out.push(out[i]! + c);
      return out;
    };
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'b', '.', '*', '%'), maxLength: 5 }),
        fc.string({ unit: fc.constantFrom('a', 'b', '.'), maxLength: 6 }),
        (pattern, prefix) => {
          const expected = completions(pattern.length).some((tail) => reference(pattern, prefix + tail, '.'));
          return compileListPattern(pattern, '.').reaches(prefix) === expected;
        },
      ),
      { numRuns: 2_000, seed: 17 },
    );
  });
});

describe('patternSteps (the store walk, one level at a time)', () => {
  it('cuts at the last separator before the first wildcard', () => {
    const steps = patternSteps('user.%.x', '.');
    expect(steps.base).toBe('user.');
    expect(steps.components.map((c) => [c.text, c.isLiteral, c.hasStar])).toEqual([['%', false, false], ['x', true, false]]);
    expect(patternSteps('user.fr*', '.').components.map((c) => c.literalPrefix)).toEqual(['fr']);
    expect(patternSteps('user.fred', '.')).toMatchObject({ base: 'user.' });
    expect(patternSteps('%', '.').base).toBe('');
  });
  it('matches one component with each level', () => {
    const [level] = patternSteps('user.f%d', '.').components;
    expect(level!.matches('fred')).toBe(true);
    expect(level!.matches('fxd.d')).toBe(false);
  });
});

describe('hostile patterns answer in a number of steps linear in the name (issue 17)', () => {
  /** Steps the automaton takes for `pattern` against `name`, with the answer. */
  function run(pattern: string, name: string, sep = '/'): { matched: boolean; steps: number } {
    const meter: MatchMeter = { steps: 0 };
    const matched = compileListPattern(pattern, sep).matches(name, meter);
    return { matched, steps: meter.steps };
  }

  const long = `${'a'.repeat(30)}/b`;
  const name490 = 'a'.repeat(489);
  it.each([
    ['30 × "%" (the reported stall)', '%'.repeat(30), long, false],
    ['30 × "%" against a name it matches', '%'.repeat(30), 'a'.repeat(30), true],
    ['10,000 × "%"', '%'.repeat(10_000), name490, true],
    ['10,000 × "*"', '*'.repeat(10_000), `${name490}/x`, true],
    ['10,000 wildcards, "%" and "*" mixed', '%*'.repeat(5_000), `${name490}/x`, true],
    ['"*a" 30 times then "b" (the reported stall)', `${'*a'.repeat(30)}b`, name490, false],
    ['"*a" 5,000 times then "b"', `${'*a'.repeat(5_000)}b`, name490, false],
    ['"%a" 5,000 times then "b"', `${'%a'.repeat(5_000)}b`, name490, false],
    ['"%a/" 100 times against many levels', `${'%a/'.repeat(100)}b`, 'xa/'.repeat(160), false],
    ['"*a*a…ab" that matches', `${'*a'.repeat(30)}b`, `${'a'.repeat(100)}b`, true],
  ] as Array<[string, string, string, boolean]>)('%s', (_label, pattern, name, expected) => {
    const { matched, steps } = run(pattern, name);
    expect(matched).toBe(expected);
    expect(steps).toBeLessThanOrEqual(8 * (name.length + 1));
  });

  it('after a "*", "%a/" levels cost a few live positions per level, never a backtrack', () => {
    // Each "/" of the name may stand for any "/" of the pattern after the "*": at most one live
    // "%" and its literals per level of the pattern, so steps ≤ 6 × (levels + 1) × name length.
    const name = 'xa/'.repeat(160);
    const { matched, steps } = run(`*${'%a/'.repeat(20)}b`, name);
    expect(matched).toBe(false);
    expect(steps).toBeLessThanOrEqual(6 * 21 * name.length);
  });

  it('the same hostile patterns answer "reaches" and match every name of a large list', () => {
    const meter: MatchMeter = { steps: 0 };
    const p = compileListPattern('%'.repeat(10_000), '.');
    for (let i = 0; i < 1_000; i++) p.matches(`user.${'a'.repeat(i % 50)}`, meter);
    expect(meter.steps).toBeLessThanOrEqual(1_000 * 8 * 56);
    const q = compileListPattern(`${'*a'.repeat(5_000)}b`, '.');
    const reachMeter: MatchMeter = { steps: 0 };
    expect(q.reaches('a'.repeat(400), reachMeter)).toBe(true);
    expect(reachMeter.steps).toBeLessThanOrEqual(8 * 401);
  });
});
