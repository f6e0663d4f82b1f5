import { describe, expect, it } from 'vitest';
import { parseAddressList } from '../../src/message/index.js';
import type { Address } from '../../src/message/types.js';

const a = (name: string | null, adl: string | null, mailbox: string | null, host: string | null): Address => ({ name, adl, mailbox, host });
const groupEnd = a(null, null, null, null);

describe('parseAddressList', () => {
  const cases: Array<[string, Address[] | null]> = [
    ['', null],
    ['   ', null],
    ['user@example.com', [a(null, null, 'user', 'example.com')]],
    ['<user@example.com>', [a(null, null, 'user', 'example.com')]],
    ['Joe <joe@x.org>', [a('Joe', null, 'joe', 'x.org')]],
    ['"Joe Q. Public" <john.q.public@example.com>', [a('Joe Q. Public', null, 'john.q.public', 'example.com')]],
    ['Joe Q. Public <jqp@x>', [a('Joe Q. Public', null, 'jqp', 'x')]],
    ['"Giant; \\"Big\\" Box" <sys@example.net>', [a('Giant; "Big" Box', null, 'sys', 'example.net')]],
    // Quoted strings: one slice up to the closing quote, or character by character from a backslash on.
    ['"a\\\\b" <x@y.z>', [a('a\\b', null, 'x', 'y.z')]],
    ['"end\\', [a(null, null, 'end\\', 'unspecified-domain')]],
    ['"half \\"quoted <q@x>', [a(null, null, 'half "quoted <q@x>', 'unspecified-domain')]],
    ['"x\\y" <x@y.z>, "plain" <p@q.r>', [a('xy', null, 'x', 'y.z'), a('plain', null, 'p', 'q.r')]],
    ['"" <e@f.g>', [a(null, null, 'e', 'f.g')]],
    ['"unterminated', [a(null, null, 'unterminated', 'unspecified-domain')]],
    ['joe@example.com (Joe the Sender)', [a('Joe the Sender', null, 'joe', 'example.com')]],
    ['<@route1,@route2:routed@example.com>', [a(null, '@route1,@route2', 'routed', 'example.com')]],
    ['nodomain', [a(null, null, 'nodomain', 'unspecified-domain')]],
    ['a@b.c, d@e.f', [a(null, null, 'a', 'b.c'), a(null, null, 'd', 'e.f')]],
    ['a@b.c,,, d@e.f,', [a(null, null, 'a', 'b.c'), a(null, null, 'd', 'e.f')]],
    ['undisclosed-recipients:;', [a(null, null, 'undisclosed-recipients', null), groupEnd]],
    [
      'Friends: Ann <ann@x.org>, bob@y.org;, solo@z.org',
      [a(null, null, 'Friends', null), a('Ann', null, 'ann', 'x.org'), a(null, null, 'bob', 'y.org'), groupEnd, a(null, null, 'solo', 'z.org')],
    ],
    ['Open: a@b.c', [a(null, null, 'Open', null), a(null, null, 'a', 'b.c'), groupEnd]],
    ['=?utf-8?q?J=C3=BCrgen?= <j@x.de>', [a('=?utf-8?q?J=C3=BCrgen?=', null, 'j', 'x.de')]],
    ['Jürgen Müller <juergen@example.de>', [a('Jürgen Müller', null, 'juergen', 'example.de')]],
    ['"quoted local"@example.com', [a(null, null, 'quoted local', 'example.com')]],
    ['user@[192.0.2.1]', [a(null, null, 'user', '[192.0.2.1]')]],
    ['Who? <one@y.test>', [a('Who?', null, 'one', 'y.test')]],
    ['broken <unterminated@x', [a('broken', null, 'unterminated', 'x')]],
    ['"unterminated quote <q@x>', [a(null, null, 'unterminated quote <q@x>', 'unspecified-domain')]],
    ['a@b.c (comment (nested)) ', [a('comment (nested)', null, 'a', 'b.c')]],
  ];
  it.each(cases)('%j', (input, expected) => {
    expect(parseAddressList(input)).toEqual(expected);
  });

  it('never throws and never stalls on junk', () => {
    for (const junk of ['<<>>', '@@@', ';;;', ':::', '<@>', '(((', '"', '\\', 'a:b:c;d;', ',<,>,']) {
      expect(() => parseAddressList(junk)).not.toThrow();
    }
  });
});
