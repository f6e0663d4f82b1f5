/**
 * 8-bit header bytes kept losslessly: byte-escaped text (UTF-8 where well-formed, U+DCxx per other
 * byte), the envelope built from it, the cached header after a JSON round trip (as the index stores
 * it), header sections answered from the cache alone, and munge8bit as the store applies it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cachedHeaderBytes, decodeHeaderBytes, encodeHeaderText, hasEscapedBytes, headerTextByteLength, munge8bitHeader,
  mungeLegacy8bitHeader, parseSection, sectionBytes, sectionNeedsMessage, summarizeMessage,
  type MessageSummary,
} from '../../src/message/index.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('decodeHeaderBytes / encodeHeaderText', () => {
  const cases: Array<[string, Buffer, string]> = [
    ['ASCII', bytes('plain'), 'plain'],
    ['UTF-8', Buffer.from('Grüße, 日本, 😀', 'utf8'), 'Grüße, 日本, 😀'],
    ['Latin-1', bytes('caf\xe9'), 'caf\udce9'],
    ['mixed UTF-8 and Latin-1', Buffer.concat([Buffer.from('Grü', 'utf8'), bytes('\xe9'), Buffer.from('ße', 'utf8')]), 'Grü\udce9ße'],
    ['astral character next to an escaped byte', Buffer.concat([Buffer.from('😀', 'utf8'), bytes('\xff')]), '😀\udcff'],
    ['truncated sequence', bytes('a\xc3'), 'a\udcc3'],
    ['stray continuation byte', bytes('\x80b'), '\udc80b'],
    ['overlong encoding', bytes('\xc0\xaf'), '\udcc0\udcaf'],
    ['encoded surrogate (not UTF-8)', bytes('\xed\xa0\x80'), '\udced\udca0\udc80'],
    ['beyond U+10FFFF', bytes('\xf4\x90\x80\x80'), '\udcf4\udc90\udc80\udc80'],
    ['byte order mark kept', Buffer.from('\ufeffx', 'utf8'), '\ufeffx'],
  ];
  it.each(cases)('%s', (_name, input, text) => {
    const decoded = decodeHeaderBytes(input);
    expect(decoded).toBe(text);
    expect(encodeHeaderText(decoded)).toEqual(input);
    expect(headerTextByteLength(decoded)).toBe(input.length);
    expect(hasEscapedBytes(decoded)).toBe(!input.equals(Buffer.from(decoded, 'utf8')));
  });

  it('round-trips any bytes, also through JSON', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (array) => {
        const input = Buffer.from(array);
        const text = JSON.parse(JSON.stringify(decodeHeaderBytes(input))) as string;
        expect(encodeHeaderText(text)).toEqual(input);
        expect(headerTextByteLength(text)).toBe(input.length);
      }),
      { numRuns: 500 },
    );
  });

  it('decodes a range of a buffer', () => {
    expect(decodeHeaderBytes(bytes('xxcaf\xe9yy'), 2, 6)).toBe('caf\udce9');
  });
});

/** A summary as FETCH sees it: through JSON, as the index stores it. */
function cached(message: Buffer): MessageSummary {
  return JSON.parse(JSON.stringify(summarizeMessage(message))) as MessageSummary;
}

