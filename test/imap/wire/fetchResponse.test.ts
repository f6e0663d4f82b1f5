import { describe, expect, test } from 'vitest';
import type { BodyPart, Envelope } from '../../../src/message/types.js';
import { FetchResponse, fetchItemLabel, type LiteralSource } from '../../../src/imap/wire/serialize/fetch.js';
import {
  capabilityResponse, enabledResponse, esearchResponse, existsResponse, expungeResponse, flagsResponse, idResponse, listResponse,
  namespaceResponse, recentResponse, searchResponse, statusResponse,
} from '../../../src/imap/wire/serialize/lists.js';
import { formatDateTime, parseDateTimeText } from '../../../src/imap/wire/datetime.js';
import { formatSequenceSet, formatSortedSet, rangesContain, resolveSequenceSet } from '../../../src/imap/wire/sequence.js';
import { parseCommandText } from '../../../src/imap/wire/parse/index.js';

const envelope: Envelope = { date: null, subject: 'hi', from: null, sender: null, replyTo: null, to: null, cc: null, bcc: null, inReplyTo: null, messageId: '<1@x>' };
const body: BodyPart = {
  type: 'TEXT', subtype: 'PLAIN', params: null, id: null, description: null, encoding: '7BIT', size: 5, lines: 1,
  md5: null, disposition: null, language: null, location: null, range: { headerStart: 0, bodyStart: 10, bodyEnd: 15 },
};

describe('FETCH responses', () => {
  test('metadata items form one line', () => {
    const line = new FetchResponse(12)
      .uid(4827313)
      .flags(['\\Seen', '$Forwarded'])
      .internalDate(new Date('1996-07-17T09:44:25Z'), -420)
      .rfc822Size(44827)
      .envelope(envelope)
      .body(body)
      .bodyStructure(body)
      .modseq(5)
      .toString();
    expect(line).toBe(
      '* 12 FETCH (UID 4827313 FLAGS (\\Seen $Forwarded) INTERNALDATE "17-Jul-1996 02:44:25 -0700" RFC822.SIZE 44827 ' +
        'ENVELOPE (NIL "hi" NIL NIL NIL NIL NIL NIL NIL "<1@x>") ' +
        'BODY ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 5 1) BODYSTRUCTURE ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 5 1 NIL NIL NIL NIL) MODSEQ (5))\r\n',
    );
    expect(new FetchResponse(1).flags([]).toString()).toBe('* 1 FETCH (FLAGS ())\r\n');
  });

  test('section data stays a Buffer (never joined into a string)', () => {
    const big = Buffer.alloc(5 << 20, 0x61);
    const chunks = new FetchResponse(3)
      .uid(9)
      .literal(fetchItemLabel({ kind: 'section', peek: true, section: { part: [], specifier: null, fields: [] }, partial: { offset: 0, length: 100 } }), big)
      .flags(['\\Seen'])
      .finish();
    expect(chunks).toHaveLength(3);
    expect(chunks[0]).toBe(`* 3 FETCH (UID 9 BODY[]<0> {${big.length}}\r\n`);
    expect(chunks[1]).toBe(big);
    expect(chunks[2]).toBe(' FLAGS (\\Seen))\r\n');
  });

  test('NIL sections, literal8 for binary data with NUL, streamed sources', () => {
    const source: LiteralSource = { size: 3, open: async function* () { yield Buffer.from('abc'); } };
    const chunks = new FetchResponse(1)
      .literal('RFC822.HEADER', null)
      .literal('BINARY[1]', Buffer.from('a\u0000b'), true)
      .literal('BINARY[2]', Buffer.from('ab'), true)
      .literalStream('BODY[TEXT]', source)
      .binarySize([1], 3)
      .finish();
    expect(chunks).toEqual([
      '* 1 FETCH (RFC822.HEADER NIL BINARY[1] ~{3}\r\n',
      Buffer.from('a\u0000b'),
      ' BINARY[2] {2}\r\n',
      Buffer.from('ab'),
      ' BODY[TEXT] {3}\r\n',
      source,
      ' BINARY.SIZE[1] 3)\r\n',
    ]);
    expect(() => new FetchResponse(1).literal('RFC822', Buffer.from('x')).toString()).toThrow();
  });

  test('labels echo the section as requested, without PEEK, partial as origin only', () => {
    const cmd = parseCommandText('FETCH', ' 1 (BODY.PEEK[1.2.HEADER.FIELDS (From Subject)]<5.10> BODY[3.MIME] BINARY.PEEK[1.1]<0.4> BINARY.SIZE[4])');
    if (cmd.name !== 'FETCH') throw new Error('not FETCH');
    const labels = cmd.items.map((item) => (item.kind === 'simple' ? item.item : fetchItemLabel(item)));
    expect(labels).toEqual(['BODY[1.2.HEADER.FIELDS (From Subject)]<5>', 'BODY[3.MIME]', 'BINARY[1.1]<0>', 'BINARY.SIZE[4]']);
  });
});

