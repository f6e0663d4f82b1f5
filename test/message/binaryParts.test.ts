/**
 * encodeBinaryParts: the re-encoding done at a literal8 APPEND. Expected outputs are what Cyrus 3.6.1
 * stored for the same input (seen on the reference peer), except where noted.
 */
import { describe, expect, it } from 'vitest';
import {
  base64Lines, binarySection, encodeBinaryParts, normalizeLineEnds, sectionBytes, parseSection, summarizeMessage,
} from '../../src/message/index.js';

const b = (text: string): Buffer => Buffer.from(text, 'latin1');
const top = 'From: a@b.c\r\nSubject: s\r\n';

describe('encodeBinaryParts', () => {
  const cases: Array<[string, string, string]> = [
    [
      'CTE binary with NUL and 8-bit bytes (Cyrus)',
      `${top}Content-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n\r\nab\x00cd\xff\r\n`,
      `${top}Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nYWIAY2T/DQo=\r\n`,
    ],
    [
      'CTE binary without NUL (Cyrus)',
      `${top}Content-Transfer-Encoding: binary\r\n\r\nhello\r\n`,
      `${top}Content-Transfer-Encoding: base64\r\n\r\naGVsbG8NCg==\r\n`,
    ],
    [
      'bare CR and LF inside a binary part are data (Cyrus)',
      `${top}Content-Transfer-Encoding: binary\r\n\r\na\nb\rc\r\n`,
      `${top}Content-Transfer-Encoding: base64\r\n\r\nYQpiDWMNCg==\r\n`,
    ],
    [
      'binary part of a multipart: the CRLF before the delimiter stays the delimiter\'s (Cyrus)',
      `${top}Content-Type: multipart/mixed; boundary=xx\r\n\r\n--xx\r\nContent-Type: text/plain\r\n\r\nhello\r\n--xx\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n\x00\x01\x02\xff\r\n--xx--\r\n`,
      `${top}Content-Type: multipart/mixed; boundary=xx\r\n\r\n--xx\r\nContent-Type: text/plain\r\n\r\nhello\r\n--xx\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC/w==\r\n\r\n--xx--\r\n`,
    ],
    [
      'inside message/rfc822 (Cyrus)',
      `${top}Content-Type: multipart/mixed; boundary=xx\r\n\r\n--xx\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Transfer-Encoding: binary\r\n\r\nin\x00ner\r\n--xx--\r\n`,
      `${top}Content-Type: multipart/mixed; boundary=xx\r\n\r\n--xx\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Transfer-Encoding: base64\r\n\r\naW4AbmVy\r\n\r\n--xx--\r\n`,
    ],
    [
      'NUL without a transfer encoding: a field is added (Cyrus keeps NUL here and sends it in BODY[1])',
      `${top}\r\nab\x00cd\r\n`,
      `${top}Content-Transfer-Encoding: base64\r\n\r\nYWIAY2QNCg==\r\n`,
    ],
    [
      'NUL in an 8bit part of a multipart; the other part is untouched',
      `${top}Content-Type: multipart/mixed; boundary=xx\r\n\r\n--xx\r\nContent-Transfer-Encoding: 8bit\r\n\r\nhel\x00lo\r\n--xx\r\n\r\ncaf\xe9\r\n--xx--\r\n`,
      `${top}Content-Type: multipart/mixed; boundary=xx\r\n\r\n--xx\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsAGxv\r\n\r\n--xx\r\n\r\ncaf\xe9\r\n--xx--\r\n`,
    ],
    [
      'a part with an empty header gets the field before its blank line',
      `${top}Content-Type: multipart/mixed; boundary=xx\r\n\r\n--xx\r\n\r\n\x00\r\n--xx--\r\n`,
      `${top}Content-Type: multipart/mixed; boundary=xx\r\n\r\n--xx\r\nContent-Transfer-Encoding: base64\r\n\r\nAA==\r\n\r\n--xx--\r\n`,
    ],
    [
      'repeated Content-Transfer-Encoding fields: one base64 field remains',
      `${top}Content-Transfer-Encoding: 7bit\r\nX-A: 1\r\nContent-Transfer-Encoding: binary\r\n\r\nz\r\n`,
      `${top}X-A: 1\r\nContent-Transfer-Encoding: base64\r\n\r\neg0K\r\n`,
    ],
  ];
  it.each(cases)('%s', (_name, input, want) => {
    expect(encodeBinaryParts(b(input)).toString('latin1')).toBe(want);
  });

  const unchanged: Array<[string, string]> = [
    ['7-bit text', `${top}\r\nhello\r\n`],
    ['8-bit bytes without NUL and without CTE binary (Cyrus keeps them)', `${top}Content-Type: application/octet-stream\r\n\r\nab\xffcd\r\n`],
    ['base64 already', `${top}Content-Transfer-Encoding: base64\r\n\r\nYWIAY2T/DQo=\r\n`],
    ['quoted-printable holding NUL: left for the caller to refuse', `${top}Content-Transfer-Encoding: quoted-printable\r\n\r\nab\x00cd\r\n`],
    ['NUL in a header only', `${top}X-Bad: a\x00b\r\n\r\nbody\r\n`],
    ['an empty binary body', `${top}Content-Transfer-Encoding: binary\r\n\r\n`],
  ];
  it.each(unchanged)('leaves alone: %s', (_name, input) => {
    const content = b(input);
    expect(encodeBinaryParts(content)).toBe(content);
  });

  it('long data wraps at 72 characters per line, and BINARY gives back the original bytes', () => {
    const data = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const input = Buffer.concat([b(`${top}Content-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n\r\n`), data, b('\r\n')]);
    // line-end normalisation runs after the conversion, as in the store: it must not touch the data
    const stored = normalizeLineEnds(encodeBinaryParts(input));
    const summary = summarizeMessage(stored);
    expect(summary.body.encoding).toBe('BASE64');
    expect(summary.body.size).toBe(354); // as Cyrus reports it
    expect(summary.body.lines).toBe(5);
    const body = sectionBytes(summary, parseSection('1'), stored).toString('latin1').split('\r\n');
    expect(body.slice(0, 4).every((line) => line.length === 72)).toBe(true);
    expect(binarySection(summary, [1], stored)).toEqual(Buffer.concat([data, b('\r\n')]));
    expect(stored.indexOf(0)).toBe(-1);
  });

  it('base64Lines: CRLF after every line, the last one too', () => {
    expect(base64Lines(Buffer.alloc(0)).toString()).toBe('');
    expect(base64Lines(Buffer.alloc(54, 0xff)).toString()).toBe(`${'/'.repeat(72)}\r\n`);
    expect(base64Lines(Buffer.alloc(55, 0xff)).toString()).toBe(`${'/'.repeat(72)}\r\n/w==\r\n`);
  });
});
