/**
 * headerValues finds plain field names by comparing bytes instead of scanning every field: the
 * same answers as the scanHeader walk (the reference below) on tables and on generated headers.
 */
import { describe, expect, it } from 'vitest';
import { decodeHeaderValue, headerValues } from '../../src/message/index.js';
import { scanHeader, unfold } from '../../src/message/header.js';

function reference(bytes: Buffer, name: string): string[] {
  const key = name.toLowerCase();
  return scanHeader(bytes, 0, bytes.length)
    .fields.filter((field) => field.key === key)
    .map((field) => decodeHeaderValue(unfold(bytes.toString('utf8', field.valueStart, field.end)).trim()));
}

const b = (text: string): Buffer => Buffer.from(text, 'latin1');

const TABLE: Array<[string, Buffer, string, string[]]> = [
  ['one field', b('Subject: hello\r\n\r\n'), 'subject', ['hello']],
  ['any case, spaces before the colon', b('SUBJECT \t: a\r\nsubject:b\r\n\r\n'), 'Subject', ['a', 'b']],
  ['folded', b('Subject: one\r\n two\r\n\tthree\r\nX: y\r\n\r\n'), 'subject', ['one two\tthree']],
  ['encoded words', b('Subject: =?UTF-8?Q?caf=C3=A9?= ok\r\n\r\n'), 'subject', ['café ok']],
  ['a longer name is another field', b('Subjects: no\r\nSub: no\r\n\r\n'), 'subject', []],
  ['stops at the blank line', b('X: 1\r\n\r\nSubject: body\r\n'), 'subject', []],
  ['stops at a lone LF', b('X: 1\r\n\nSubject: body\r\n'), 'subject', []],
  ['no final CRLF', b('Subject: end'), 'subject', ['end']],
  ['a leading space is part of the name', b(' Subject: x\r\n\r\n'), 'subject', []],
  ['a colon-less line ends the field', b('Subject: a\r\nnocolon\r\n b\r\n\r\n'), 'subject', ['a']],
  ['empty value', b('Subject:\r\n\r\n'), 'subject', ['']],
];

describe('headerValues', () => {
  it.each(TABLE)('%s', (_name, bytes, field, expected) => {
    expect(headerValues(bytes, field)).toEqual(expected);
    expect(reference(bytes, field)).toEqual(expected);
  });

  it('agrees with the scanHeader walk on generated headers', () => {
    const names = ['Subject', 'SUBJECT', 'subject ', 'Subject\t', ' Subject', 'Subjects', 'Sub', 'X-A', 'x-a', 'To', 'Caf\xe9', ''];
    const values = ['', ' plain', ' =?UTF-8?B?w6k=?=', ' a:b', ' caf\xe9', ' two  words ', '\t=?ISO-8859-1?Q?caf=E9?='];
    const breaks = ['\r\n', '\r\n ', '\r\n\t', '\n', '\r'];
    let seed = 12345;
    const pick = <T>(list: T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return list[seed % list.length]!;
    };
    for (let n = 0; n < 2000; n++) {
      let text = '';
      const lines = 1 + (n % 7);
      for (let i = 0; i < lines; i++) {
        const name = pick(names);
        text += name === '' ? `nocolon${pick(values)}` : `${name}:${pick(values)}`;
        text += pick(breaks);
        if (pick([0, 1, 2]) === 0) text += `${pick(values)}\r\n`;
      }
      if (n % 3 === 0) text += '\r\nSubject: in the body\r\n';
      const bytes = b(text);
      for (const field of ['subject', 'SUBJECT', 'x-a', 'to', 'sub']) {
        expect(headerValues(bytes, field), JSON.stringify(text)).toEqual(reference(bytes, field));
      }
    }
  });
});
