/**
 * BODY[HEADER.FIELDS (...)] echoes the field names as the client sent them, as Cyrus 3.6.1 does
 * (RFC 3501/9051 leave their case to the server; header-fld-name is an astring). Cyrus 3.6.1, asked
 * `BODY.PEEK[HEADER.FIELDS (from Subject x-FOO)]`, answered `BODY[HEADER.FIELDS (from Subject x-FOO)]`;
 * it refused an empty name, one with a colon and one with a space with BAD.
 */
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { ParseError } from '../../src/imap/wire/cursor.js';
import { parseCommandText } from '../../src/imap/wire/parse/index.js';
import { fetchItemLabel } from '../../src/imap/wire/serialize/fetch.js';
import type { TestServer } from './harness.js';
import { fredIn, rawCommand, startWithMessages } from './message/fixtures.js';

function labelsOf(items: string): string[] {
  const cmd = parseCommandText('FETCH', ` 1 ${items}`);
  if (cmd.name !== 'FETCH') throw new Error('not FETCH');
  return cmd.items.map((item) => (item.kind === 'simple' ? item.item : fetchItemLabel(item)));
}

describe('HEADER.FIELDS labels', () => {
  test.each([
    ['BODY.PEEK[HEADER.FIELDS (from Subject x-FOO)]', 'BODY[HEADER.FIELDS (from Subject x-FOO)]'],
    ['BODY[header.fields.not (To cc)]', 'BODY[HEADER.FIELDS.NOT (To cc)]'],
    ['BODY.PEEK[1.2.header.fields (Message-ID)]<0.10>', 'BODY[1.2.HEADER.FIELDS (Message-ID)]<0>'],
    // A quoted name that is an atom goes back as an atom; one that is not stays quoted.
    ['BODY[HEADER.FIELDS ("From" "a(b" a]b)]', 'BODY[HEADER.FIELDS (From "a(b" a]b)]'],
    ['BODY[HEADER.FIELDS ("a\\"b" "x*y" "NIL")]', 'BODY[HEADER.FIELDS ("a\\"b" "x*y" "NIL")]'],
  ])('%s is labelled %s', (items, label) => {
    expect(labelsOf(items)).toEqual([label]);
  });

  test('the parsed names keep their case', () => {
    const cmd = parseCommandText('FETCH', ' 1 BODY[HEADER.FIELDS (from X-Spam)]');
    if (cmd.name !== 'FETCH' || cmd.items[0]?.kind !== 'section') throw new Error('no section');
    expect(cmd.items[0].section.fields).toEqual(['from', 'X-Spam']);
  });

  test.each(['BODY[HEADER.FIELDS ("")]', 'BODY[HEADER.FIELDS ("x:y")]', 'BODY[HEADER.FIELDS ("a b")]', 'BODY[HEADER.FIELDS.NOT (From "")]', 'BODY[HEADER.FIELDS ("caf\u00e9")]'])(
    '%s is a syntax error',
    (items) => {
      expect(() => parseCommandText('FETCH', ` 1 ${items}`)).toThrow(ParseError);
    },
  );
});

describe('HEADER.FIELDS on the wire', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startWithMessages();
  }, 60_000);
  afterAll(async () => {
    await server.close();
  });

  it('echoes the names as sent and matches them case-insensitively', async () => {
    const c = await fredIn(server);
    const text = await rawCommand(c, 'f1', 'FETCH 1 (BODY.PEEK[HEADER.FIELDS (from SUBJECT x-tracking)] BODY.PEEK[header.fields.not (Date From To Cc Message-ID X-Tracking)])');
    expect(text).toContain(
      '* 1 FETCH (BODY[HEADER.FIELDS (from SUBJECT x-tracking)] {80}\r\n' +
        'From: "Fred Foo" <fred@example.com>\r\nSubject: Hello world\r\nX-Tracking: alpha\r\n\r\n' +
        ' BODY[HEADER.FIELDS.NOT (Date From To Cc Message-ID X-Tracking)] {24}\r\nSubject: Hello world\r\n\r\n)',
    );
    expect(text.endsWith('f1 OK FETCH completed')).toBe(true);
    c.close();
  });

  it('echoes a name sent as a literal as an atom', async () => {
    const c = await fredIn(server);
    c.write('f2 FETCH 1 BODY.PEEK[HEADER.FIELDS (from {7}\r\n');
    expect(await c.readLine()).toMatch(/^\+ /);
    c.write('Subject)]\r\n');
    const lines = await c.readUntil((line) => line.startsWith('f2 '));
    expect(lines[0]).toBe('* 1 FETCH (BODY[HEADER.FIELDS (from Subject)] {61}');
    expect(lines.at(-1)).toBe('f2 OK FETCH completed');
    c.close();
  });

  it('refuses a name that cannot be a header field with BAD', async () => {
    const c = await fredIn(server);
    const lines = await c.command('f3', 'FETCH 1 BODY.PEEK[HEADER.FIELDS ("x:y")]');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^f3 BAD .*field name/i);
    c.close();
  });
});