describe('untagged data responses', () => {
  test.each([
    [capabilityResponse(['IMAP4rev1', 'IDLE']), '* CAPABILITY IMAP4rev1 IDLE\r\n'],
    [flagsResponse(['\\Answered', '\\Seen']), '* FLAGS (\\Answered \\Seen)\r\n'],
    [existsResponse(172), '* 172 EXISTS\r\n'],
    [recentResponse(1), '* 1 RECENT\r\n'],
    [expungeResponse(3), '* 3 EXPUNGE\r\n'],
    [enabledResponse([]), '* ENABLED\r\n'],
    [enabledResponse(['CONDSTORE']), '* ENABLED CONDSTORE\r\n'],
    [listResponse({ attributes: ['\\HasNoChildren'], delimiter: '.', mailbox: 'INBOX' }), '* LIST (\\HasNoChildren) "." INBOX\r\n'],
    [listResponse({ attributes: [], delimiter: '/', mailbox: 'Sent Items' }, 'LSUB'), '* LSUB () "/" "Sent Items"\r\n'],
    [listResponse({ attributes: ['\\Noselect'], delimiter: null, mailbox: '' }), '* LIST (\\Noselect) NIL ""\r\n'],
    [listResponse({ attributes: ['\\HasChildren', '\\Sent'], delimiter: '\\', mailbox: 'Foo', childInfo: ['SUBSCRIBED'] }), '* LIST (\\HasChildren \\Sent) "\\\\" Foo ("CHILDINFO" ("SUBSCRIBED"))\r\n'],
    [statusResponse('blurdybloop', [['MESSAGES', 231], ['UIDNEXT', 44292], ['SIZE', 8000000000n]]), '* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292 SIZE 8000000000)\r\n'],
    [namespaceResponse([{ prefix: 'INBOX.', delimiter: '.' }], [{ prefix: 'user.', delimiter: '.' }], null), '* NAMESPACE (("INBOX." ".")) (("user." ".")) NIL\r\n'],
    [searchResponse([2, 84, 882]), '* SEARCH 2 84 882\r\n'],
    [searchResponse([]), '* SEARCH\r\n'],
    [esearchResponse({ tag: 'A282', uid: false, min: 2, count: 3 }), '* ESEARCH (TAG "A282") MIN 2 COUNT 3\r\n'],
    [esearchResponse({ tag: 'A283', uid: true, all: [43, 2, 3, 4, 5, 9, 10, 10] }), '* ESEARCH (TAG "A283") UID ALL 2:5,9:10,43\r\n'],
    [esearchResponse({ tag: 'A284', uid: true, all: [], count: 0 }), '* ESEARCH (TAG "A284") UID COUNT 0\r\n'],
    [idResponse([['name', 'Cyrus'], ['os', null]]), '* ID ("name" "Cyrus" "os" NIL)\r\n'],
    [idResponse(null), '* ID NIL\r\n'],
  ])('%j', (actual, expected) => {
    expect(actual).toBe(expected);
  });
});

describe('dates and sequence sets', () => {
  test('date-time formatting and parsing agree', () => {
    const date = new Date('1994-02-01T08:05:09Z');
    expect(formatDateTime(date, 0)).toBe('" 1-Feb-1994 08:05:09 +0000"');
    expect(formatDateTime(date, 330)).toBe('" 1-Feb-1994 13:35:09 +0530"');
    expect(formatDateTime(date, -60)).toBe('" 1-Feb-1994 07:05:09 -0100"');
    for (const offset of [-720, -420, 0, 60, 345, 840]) {
      expect(parseDateTimeText(formatDateTime(date, offset).slice(1, -1))).toEqual(date);
    }
    // Past-range fields carry over, as Cyrus's mktime does: 24:00 is the next day's midnight.
    expect(parseDateTimeText('17-Jul-1996 24:00:00 -0700')).toEqual(new Date('1996-07-18T07:00:00Z'));
    expect(parseDateTimeText('17-Jul-1996 2:00:00 -0700')).toBeNull();
  });

  test.each([
    [[1, 2, 3, 5], '1:3,5'],
    [[], ''],
    [[7], '7'],
    [[5, 6, 1, 2], '5:6,1:2'],
    [[3, 2, 1], '3,2,1'],
  ])('formatSequenceSet(%j) = %s (order kept)', (numbers, expected) => {
    expect(formatSequenceSet(numbers)).toBe(expected);
  });

  test('formatSortedSet sorts and de-duplicates; resolve merges and handles *', () => {
    expect(formatSortedSet([5, 1, 2, 2, 3])).toBe('1:3,5');
    expect(resolveSequenceSet([{ first: 5, last: '*' }], 3)).toEqual([[3, 5]]);
    expect(resolveSequenceSet([{ first: 1, last: 3 }, { first: 4, last: 4 }, { first: 9, last: 7 }], 10)).toEqual([[1, 4], [7, 9]]);
    const ranges = resolveSequenceSet([{ first: 1, last: 3 }, { first: 10, last: '*' }], 20);
    expect([0, 1, 3, 4, 9, 10, 20, 21].map((n) => rangesContain(ranges, n))).toEqual([false, true, true, false, false, true, true, false]);
  });
});

// Long hit lists are written as digits into bytes (lists.ts joinNumbers): the same text as join().
describe('searchResponse of many hits', () => {
  test('writes every number as join would, 0, powers of ten, and numbers past 2^31 included', () => {
    const hits = [0, 1, 9, 10, 99, 100, 2147483647, 2147483648, 4294967295, 9007199254740991];
    for (let i = 0; i < 200; i++) hits.push(i * 37 + 1000);
    expect(searchResponse(hits)).toBe(`* SEARCH ${hits.join(' ')}\r\n`);
    expect(searchResponse(hits, 12345678901)).toBe(`* SEARCH ${hits.join(' ')} (MODSEQ 12345678901)\r\n`);
  });
});
