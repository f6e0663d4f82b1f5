import { describe, expect, it } from 'vitest';
import { isMailError } from '../../src/common/errors.js';
import {
  applyPartial, binarySection, binarySize, decodeQuotedPrintable, decodeTransferEncoding, normalizeLineEnds,
  parseSection, partialRange, planSection, sectionBytes, sectionNeedsMessage, selectHeaderFields, summarizeMessage,
  type BodySection,
} from '../../src/message/index.js';

describe('parseSection', () => {
  const cases: Array<[string, BodySection]> = [
    ['', { path: [] }],
    ['HEADER', { path: [], text: 'HEADER' }],
    ['text', { path: [], text: 'TEXT' }],
    ['1', { path: [1] }],
    ['1.2.3', { path: [1, 2, 3] }],
    ['1.2.MIME', { path: [1, 2], text: 'MIME' }],
    ['2.TEXT', { path: [2], text: 'TEXT' }],
    ['2.HEADER', { path: [2], text: 'HEADER' }],
    ['HEADER.FIELDS (From To)', { path: [], text: 'HEADER.FIELDS', fields: ['From', 'To'] }],
    ['header.fields.not (Subject)', { path: [], text: 'HEADER.FIELDS.NOT', fields: ['Subject'] }],
    ['3.HEADER.FIELDS ("X-A" X-B)', { path: [3], text: 'HEADER.FIELDS', fields: ['X-A', 'X-B'] }],
  ];
  it.each(cases)('%j', (input, expected) => {
    expect(parseSection(input)).toEqual(expected);
  });
  it.each(['0', '1.0', 'MIME', 'HEADER.FIELDS', 'HEADER.FIELDS ()', 'TEXT (a)', '1.', 'x', '1.BOGUS', '01'])('rejects %j', (input) => {
    expect(() => parseSection(input)).toThrow();
  });
});

const message = normalizeLineEnds(Buffer.from(
  [
    'From: a@b.c',
    'Subject: top',
    'X-Folded: one',
    '  two',
    'Content-Type: multipart/mixed; boundary=B',
    '',
    'preamble',
    '--B',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'caf=C3=A9 =',
    'au lait',
    '--B',
    'Content-Type: application/octet-stream',
    'Content-Transfer-Encoding: base64',
    '',
    'AAEC/w==',
    '--B',
    'Content-Type: message/rfc822',
    '',
    'Subject: inner',
    'From: x@y.z',
    '',
    'inner body',
    '--B',
    'Content-Transfer-Encoding: x-uuencode',
    '',
    'begin 644 f',
    '--B--',
    'epilogue',
    '',
  ].join('\n'),
));
const summary = summarizeMessage(message);
const text = (section: string): string => sectionBytes(summary, parseSection(section), message).toString('utf8');

describe('sections of a stored message', () => {
  it('HEADER, TEXT and the whole message', () => {
    expect(text('')).toBe(message.toString('utf8'));
    expect(text('HEADER')).toBe('From: a@b.c\r\nSubject: top\r\nX-Folded: one\r\n  two\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n');
    expect(text('TEXT').startsWith('preamble\r\n--B\r\n')).toBe(true);
    expect(text('TEXT').endsWith('--B--\r\nepilogue\r\n')).toBe(true);
  });

  it('HEADER.FIELDS keeps message order and folding and ends with the blank line', () => {
    expect(text('HEADER.FIELDS (x-folded FROM)')).toBe('From: a@b.c\r\nX-Folded: one\r\n  two\r\n\r\n');
    expect(text('HEADER.FIELDS.NOT (Content-Type X-Folded)')).toBe('From: a@b.c\r\nSubject: top\r\n\r\n');
    expect(text('HEADER.FIELDS (Nothing-Here)')).toBe('\r\n');
  });

  it('parts, MIME headers and the embedded message', () => {
    expect(text('1')).toBe('caf=C3=A9 =\r\nau lait');
    expect(text('1.MIME')).toBe('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n');
    expect(text('3')).toBe('Subject: inner\r\nFrom: x@y.z\r\n\r\ninner body');
    expect(text('3.HEADER')).toBe('Subject: inner\r\nFrom: x@y.z\r\n\r\n');
    expect(text('3.TEXT')).toBe('inner body');
    expect(text('3.1')).toBe('inner body');
    expect(text('3.HEADER.FIELDS (subject)')).toBe('Subject: inner\r\n\r\n');
  });

  it('missing parts plan as empty', () => {
    for (const section of ['9', '1.1', '1.HEADER', '1.TEXT', '3.2', '9.MIME']) {
      expect(planSection(summary, parseSection(section))).toEqual({ kind: 'empty' });
      expect(text(section)).toBe('');
    }
  });

  it('header-only sections come from the cached header without the message file', () => {
    for (const section of ['HEADER', 'HEADER.FIELDS (Subject)', 'HEADER.FIELDS.NOT (Subject)']) {
      expect(sectionNeedsMessage(summary, parseSection(section))).toBe(false);
      expect(sectionBytes(summary, parseSection(section)).toString()).toBe(text(section));
    }
    for (const section of ['TEXT', '1', '1.MIME', '3.HEADER']) {
      expect(sectionNeedsMessage(summary, parseSection(section))).toBe(true);
      expect(() => sectionBytes(summary, parseSection(section))).toThrow();
    }
  });

  it('a header that is not UTF-8 is answered from the cache, byte-exact', () => {
    const latin1 = Buffer.from('Subject: caf\xe9\r\nFrom: a@b.c\r\n\r\nbody\r\n', 'latin1');
    const s = JSON.parse(JSON.stringify(summarizeMessage(latin1))) as ReturnType<typeof summarizeMessage>;
    const header = parseSection('HEADER.FIELDS (Subject)');
    expect(sectionNeedsMessage(s, header)).toBe(false);
    expect(sectionBytes(s, header)).toEqual(Buffer.from('Subject: caf\xe9\r\n\r\n', 'latin1'));
  });

  it('a cache row from before byte-escaping (U+FFFD for a Latin-1 byte) falls back to the file', () => {
    const latin1 = Buffer.from('Subject: caf\xe9\r\nFrom: a@b.c\r\n\r\nbody\r\n', 'latin1');
    const old = { ...summarizeMessage(latin1), header: latin1.toString('utf8', 0, 30) };
    const header = parseSection('HEADER.FIELDS (Subject)');
    expect(sectionNeedsMessage(old, header)).toBe(true);
    expect(() => sectionBytes(old, header)).toThrow();
    expect(sectionBytes(old, header, latin1)).toEqual(Buffer.from('Subject: caf\xe9\r\n\r\n', 'latin1'));
  });

  it('partials', () => {
    const data = Buffer.from('0123456789');
    expect(applyPartial(data, 2, 3).toString()).toBe('234');
    expect(applyPartial(data, 8, 100).toString()).toBe('89');
    expect(applyPartial(data, 10, 5).toString()).toBe('');
    expect(applyPartial(data, 0).toString()).toBe('0123456789');
    expect(partialRange(100, 110, 2, 3)).toEqual({ start: 102, end: 105 });
    expect(partialRange(100, 110, 20, 3)).toEqual({ start: 110, end: 110 });
  });
});

