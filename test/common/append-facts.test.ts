import { describe, expect, it } from 'vitest';
import { decodeAppendFacts, encodeAppendFacts, type AppendFacts } from '../../src/common/index.js';

const facts: AppendFacts = { uniqueId: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0', uidValidity: 1733280000, modseqBefore: 41, modseqAfter: 42, firstUid: 7, lastUid: 9, keywords: false };

describe('append facts as a line string', () => {
  it('round-trip', () => {
    expect(decodeAppendFacts(encodeAppendFacts(facts)!)).toEqual(facts);
    expect(decodeAppendFacts(encodeAppendFacts({ ...facts, keywords: true })!)).toEqual({ ...facts, keywords: true });
  });

  it('are not made for a uniqueid that could not ride the line as it is', () => {
    for (const uniqueId of ['', 'a b', 'a"b', 'a\\b', 'a\nb', 'x'.repeat(200)]) expect(encodeAppendFacts({ ...facts, uniqueId })).toBeNull();
  });

  it.each([
    '',
    'id 1 2 3 4 5',
    'id 1 2 3 4 5 0 extra',
    'id 1 2 2 4 5 0',
    'id 1 3 2 4 5 0',
    'id 1 2 3 0 0 0',
    'id 1 2 3 5 4 0',
    'id 1 2 3 4 5 2',
    'id x 2 3 4 5 0',
    'id -1 2 3 4 5 0',
    'id 1.5 2 3 4 5 0',
    'i"d 1 2 3 4 5 0',
  ])('read nothing from %j', (text) => {
    expect(decodeAppendFacts(text)).toBeNull();
  });
});
