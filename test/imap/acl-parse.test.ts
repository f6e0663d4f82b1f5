/** The ACL commands' arguments (RFC 4314) and LIST RETURN (MYRIGHTS) (RFC 8440) as typed commands. */
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/imap/wire/cursor.js';
import { parseCommandText } from '../../src/imap/wire/parse/index.js';

describe('ACL command arguments', () => {
  it.each([
    ['GETACL', 'INBOX', { name: 'GETACL', mailbox: 'INBOX' }],
    ['MYRIGHTS', '"Other Users/fred"', { name: 'MYRIGHTS', mailbox: 'Other Users/fred' }],
    ['DELETEACL', 'INBOX/x -bob', { name: 'DELETEACL', mailbox: 'INBOX/x', identifier: '-bob' }],
    ['LISTRIGHTS', 'INBOX "group:staff"', { name: 'LISTRIGHTS', mailbox: 'INBOX', identifier: 'group:staff' }],
    ['SETACL', 'INBOX bob lrs', { name: 'SETACL', mailbox: 'INBOX', identifier: 'bob', modification: { mode: 'replace', rights: 'lrs' } }],
    ['SETACL', 'INBOX bob +w', { name: 'SETACL', mailbox: 'INBOX', identifier: 'bob', modification: { mode: 'add', rights: 'w' } }],
    ['SETACL', 'INBOX bob "-lr"', { name: 'SETACL', mailbox: 'INBOX', identifier: 'bob', modification: { mode: 'remove', rights: 'lr' } }],
    ['SETACL', 'INBOX bob ""', { name: 'SETACL', mailbox: 'INBOX', identifier: 'bob', modification: { mode: 'replace', rights: '' } }],
  ])('%s %s', (name, args, want) => {
    expect(parseCommandText(name, ` ${args}`)).toEqual(want);
  });

  it.each([['GETACL', ''], ['GETACL', 'a b'], ['SETACL', 'INBOX bob'], ['DELETEACL', 'INBOX'], ['LISTRIGHTS', 'INBOX ""'], ['MYRIGHTS', 'INBOX x']])('%s %s is BAD', (name, args) => {
    expect(() => parseCommandText(name, ` ${args}`)).toThrow(ParseError);
  });

  it('reads RETURN (MYRIGHTS) in LIST', () => {
    const list = parseCommandText('LIST', ' "" "*" RETURN (MYRIGHTS CHILDREN)');
    expect(list).toMatchObject({ name: 'LIST', returnOptions: { myRights: true, children: true }, extended: true });
  });
});