describe('BINARY', () => {
  it('decodes quoted-printable and base64 parts, returns others as stored', () => {
    expect(binarySection(summary, [1], message).toString('utf8')).toBe('café au lait');
    expect(binarySize(summary, [1], message)).toBe(Buffer.byteLength('café au lait'));
    expect([...binarySection(summary, [2], message)]).toEqual([0, 1, 2, 255]);
    expect(binarySize(summary, [2], message)).toBe(4);
    expect(binarySection(summary, [3], message).toString()).toBe('Subject: inner\r\nFrom: x@y.z\r\n\r\ninner body');
    expect(binarySection(summary, [], message)).toBe(message);
    expect(binarySection(summary, [9], message).length).toBe(0);
  });

  it('an unknown transfer encoding is a MailError carrying UNKNOWN-CTE', () => {
    try {
      binarySection(summary, [4], message);
      expect.unreachable();
    } catch (err) {
      expect(isMailError(err, 'Cannot')).toBe(true);
      expect((err as { detail?: Record<string, unknown> }).detail?.responseCode).toBe('UNKNOWN-CTE');
    }
  });

  it.each([
    ['a=3Db', 'a=b'],
    ['soft =\r\nbreak', 'soft break'],
    ['soft with padding=  \r\nend', 'soft with paddingend'],
    ['lf soft=\nend', 'lf softend'],
    ['lower =c3=a9', 'lower é'],
    ['bad =ZZ kept', 'bad =ZZ kept'],
    ['trailing =', 'trailing '],
    ['', ''],
  ])('quoted-printable %j', (input, expected) => {
    expect(decodeQuotedPrintable(Buffer.from(input, 'latin1')).toString('utf8')).toBe(expected);
  });

  it('base64 ignores line breaks and garbage', () => {
    expect(decodeTransferEncoding(Buffer.from('aGVs\r\nbG8=\r\n'), 'BASE64').toString()).toBe('hello');
    expect(decodeTransferEncoding(Buffer.from('8bit ü'), '8bit').toString()).toBe('8bit ü');
  });

  // RFC 3501 6.4.5: the blank line is part of every header fetch "except in the case of a message
  // which has no body and no blank line" (Cyrus 3.6 and Dovecot 2.3 answer "" for an empty
  // encapsulated message's or an empty part's HEADER.FIELDS).
  it.each([
    ['a last field without CRLF gets one; no blank line after a header that had none', 'A: 1\r\nB: 2', ['b'], false, 'B: 2\r\n'],
    ['fields, then the header\'s blank line', 'A: 1\r\nB: 2\r\n\r\n', ['b'], false, 'B: 2\r\n\r\n'],
    ['no field matched: the blank line alone', 'A: 1\r\n\r\n', ['x'], false, '\r\n'],
    ['an empty header (no blank line): nothing', '', ['subject'], false, ''],
    ['.NOT of an empty header: nothing', '', ['subject'], true, ''],
    ['a header that is only the blank line keeps it', '\r\n', ['subject'], false, '\r\n'],
    ['bare LF blank line', 'A: 1\nB: 2\n\n', ['a'], false, 'A: 1\n\r\n'],
    ['last field ends in CRLF, no blank line, no body', 'A: 1\r\n', ['a'], false, 'A: 1\r\n'],
    ['.NOT keeps the others and the blank line', 'A: 1\r\nB: 2\r\n\r\n', ['a'], true, 'B: 2\r\n\r\n'],
  ])('HEADER.FIELDS: %s', (_name, header, names, not, expected) => {
    expect(selectHeaderFields(Buffer.from(header, 'latin1'), names, not).toString('latin1')).toBe(expected);
  });
});
