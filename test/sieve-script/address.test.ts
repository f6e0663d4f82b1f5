import { describe, expect, it } from 'vitest';
import { decodeEncodedWords, parseAddressList, parseHeaderBlock } from '../../src/sieve-script/index.js';

const short = (value: string): string[] => parseAddressList(value).map((a) => `${a.name}|${a.localPart}|${a.domain}`);

describe('parseAddressList', () => {
  const table: Array<[string, string, string[]]> = [
    ['bare address', 'fred@example.com', ['|fred|example.com']],
    ['display name', 'Fred Bloggs <fred@example.com>', ['Fred Bloggs|fred|example.com']],
    ['quoted display name with comma', '"Bloggs, Fred" <fred@example.com>, b@x.org', ['Bloggs, Fred|fred|example.com', '|b|x.org']],
    ['quoted local part', '"fred smith"@example.com', ['|fred smith|example.com']],
    ['quoted local part with escapes', '"a\\"b"@example.com', ['|a"b|example.com']],
    ['dotted local part', 'first.last@example.com', ['|first.last|example.com']],
    ['comments', 'fred@example.com (Fred), (x) b@y.org', ['|fred|example.com', '|b|y.org']],
    ['group', 'Team: a@x.org, B <b@y.org>;, c@z.org', ['|a|x.org', 'B|b|y.org', '|c|z.org']],
    ['empty group', 'undisclosed-recipients:;', []],
    ['source route', '<@relay.example:fred@example.com>', ['|fred|example.com']],
    ['no domain', 'fred', ['|fred|']],
    ['domain literal', 'fred@[192.0.2.1]', ['|fred|[192.0.2.1]']],
    ['encoded display name', '=?UTF-8?Q?J=C3=B6rg?= <jorg@example.de>', ['Jörg|jorg|example.de']],
    ['subaddress', 'fred+lists@example.com', ['|fred+lists|example.com']],
    ['empty', '', []],
    ['null path', '<>', ['||']],
  ];
  it.each(table)('%s', (_name, value, expected) => {
    expect(short(value)).toEqual(expected);
  });
});

describe('decodeEncodedWords', () => {
  const table: Array<[string, string, string]> = [
    ['Q encoding', '=?iso-8859-1?q?caf=E9_au_lait?=', 'café au lait'],
    ['B encoding', '=?UTF-8?B?w6lsw6h2ZQ==?=', 'élève'],
    ['adjacent words join', '=?UTF-8?Q?a?= =?UTF-8?Q?b?=', 'ab'],
    ['text between words stays', '=?UTF-8?Q?a?= and =?UTF-8?Q?b?=', 'a and b'],
    ['unknown charset left alone', '=?x-klingon?Q?a?=', '=?x-klingon?Q?a?='],
    ['plain text', 'hello world', 'hello world'],
  ];
  it.each(table)('%s', (_name, value, expected) => {
    expect(decodeEncodedWords(value)).toBe(expected);
  });
});

describe('parseHeaderBlock', () => {
  it('unfolds, lower-cases names, keeps every occurrence, stops at the blank line', () => {
    const fields = parseHeaderBlock(Buffer.from('Subject: one\r\n two\r\nReceived: a\r\nRECEIVED : b\r\n\r\nBody: no\r\n'));
    expect(fields.get('subject')).toEqual(['one two']);
    expect(fields.get('received')).toEqual(['a', 'b']);
    expect(fields.has('body')).toBe(false);
  });

  it('reads UTF-8 header bytes, and Latin-1 when they are not UTF-8', () => {
    expect(parseHeaderBlock(Buffer.from('Subject: Grüße\r\n\r\n')).get('subject')).toEqual(['Grüße']);
    expect(parseHeaderBlock(Buffer.from('Subject: caf\xe9\r\n\r\n', 'latin1')).get('subject')).toEqual(['café']);
  });
});
