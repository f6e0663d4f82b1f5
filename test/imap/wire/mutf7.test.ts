import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeModifiedUtf7, isValidModifiedUtf7, tryDecodeModifiedUtf7 } from '../../../src/imap/wire/mutf7.js';

const PAIRS: Array<[string, string]> = [
  ['INBOX', 'INBOX'],
  ['', ''],
  ['&', '&-'],
  ['a&b', 'a&-b'],
  ['Entwürfe', 'Entw&APw-rfe'],
  ['台北', '&U,BTFw-'],
  ['~peter/mail/日本語/台北', '~peter/mail/&ZeVnLIqe-/&U,BTFw-'],
  ['😀', '&2D3eAA-'],
  ['Ü&ü', '&ANw-&-&APw-'],
  ['tab\there', 'tab&AAk-here'],
];

describe('modified UTF-7', () => {
  test.each(PAIRS)('%s <-> %s', (unicode, encoded) => {
    expect(encodeModifiedUtf7(unicode)).toBe(encoded);
    expect(tryDecodeModifiedUtf7(encoded)).toBe(unicode);
    expect(isValidModifiedUtf7(encoded)).toBe(true);
  });

  test.each([
    ['&', 'unterminated'],
    ['&U,BTFw', 'unterminated run'],
    ['&AGE-', 'run hides printable ASCII'],
    ['&U,BTFw-&ZeVnLIqe-', 'two adjacent runs (not canonical)'],
    ['Entwürfe', 'raw 8-bit'],
    ['&2D0-', 'lone high surrogate'],
    ['&3gA-', 'lone low surrogate'],
    ['&U,BTF-', 'leftover non-zero bits'],
    ['&U.BTFw-', 'character outside the alphabet'],
    ['a\u0001b', 'control character'],
  ])('%s is refused (%s)', (text) => {
    expect(isValidModifiedUtf7(text)).toBe(false);
  });

  test('tryDecode returns null on invalid input', () => {
    expect(tryDecodeModifiedUtf7('&Jjo')).toBeNull();
  });

  test('round trip: decode(encode(s)) = s, and the encoding is valid printable ASCII', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const encoded = encodeModifiedUtf7(s);
        expect(/^[\x20-\x7e]*$/.test(encoded)).toBe(true);
        expect(tryDecodeModifiedUtf7(encoded)).toBe(s);
        expect(isValidModifiedUtf7(encoded)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('valid encodings are exactly the encoder outputs', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('&', '-', 'A', 'U', ',', 'B', 'T', 'F', 'w', 'a', '+', '2', 'D', '3', 'e') }), (text) => {
        const decoded = tryDecodeModifiedUtf7(text);
        if (isValidModifiedUtf7(text)) expect(encodeModifiedUtf7(decoded!)).toBe(text);
        else if (decoded !== null) expect(encodeModifiedUtf7(decoded)).not.toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});

