/** RFC 5257 syntax: FETCH ANNOTATION, STORE ANNOTATION, SEARCH ANNOTATION, and entry patterns. */
import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../../src/imap/wire/parse/index.js';
import { entryMatches } from '../../../src/imap/wire/parse/annotate.js';

describe('FETCH ANNOTATION', () => {
  const table: Array<[string, { entries: string[]; attributes: string[] }]> = [
    [' 1 (ANNOTATION (/comment value.priv))', { entries: ['/comment'], attributes: ['value.priv'] }],
    [' 1 (ANNOTATION (/comment value))', { entries: ['/comment'], attributes: ['value.priv', 'value.shared'] }],
    [' 1 (ANNOTATION (/comment SIZE))', { entries: ['/comment'], attributes: ['size.priv', 'size.shared'] }],
    [' 1 ANNOTATION ((/comment /altsubject) (value.shared size.priv value.shared))', { entries: ['/comment', '/altsubject'], attributes: ['value.shared', 'size.priv'] }],
    [' 1 (ANNOTATION (* value))', { entries: ['*'], attributes: ['value.priv', 'value.shared'] }],
    [' 1 (ANNOTATION ("/vendor/%" value.priv))', { entries: ['/vendor/%'], attributes: ['value.priv'] }],
  ];
  it.each(table)('%s', (text, want) => {
    const command = parseCommandText('FETCH', text);
    expect(command).toMatchObject({ name: 'FETCH', items: [{ kind: 'annotation', ...want }] });
  });
  it.each([
    ' 1 (ANNOTATION (/comment value.bogus))',
    ' 1 (ANNOTATION (comment value))',
    ' 1 (ANNOTATION (/comment/ value))',
    ' 1 (ANNOTATION (//comment value))',
    ' 1 (ANNOTATION (/comment))',
    ' 1 (ANNOTATION /comment value)',
    ' 1 (ANNOTATION (/comment value)',
  ])('refuses %s', (text) => {
    expect(() => parseCommandText('FETCH', text)).toThrow();
  });
});

describe('STORE ANNOTATION', () => {
  it('reads entries with their attribute-value pairs, NIL removing, names in lower case', () => {
    expect(parseCommandText('STORE', ' 1:2 ANNOTATION (/Comment (value.priv "a b" value.shared NIL) /vendor/x/y (VALUE.SHARED "zz"))')).toMatchObject({
      name: 'STORE', flags: [], annotations: [
        { entry: '/comment', shared: false, value: 'a b' },
        { entry: '/comment', shared: true, value: null },
        { entry: '/vendor/x/y', shared: true, value: 'zz' },
      ],
    });
    expect(parseCommandText('STORE', ' 1 (UNCHANGEDSINCE 5) ANNOTATION (/comment (value.priv "x"))')).toMatchObject({ unchangedSince: 5 });
  });
  it.each([
    ' 1 ANNOTATION (/comment (value "x"))',
    ' 1 ANNOTATION (/comment (size.priv "x"))',
    ' 1 ANNOTATION (/com* (value.priv "x"))',
    ' 1 ANNOTATION (/comment (value.priv))',
    ' 1 ANNOTATION (/comment ())',
    ' 1 ANNOTATION ()',
    ' 1 ANNOTATION.SILENT (/comment (value.priv "x"))',
    ' 1 ANNOTATION (/comment (value.priv "x")) extra',
  ])('refuses %s', (text) => {
    expect(() => parseCommandText('STORE', text)).toThrow();
  });
});

describe('SEARCH ANNOTATION', () => {
  it('reads entry, attribute and value', () => {
    expect(parseCommandText('SEARCH', ' ANNOTATION /comment value "hi"')).toMatchObject({
      criteria: { kind: 'annotation', entry: '/comment', attributes: ['value.priv', 'value.shared'], value: 'hi' },
    });
    expect(parseCommandText('SEARCH', ' NOT ANNOTATION /* value.shared x')).toMatchObject({
      criteria: { kind: 'not', key: { kind: 'annotation', entry: '/*', attributes: ['value.shared'], value: 'x' } },
    });
  });
  it.each([' ANNOTATION /comment size "1"', ' ANNOTATION comment value "x"', ' ANNOTATION /comment value'])('refuses %s', (text) => {
    expect(() => parseCommandText('SEARCH', text)).toThrow();
  });
});

describe('entry patterns', () => {
  const table: Array<[string, string, boolean]> = [
    ['/comment', '/comment', true],
    ['/COMMENT', '/comment', true],
    ['/comment', '/comments', false],
    ['*', '/vendor/a/b', true],
    ['/%', '/comment', true],
    ['/%', '/vendor/a', false],
    ['/vendor/%', '/vendor/a', true],
    ['/vendor/%', '/vendor/a/b', false],
    ['/vendor/*', '/vendor/a/b', true],
    ['/c%t', '/comment', true],
    ['/a.c', '/abc', false],
  ];
  it.each(table)('%s against %s: %s', (pattern, entry, want) => {
    expect(entryMatches(pattern, entry)).toBe(want);
  });

  it('a pattern of many wildcards against a long entry answers at once (no backtracking)', () => {
    // Both come from clients: a stored /vendor entry of 1,000 characters, a FETCH or SEARCH pattern
    // of twenty stars. A backtracking matcher takes time of the order of 1000^20 steps here.
    const entry = `/vendor/${'a'.repeat(1000)}`;
    const pattern = `/vendor/${'*a'.repeat(20)}*b`;
    expect(entryMatches(pattern, entry)).toBe(false);
    expect(entryMatches(pattern.replace(/b$/, 'a'), entry)).toBe(true);
    expect(entryMatches(`/${'%a'.repeat(20)}%b`, entry)).toBe(false);
  });
});