describe('8-bit headers in the envelope, the header cache and header sections', () => {
  const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');
  const messages: Array<[string, Buffer, { subject: Buffer; name: Buffer }]> = [
    ['Latin-1', bytes('From: Andr\xe9 <a@b.c>\r\nSubject: caf\xe9\r\nTo: x@y.z\r\n\r\nbody\r\n'), { subject: bytes('caf\xe9'), name: bytes('Andr\xe9') }],
    ['UTF-8', utf8('From: Jürgen <a@b.c>\r\nSubject: Grüße\r\nTo: x@y.z\r\n\r\nbody\r\n'), { subject: utf8('Grüße'), name: utf8('Jürgen') }],
    [
      'mixed',
      Buffer.concat([utf8('From: Jürgen <a@b.c>\r\nSubject: Grü'), bytes('\xe9 caf\xe9'), utf8('\r\nTo: x@y.z\r\n\r\nbody\r\n')]),
      { subject: Buffer.concat([utf8('Grü'), bytes('\xe9 caf\xe9')]), name: utf8('Jürgen') },
    ],
  ];

  it.each(messages)('%s: envelope strings give back the header bytes', (_name, message, want) => {
    const summary = cached(message);
    expect(encodeHeaderText(summary.envelope.subject!)).toEqual(want.subject);
    expect(encodeHeaderText(summary.envelope.from![0]!.name!)).toEqual(want.name);
    expect(summary.envelope.from![0]!.mailbox).toBe('a');
    expect(summary.envelope.to).toEqual([{ name: null, adl: null, mailbox: 'x', host: 'y.z' }]);
  });

  it.each(messages)('%s: the cached header is the stored header, byte for byte', (_name, message) => {
    const summary = cached(message);
    expect(cachedHeaderBytes(summary)).toEqual(message.subarray(0, summary.body.range.bodyStart));
  });

  it.each(messages)('%s: header sections come from the cache without the message file', (_name, message) => {
    const summary = cached(message);
    const text = message.toString('latin1');
    const line = (name: string): string => text.split('\r\n').find((l) => l.startsWith(`${name}:`))! + '\r\n';
    const sections: Array<[string, string]> = [
      ['HEADER.FIELDS (Subject From)', `${line('From')}${line('Subject')}\r\n`],
      ['HEADER.FIELDS.NOT (Subject From)', `${line('To')}\r\n`],
      ['HEADER', text.slice(0, summary.body.range.bodyStart)],
    ];
    for (const [spec, want] of sections) {
      const section = parseSection(spec);
      expect(sectionNeedsMessage(summary, section), spec).toBe(false);
      expect(sectionBytes(summary, section), spec).toEqual(bytes(want));
    }
    expect(sectionNeedsMessage(summary, parseSection('TEXT'))).toBe(true);
  });

  it('a Latin-1 byte in a boundary matches the delimiter lines (their bytes, not U+FFFD)', () => {
    const message = bytes('Content-Type: multipart/mixed; boundary="b\xe9"\r\n\r\n--b\xe9\r\n\r\none\r\n--b\xe9\r\n\r\ntwo\r\n--b\xe9--\r\n');
    const summary = cached(message);
    expect(summary.body.parts!.map((part) => message.toString('latin1', part.range.bodyStart, part.range.bodyEnd))).toEqual(['one', 'two']);
  });

  it('8-bit bytes in a MIME part header reach BODYSTRUCTURE strings losslessly', () => {
    const message = bytes('Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; name="caf\xe9.txt"\r\nContent-Description: r\xe9sum\xe9\r\n\r\nx\r\n--b--\r\n');
    const part = cached(message).body.parts![0]!;
    expect(encodeHeaderText(part.description!)).toEqual(bytes('r\xe9sum\xe9'));
    expect(encodeHeaderText(part.params![0]![1])).toEqual(bytes('caf\xe9.txt'));
  });
});

describe('munge8bit', () => {
  const cases: Array<[string, Buffer, Buffer]> = [
    ['Latin-1 becomes X', bytes('Subject: caf\xe9\r\n\r\ncaf\xe9\r\n'), bytes('Subject: cafX\r\n\r\ncaf\xe9\r\n')],
    ['UTF-8 is kept (RFC 6532)', Buffer.from('Subject: Grüße\r\n\r\nx\r\n', 'utf8'), Buffer.from('Subject: Grüße\r\n\r\nx\r\n', 'utf8')],
    [
      'mixed: only the bytes that are not UTF-8',
      Buffer.concat([Buffer.from('Subject: ü', 'utf8'), bytes('\xe9\xc3 \x80\r\n\r\n\xe9')]),
      Buffer.concat([Buffer.from('Subject: ü', 'utf8'), bytes('XX X\r\n\r\n\xe9')]),
    ],
    ['body after an empty header is left alone', bytes('\r\nSubject: caf\xe9\r\n\r\n'), bytes('\r\nSubject: caf\xe9\r\n\r\n')],
    ['bare LF header end', bytes('Subject: caf\xe9\n\ncaf\xe9\n'), bytes('Subject: cafX\n\ncaf\xe9\n')],
  ];
  it.each(cases)('mungeLegacy8bitHeader: %s', (_name, input, want) => {
    expect(mungeLegacy8bitHeader(input)).toEqual(want);
  });

  it('returns the same Buffer when nothing changes', () => {
    const input = Buffer.from('Subject: Grüße\r\n\r\n\xe9', 'utf8');
    expect(mungeLegacy8bitHeader(input)).toBe(input);
  });

  it("munge8bitHeader is Cyrus's own: UTF-8 too, and never past an empty header", () => {
    expect(munge8bitHeader(Buffer.from('Subject: ü\r\n\r\nü', 'utf8'))).toEqual(Buffer.from('Subject: XX\r\n\r\nü', 'utf8'));
    const empty = bytes('\r\nSubject: caf\xe9\r\n\r\n');
    expect(munge8bitHeader(empty)).toBe(empty);
  });
});
