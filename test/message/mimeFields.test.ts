import { describe, expect, it } from 'vitest';
import {
  mergeContinuations, parseContentType, parseDisposition, parseEncoding, parseLanguage,
} from '../../src/message/index.js';

describe('parseContentType', () => {
  const cases: Array<[string, ReturnType<typeof parseContentType>]> = [
    ['text/plain', { type: 'TEXT', subtype: 'PLAIN', params: null }],
    ['TeXt/HtMl; ChArSeT="UTF-8"', { type: 'TEXT', subtype: 'HTML', params: [['CHARSET', 'UTF-8']] }],
    ['text/plain (a comment); charset = "utf-8" (another)', { type: 'TEXT', subtype: 'PLAIN', params: [['CHARSET', 'utf-8']] }],
    ['multipart/mixed; boundary="----=_Part_0_1.2 (x)"', { type: 'MULTIPART', subtype: 'MIXED', params: [['BOUNDARY', '----=_Part_0_1.2 (x)']] }],
    ['multipart/mixed;\r\n boundary=simple', { type: 'MULTIPART', subtype: 'MIXED', params: [['BOUNDARY', 'simple']] }],
    ['text/plain; name="a\\"b.txt"', { type: 'TEXT', subtype: 'PLAIN', params: [['NAME', 'a"b.txt']] }],
    ['text/plain; a=1; b=2;', { type: 'TEXT', subtype: 'PLAIN', params: [['A', '1'], ['B', '2']] }],
    ['text/plain; broken; charset=utf-8', { type: 'TEXT', subtype: 'PLAIN', params: null }],
    ['text/plain; charset="unterminated', { type: 'TEXT', subtype: 'PLAIN', params: null }],
    ['garbage', null],
    ['', null],
    ['/plain', null],
    ['text/', null],
  ];
  it.each(cases)('%j', (input, expected) => {
    expect(parseContentType(input)).toEqual(expected);
  });
});

describe('parseDisposition, parseLanguage, parseEncoding', () => {
  it.each([
    ['attachment; filename="a b.txt"', { type: 'ATTACHMENT', params: [['FILENAME', 'a b.txt']] }],
    ['inline', { type: 'INLINE', params: null }],
    ['Inline; size=12', { type: 'INLINE', params: [['SIZE', '12']] }],
    ['', null],
  ] as const)('disposition %j', (input, expected) => {
    expect(parseDisposition(input)).toEqual(expected);
  });

  it.each([
    ['en', ['EN']],
    ['en, de', ['EN', 'DE']],
    ['en-US (English) fr', ['EN-US', 'FR']],
    ['', null],
  ] as const)('language %j', (input, expected) => {
    expect(parseLanguage(input)).toEqual(expected);
  });

  it.each([
    ['base64', 'BASE64'],
    [' Quoted-Printable ', 'QUOTED-PRINTABLE'],
    ['7bit (comment)', '7BIT'],
    ['', null],
  ] as const)('encoding %j', (input, expected) => {
    expect(parseEncoding(input)).toBe(expected);
  });
});

describe('mergeContinuations (RFC 2231, as Cyrus reports them)', () => {
  it.each([
    [null, null],
    [[['CHARSET', 'us-ascii']], [['CHARSET', 'us-ascii']]],
    [[['TITLE*0', 'abc'], ['TITLE*1', 'def']], [['TITLE', 'abcdef']]],
    [
      [['TITLE*0*', "us-ascii'en'This%20is%20"], ['TITLE*1*', '%2A%2Afun%2A'], ['TITLE*2', "isn't it!"]],
      [['TITLE*', "us-ascii'en'This%20is%20%2A%2Afun%2Aisn%27t%20it!"]],
    ],
    [[['FILENAME*', "utf-8''%E2%82%AC.txt"]], [['FILENAME*', "utf-8''%E2%82%AC.txt"]]],
    [[['A', '1'], ['N*1', 'y'], ['B', '2'], ['N*0', 'x']], [['A', '1'], ['N', 'xy'], ['B', '2']]],
  ] as Array<[Array<[string, string]> | null, Array<[string, string]> | null]>)('%j', (input, expected) => {
    expect(mergeContinuations(input)).toEqual(expected);
  });
});
