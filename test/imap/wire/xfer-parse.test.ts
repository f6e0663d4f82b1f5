// XFER (Cyrus's) and XFERRECV (its receiving end between backends): parsed from framed bytes, as
// the session reads them, with what is refused.
import { describe, expect, test } from 'vitest';
import { ParseError } from '../../../src/imap/wire/cursor.js';
import { parseCommand, type Command } from '../../../src/imap/wire/parse/index.js';
import { CommandReader } from '../../../src/imap/wire/reader.js';

function frame(text: string | Buffer): Command {
  const reader = new CommandReader({ maxLineLength: 4096, maxLiteralSize: 1 << 20, maxAppendLiteralSize: 1 << 20, literalPlus: 'plus' });
  reader.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  const event = reader.next();
  if (event?.type !== 'command') throw new Error(`no command: ${JSON.stringify(event)}`);
  return parseCommand(event.command);
}

describe('XFER', () => {
  test.each<[string, Command]>([
    ['a XFER user/fred backend2\r\n', { name: 'XFER', mailbox: 'user/fred', server: 'backend2', partition: null }],
    ['a XFER "user/fred" "backend2" default\r\n', { name: 'XFER', mailbox: 'user/fred', server: 'backend2', partition: 'default' }],
    ['a xfer shared backend2!p2\r\n', { name: 'XFER', mailbox: 'shared', server: 'backend2', partition: 'p2' }],
    ['a XFER shared backend2!\r\n', { name: 'XFER', mailbox: 'shared', server: 'backend2', partition: null }],
    ['a XFER {9+}\r\nuser/fred 10.0.0.2\r\n', { name: 'XFER', mailbox: 'user/fred', server: '10.0.0.2', partition: null }],
  ])('%j', (text, expected) => {
    expect(frame(text)).toEqual(expected);
  });

  test.each([
    'a XFER\r\n',
    'a XFER user/fred\r\n',
    'a XFER user/fred b2 p1 extra\r\n',
    'a XFER user/fred b2!p1 p2\r\n',
    'a XFER user/fred !p1\r\n',
    'a XFER user/fred b2 "p/1"\r\n',
  ])('refuses %j', (text) => {
    expect(() => frame(text)).toThrow(ParseError);
  });
});

describe('XFERRECV', () => {
  const id = '0123456789abcdef01234567';

  test('MAILBOX, with and without a partition', () => {
    expect(frame(`a XFERRECV ${id} MAILBOX "user.fred" "u-1" NIL "default"\r\n`)).toEqual({
      name: 'XFERRECV', xferId: id, step: { kind: 'mailbox', mailbox: 'user.fred', uniqueId: 'u-1', partition: null, sourcePartition: 'default' },
    });
    expect(frame(`a XFERRECV ${id} MAILBOX user.fred u-1 p2 default\r\n`)).toMatchObject({ step: { partition: 'p2' } });
  });

  test('PUT: the pieces cut from one literal8, NUL bytes and all', () => {
    const data = Buffer.concat([Buffer.from('SQLite\u0000'), Buffer.from('abc')]);
    const command = frame(Buffer.concat([Buffer.from(`a XFERRECV ${id} PUT "user.fred" ("cyrus.index" 0 7 "1." 4 3) ~{${data.length}+}\r\n`), data, Buffer.from('\r\n')]));
    expect(command).toMatchObject({ name: 'XFERRECV', step: { kind: 'put', mailbox: 'user.fred' } });
    const step = (command as Extract<Command, { name: 'XFERRECV' }>).step as Extract<Command, { name: 'XFERRECV' }>['step'] & { kind: 'put' };
    expect(step.pieces.map((p) => [p.file, p.offset, p.data.toString('latin1')])).toEqual([['cyrus.index', 0, 'SQLite\u0000'], ['1.', 4, 'abc']]);
  });

  test('STATE and USER carry their literal; COMMIT and ABORT nothing', () => {
    expect(frame(`a XFERRECV ${id} STATE user.fred {2+}\r\n{}\r\n`)).toMatchObject({ step: { kind: 'state', mailbox: 'user.fred', state: Buffer.from('{}') } });
    expect(frame(`a XFERRECV ${id} USER fred {2+}\r\n{}\r\n`)).toMatchObject({ step: { kind: 'user', userid: 'fred', state: Buffer.from('{}') } });
    expect(frame(`a XFERRECV ${id} commit\r\n`)).toEqual({ name: 'XFERRECV', xferId: id, step: { kind: 'commit' } });
    expect(frame(`a XFERRECV ${id} ABORT\r\n`)).toEqual({ name: 'XFERRECV', xferId: id, step: { kind: 'abort' } });
  });

  test.each([
    [`a XFERRECV ${id}\r\n`],
    [`a XFERRECV NOTHEX01 ABORT\r\n`],
    [`a XFERRECV 0123 ABORT\r\n`],
    [`a XFERRECV ${id} DANCE\r\n`],
    [`a XFERRECV ${id} COMMIT now\r\n`],
    [`a XFERRECV ${id} PUT user.fred ("1." 0 5) {4+}\r\nabcd\r\n`],
    [`a XFERRECV ${id} PUT user.fred () {0+}\r\n\r\n`],
    [`a XFERRECV ${id} PUT user.fred ("1." 0 4) "abcd"\r\n`],
    [`a XFERRECV ${id} STATE user.fred "{}"\r\n`],
    [`a XFERRECV ${id} MAILBOX user.fred u-1 NIL\r\n`],
  ])('refuses %j', (text) => {
    expect(() => frame(text)).toThrow(ParseError);
  });
});
