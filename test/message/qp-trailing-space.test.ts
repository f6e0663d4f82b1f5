import { describe, expect, it } from 'vitest';
import { binarySection, binarySize, decodeQuotedPrintable, summarizeMessage } from '../../src/message/index.js';

// RFC 2045 6.7 rule 3: white space ending an encoded line was added in transport; a decoder drops it.
const CASES: Array<[string, string, string]> = [
  ['trailing spaces before CRLF', 'abc   \r\ndef', 'abc\r\ndef'],
  ['trailing tab and space before LF', 'abc\t \ndef', 'abc\ndef'],
  ['trailing white space at the end', 'abc  \t', 'abc'],
  ['inner white space kept', 'a b\tc\r\n', 'a b\tc\r\n'],
  ['encoded trailing space kept', 'abc =20\r\n', 'abc  \r\n'],
  ['white space before a soft break kept', 'abc  =\r\ndef', 'abc  def'],
  ['transport padding after a soft break', 'abc=  \r\ndef', 'abcdef'],
  ['blank line of spaces becomes empty', 'a\r\n   \r\nb', 'a\r\n\r\nb'],
  ['=XX and bad escapes', '=41=4a=zz=', 'AJ=zz'],
];

describe('decodeQuotedPrintable', () => {
  for (const [name, input, expected] of CASES) {
    it(name, () => expect(decodeQuotedPrintable(Buffer.from(input, 'latin1')).toString('latin1')).toBe(expected));
  }
});

describe('BINARY and BINARY.SIZE of a quoted-printable part', () => {
  const message = Buffer.from([
    'Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/plain', 'Content-Transfer-Encoding: quoted-printable', '',
    'one   ', 'two=20', 'three \t', '--b--', '',
  ].join('\r\n'));
  it('drops the white space ending each line, and the size follows', () => {
    const summary = summarizeMessage(message);
    expect(binarySection(summary, [1], message).toString()).toBe('one\r\ntwo \r\nthree');
    expect(binarySize(summary, [1], message)).toBe('one\r\ntwo \r\nthree'.length);
  });
});
