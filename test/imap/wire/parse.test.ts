import { describe, expect, test } from 'vitest';
import { ParseError } from '../../../src/imap/wire/cursor.js';
import { parseCommand, parseCommandText, type Command } from '../../../src/imap/wire/parse/index.js';
import { CommandReader } from '../../../src/imap/wire/reader.js';

const all = (first: number | '*', last: number | '*' = first) => ({ saved: false, ranges: [{ first, last }] });
const noReturn = { subscribed: false, children: false, specialUse: false, status: null };

const VALID: Array<[string, string, Command]> = [
  ['CAPABILITY', '', { name: 'CAPABILITY' }],
  ['noop', '', { name: 'NOOP' }],
  ['LOGOUT', '', { name: 'LOGOUT' }],
  ['STARTTLS', '', { name: 'STARTTLS' }],
  ['CHECK', '', { name: 'CHECK' }],
  ['CLOSE', '', { name: 'CLOSE' }],
  ['EXPUNGE', '', { name: 'EXPUNGE' }],
  ['IDLE', '', { name: 'IDLE' }],
  ['NAMESPACE', '', { name: 'NAMESPACE' }],
  ['UNSELECT', '', { name: 'UNSELECT' }],
  ['LOGIN', ' alice "pa ss\\"w\\\\d"', { name: 'LOGIN', userid: 'alice', password: 'pa ss"w\\d' }],
  ['LOGIN', ' "" x]y', { name: 'LOGIN', userid: '', password: 'x]y' }],
  ['AUTHENTICATE', ' plain', { name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: null }],
  ['AUTHENTICATE', ' PLAIN AGFsaWNlAHB3', { name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: 'AGFsaWNlAHB3' }],
  ['AUTHENTICATE', ' EXTERNAL =', { name: 'AUTHENTICATE', mechanism: 'EXTERNAL', initialResponse: '' }],
  ['ENABLE', ' CONDSTORE utf8=accept', { name: 'ENABLE', capabilities: ['CONDSTORE', 'UTF8=ACCEPT'] }],
  ['ID', ' NIL', { name: 'ID', parameters: null }],
  ['ID', ' ("name" "imapflow" "version" NIL)', { name: 'ID', parameters: [['name', 'imapflow'], ['version', null]] }],
  ['SELECT', ' inbox', { name: 'SELECT', mailbox: 'inbox', condstore: false }],
  ['EXAMINE', ' "Sent Items" (CONDSTORE)', { name: 'EXAMINE', mailbox: 'Sent Items', condstore: true }],
  ['CREATE', ' INBOX.Foo', { name: 'CREATE', mailbox: 'INBOX.Foo', partition: null, specialUse: [] }],
  ['CREATE', ' INBOX.Foo p2', { name: 'CREATE', mailbox: 'INBOX.Foo', partition: 'p2', specialUse: [] }],
  ['CREATE', ' Sent (USE (\\Sent))', { name: 'CREATE', mailbox: 'Sent', partition: null, specialUse: ['\\Sent'] }],
  ['DELETE', ' "a b"', { name: 'DELETE', mailbox: 'a b' }],
  ['SUBSCRIBE', ' x', { name: 'SUBSCRIBE', mailbox: 'x' }],
  ['UNSUBSCRIBE', ' x', { name: 'UNSUBSCRIBE', mailbox: 'x' }],
  ['RENAME', ' a b', { name: 'RENAME', from: 'a', to: 'b', partition: null }],
  ['RENAME', ' a b p3', { name: 'RENAME', from: 'a', to: 'b', partition: 'p3' }],
  ['LIST', ' "" *', { name: 'LIST', selectOptions: [], reference: '', patterns: ['*'], returnOptions: noReturn, extended: false }],
  ['LIST', ' INBOX. %.a]b', { name: 'LIST', selectOptions: [], reference: 'INBOX.', patterns: ['%.a]b'], returnOptions: noReturn, extended: false }],
  [
    'LIST',
    ' (SUBSCRIBED RECURSIVEMATCH) "" ("INBOX" %) RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN SIZE))',
    {
      name: 'LIST',
      selectOptions: ['SUBSCRIBED', 'RECURSIVEMATCH'],
      reference: '',
      patterns: ['INBOX', '%'],
      returnOptions: { subscribed: false, children: true, specialUse: true, status: ['MESSAGES', 'UNSEEN', 'SIZE'] },
      extended: true,
    },
  ],
  ['LIST', ' () "" * RETURN (SUBSCRIBED)', { name: 'LIST', selectOptions: [], reference: '', patterns: ['*'], returnOptions: { ...noReturn, subscribed: true }, extended: true }],
  ['LIST', ' (SPECIAL-USE REMOTE) "" *', { name: 'LIST', selectOptions: ['SPECIAL-USE', 'REMOTE'], reference: '', patterns: ['*'], returnOptions: noReturn, extended: true }],
  ['LSUB', ' "" %', { name: 'LSUB', reference: '', pattern: '%' }],
  ['STATUS', ' INBOX (messages UIDNEXT uidvalidity RECENT UNSEEN SIZE)', { name: 'STATUS', mailbox: 'INBOX', items: ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY', 'RECENT', 'UNSEEN', 'SIZE'] }],
  ['UID', ' EXPUNGE 3:5,9', { name: 'UID EXPUNGE', uids: { saved: false, ranges: [{ first: 3, last: 5 }, { first: 9, last: 9 }] } }],
  ['COPY', ' 1:* Trash', { name: 'COPY', byUid: false, set: all(1, '*'), mailbox: 'Trash' }],
  ['UID', ' MOVE $ Trash', { name: 'MOVE', byUid: true, set: { saved: true }, mailbox: 'Trash' }],
  ['MOVE', ' 2 "Junk"', { name: 'MOVE', byUid: false, set: all(2), mailbox: 'Junk' }],
  ['STORE', ' 1 +FLAGS (\\seen $Label)', { name: 'STORE', byUid: false, set: all(1), operation: 'add', silent: false, flags: ['\\Seen', '$Label'] }],
  ['UID', ' STORE 5:* -flags.silent \\Deleted \\Draft', { name: 'STORE', byUid: true, set: all(5, '*'), operation: 'remove', silent: true, flags: ['\\Deleted', '\\Draft'] }],
  ['STORE', ' 1 FLAGS ()', { name: 'STORE', byUid: false, set: all(1), operation: 'replace', silent: false, flags: [] }],
  ['FETCH', ' 1 FAST', { name: 'FETCH', byUid: false, set: all(1), items: [{ kind: 'simple', item: 'FLAGS' }, { kind: 'simple', item: 'INTERNALDATE' }, { kind: 'simple', item: 'RFC822.SIZE' }] }],
  ['FETCH', ' 1 body', { name: 'FETCH', byUid: false, set: all(1), items: [{ kind: 'simple', item: 'BODY' }] }],
  [
    'UID',
    ' FETCH 1:* (FLAGS ENVELOPE)',
    { name: 'FETCH', byUid: true, set: all(1, '*'), items: [{ kind: 'simple', item: 'UID' }, { kind: 'simple', item: 'FLAGS' }, { kind: 'simple', item: 'ENVELOPE' }] },
  ],
  [
    'FETCH',
    ' 2,4:3 (BODY[] BODY.PEEK[1.2.MIME]<10.20> BODY[HEADER.FIELDS.NOT (Received X-Spam)] BINARY.PEEK[1]<0.5> BINARY.SIZE[2] BINARY[])',
    {
      name: 'FETCH',
      byUid: false,
      set: { saved: false, ranges: [{ first: 2, last: 2 }, { first: 4, last: 3 }] },
      items: [
        { kind: 'section', peek: false, section: { part: [], specifier: null, fields: [] }, partial: null },
        { kind: 'section', peek: true, section: { part: [1, 2], specifier: 'MIME', fields: [] }, partial: { offset: 10, length: 20 } },
        { kind: 'section', peek: false, section: { part: [], specifier: 'HEADER.FIELDS.NOT', fields: ['Received', 'X-Spam'] }, partial: null },
        { kind: 'binary', peek: true, part: [1], partial: { offset: 0, length: 5 } },
        { kind: 'binarySize', part: [2] },
        { kind: 'binary', peek: false, part: [], partial: null },
      ],
    },
  ],
  ['SEARCH', ' ALL', { name: 'SEARCH', byUid: false, charset: null, returnOptions: null, criteria: { kind: 'all' } }],
  [
    'UID',
    ' SEARCH RETURN () CHARSET "UTF-8" UNSEEN',
    { name: 'SEARCH', byUid: true, charset: 'UTF-8', returnOptions: [], criteria: { kind: 'flag', flag: '\\Seen', set: false } },
  ],
  [
    'SEARCH',
    ' RETURN (MIN MAX COUNT ALL SAVE) 1:5 UID 3,* before 1-Feb-1994 SENTSINCE "21-Jan-2020" LARGER 100 HEADER X-Foo "" KEYWORD $Junk',
    {
      name: 'SEARCH',
      byUid: false,
      charset: null,
      returnOptions: ['MIN', 'MAX', 'COUNT', 'ALL', 'SAVE'],
      criteria: {
        kind: 'and',
        keys: [
          { kind: 'sequence', set: all(1, 5) },
          { kind: 'uid', set: { saved: false, ranges: [{ first: 3, last: 3 }, { first: '*', last: '*' }] } },
          { kind: 'date', field: 'internal', op: 'before', date: { year: 1994, month: 2, day: 1 } },
          { kind: 'date', field: 'sent', op: 'since', date: { year: 2020, month: 1, day: 21 } },
          { kind: 'size', op: 'larger', size: 100 },
          { kind: 'header', field: 'X-Foo', value: '' },
          { kind: 'flag', flag: '$Junk', set: true },
        ],
      },
    },
  ],
  [
    'SEARCH',
    ' OR (FROM a SUBJECT b) NOT TEXT c OLD',
    {
      name: 'SEARCH',
      byUid: false,
      charset: null,
      returnOptions: null,
      criteria: {
        kind: 'and',
        keys: [
          {
            kind: 'or',
            left: { kind: 'and', keys: [{ kind: 'header', field: 'From', value: 'a' }, { kind: 'header', field: 'Subject', value: 'b' }] },
            right: { kind: 'not', key: { kind: 'text', value: 'c' } },
          },
          { kind: 'flag', flag: '\\Recent', set: false },
        ],
      },
    },
  ],
];

/** Every search key of RFC 3501 6.4.4 parses. */
const SEARCH_KEYS = [
  'ALL', 'ANSWERED', 'BCC x', 'BEFORE 1-Jan-2000', 'BODY x', 'CC x', 'DELETED', 'DRAFT', 'FLAGGED', 'FROM x', 'HEADER a b',
  'KEYWORD k', 'LARGER 1', 'NEW', 'NOT ALL', 'OLD', 'ON 1-Jan-2000', 'OR ALL ALL', 'RECENT', 'SEEN', 'SENTBEFORE 1-Jan-2000',
  'SENTON 1-Jan-2000', 'SENTSINCE 1-Jan-2000', 'SINCE 1-Jan-2000', 'SMALLER 1', 'SUBJECT x', 'TEXT x', 'TO x', 'UID 1', 'UNANSWERED',
  'UNDELETED', 'UNDRAFT', 'UNFLAGGED', 'UNKEYWORD k', 'UNSEEN', '1:*', '(ALL)',
];

const INVALID: Array<[string, string]> = [
  ['FROB', ''],
  ['CAPABILITY', ' x'],
  ['NOOP', ' '],
  ['LOGOUT', ' now'],
  ['STARTTLS', ' x'],
  ['CHECK', ' x'],
  ['CLOSE', ' x'],
  ['EXPUNGE', ' 1'],
  ['IDLE', ' x'],
  ['NAMESPACE', ' x'],
  ['UNSELECT', ' x'],
  ['LOGIN', ' alice'],
  ['LOGIN', ' "alice pw'],
  ['LOGIN', ' "a\\b" pw'],
  ['LOGIN', ' a (b)'],
  ['AUTHENTICATE', ''],
  ['AUTHENTICATE', ' PLAIN abc'],
  ['ENABLE', ''],
  ['ID', ' ()'],
  ['ID', ' ("a")'],
  ['SELECT', ''],
  ['SELECT', ' INBOX (QRESYNC)'],
  ['EXAMINE', ' a b'],
  ['CREATE', ' x (USE (Sent))'],
  ['CREATE', ' x (FOO (\\Sent))'],
  ['CREATE', ' x p y'],
  ['DELETE', ' a b'],
  ['SUBSCRIBE', ''],
  ['UNSUBSCRIBE', ' (x)'],
  ['RENAME', ' a'],
  ['RENAME', ' a b c d'],
  ['LIST', ' ""'],
  ['LIST', ' (RECURSIVEMATCH) "" *'],
  ['LIST', ' (BOGUS) "" *'],
  ['LIST', ' "" * RETURN (BOGUS)'],
  ['LIST', ' "" ()'],
  ['LSUB', ' "" * x'],
  ['STATUS', ' INBOX ()'],
  ['STATUS', ' INBOX (MESSAGES BOGUS)'],
  ['STATUS', ' INBOX MESSAGES'],
  ['APPEND', ' INBOX'],
  ['APPEND', ' INBOX "hello"'],
  ['UID', ' FROB 1'],
  ['UID', ' EXPUNGE'],
  ['COPY', ' 0 Trash'],
  ['COPY', ' 1:'],
  ['MOVE', ' 1 '],
  ['STORE', ' 1 FLAGZ (\\Seen)'],
  ['STORE', ' 1 +FLAGS'],
  ['STORE', ' 1 +FLAGS (\\Seen'],
  ['FETCH', ' 1'],
  ['FETCH', ' 1 ()'],
  ['FETCH', ' 1 (FLAGS BOGUS)'],
  ['FETCH', ' 1 BODY[1.0]'],
  ['FETCH', ' 1 BODY[MIME]'],
  ['FETCH', ' 1 BODY[.HEADER]'],
  ['FETCH', ' 1 BODY[HEADER.FIELDS]'],
  ['FETCH', ' 1 BODY[TEXT]<1>'],
  ['FETCH', ' 1 BODY[TEXT]<1.0>'],
  ['FETCH', ' 1 BODY.PEEK'],
  ['FETCH', ' 1 BINARY[HEADER]'],
  ['FETCH', ' 1 (FLAGS) extra'],
  ['SEARCH', ''],
  ['SEARCH', ' BOGUS'],
  ['SEARCH', ' BEFORE 132-Jan-2000'],
  ['SEARCH', ' BEFORE 1-Jan-20'],
  ['SEARCH', ' BEFORE 1-Foo-2000'],
  ['SEARCH', ' OR ALL'],
  ['SEARCH', ' ()'],
  ['SEARCH', ' KEYWORD \\Seen'],
  ['SEARCH', ' RETURN (FIRST) ALL'],
  ['SEARCH', ' LARGER x'],
  ['SEARCH', ` ${'('.repeat(200)}ALL${')'.repeat(200)}`],
];

describe('command parsers', () => {
  test.each(VALID)('%s%s', (name, args, expected) => {
    expect(parseCommandText(name, args)).toEqual(expected);
  });

  test.each(SEARCH_KEYS)('SEARCH %s', (key) => {
    expect(parseCommandText('SEARCH', ` ${key}`).name).toBe('SEARCH');
    expect(parseCommandText('SEARCH', ` NOT ${key} ${key}`).name).toBe('SEARCH');
  });

  test.each(INVALID)('%s%s is a syntax error', (name, args) => {
    expect(() => parseCommandText(name, args)).toThrow(ParseError);
  });
});

describe('parsers over framed commands with literals', () => {
  function frame(text: string) {
    const reader = new CommandReader({ maxLineLength: 1000, maxLiteralSize: 1000, maxAppendLiteralSize: 1000, literalPlus: 'plus' });
    reader.push(Buffer.from(text, 'utf8'));
    const event = reader.next();
    if (event?.type !== 'command') throw new Error(`no command: ${JSON.stringify(event)}`);
    return parseCommand(event.command);
  }

  test('MULTIAPPEND with flags, dates, literal8', () => {
    const cmd = frame('a APPEND "Sent" (\\Seen) "17-Jul-1996 02:44:25 -0700" {5+}\r\nhello " 1-Feb-1994 00:00:00 +0000" ~{3+}\r\na\u0000b {2+}\r\nok\r\n');
    expect(cmd).toEqual({
      name: 'APPEND',
      mailbox: 'Sent',
      messages: [
        { flags: ['\\Seen'], internalDate: new Date('1996-07-17T09:44:25Z'), message: Buffer.from('hello'), binary: false },
        { flags: [], internalDate: new Date('1994-02-01T00:00:00Z'), message: Buffer.from('a\u0000b'), binary: true },
        { flags: [], internalDate: null, message: Buffer.from('ok'), binary: false },
      ],
    });
  });

  test('literals stand for strings anywhere a string goes; 8-bit is UTF-8', () => {
    expect(frame('a SEARCH CHARSET UTF-8 SUBJECT {5+}\r\nhé!! FROM x\r\n')).toMatchObject({
      criteria: { kind: 'and', keys: [{ kind: 'header', field: 'Subject', value: 'hé!!' }, { kind: 'header', field: 'From', value: 'x' }] },
    });
    expect(frame('a RENAME {1+}\r\na {1+}\r\nb\r\n')).toEqual({ name: 'RENAME', from: 'a', to: 'b', partition: null });
  });

  test('literal8 is refused outside APPEND; APPEND with a date-time off the grammar is refused', () => {
    expect(() => frame('a LOGIN ~{1+}\r\na b\r\n')).toThrow(ParseError);
    expect(() => frame('a APPEND x "31-Feb-20 00:00:00 +0000" {1+}\r\nm\r\n')).toThrow(ParseError); // year must be 4 digits
    expect(() => frame('a APPEND x "31-Feb-2020 0:00:00 +0000" {1+}\r\nm\r\n')).toThrow(ParseError);
    expect(() => frame('a APPEND x "31-Fib-2020 00:00:00 +0000" {1+}\r\nm\r\n')).toThrow(ParseError);
    expect(() => frame('a APPEND x "1-Feb-2020 00:00:00 +0000" {1+}\r\nm\r\n')).toThrow(ParseError); // day must be 2 wide
  });
});
