/**
 * SEARCH, SORT and THREAD with a CHARSET other than UTF-8 and US-ASCII (RFC 3501 6.4.4; Cyrus 3.6 and
 * Dovecot 2.3 take KOI8-R and the other usual legacy charsets): the strings are read in that charset,
 * quoted or literal; a charset the server does not take is NO [BADCHARSET (...)], one whose bytes are
 * not ASCII where ASCII is (UTF-16) among them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentCursor } from '../../src/imap/wire/cursor.js';
import { searchCharset } from '../../src/imap/wire/parse/charset.js';
import { parseCommand } from '../../src/imap/wire/parse/index.js';
import { RawClient, startTestServer, type TestServer } from './harness.js';

/** "привет" (hello) in KOI8-R. */
const PRIVET_KOI8 = Buffer.from([0xd0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]);
/** "表示" in Shift_JIS: the first character's second byte is 0x5C, a backslash in ASCII. */
const HYOUJI_SJIS = Buffer.from([0x95, 0x5c, 0x8e, 0xa6]);
/** "日本" in ISO-2022-JP: ESC $ B, two 7-bit pairs, ESC ( B. */
const NIHON_JIS = Buffer.from([0x1b, 0x24, 0x42, 0x46, 0x7c, 0x4b, 0x5c, 0x1b, 0x28, 0x42]);

describe('searchCharset', () => {
  it.each([
    ['UTF-8', null],
    ['us-ascii', null],
    ['KOI8-R', 'привет'],
    ['koi8-r', 'привет'],
    ['windows-1251', null],
    ['UTF-16', undefined],
    ['UTF-16LE', undefined],
    ['ISO-2022-KR', undefined],
    ['X-NO-SUCH', undefined],
    ['', undefined],
  ])('%s', (name, expected) => {
    const decode = searchCharset(name);
    if (expected === undefined) expect(decode).toBeUndefined();
    else if (expected === null && name.toUpperCase().startsWith('U')) expect(decode).toBeNull();
    else if (expected === null) expect(typeof decode).toBe('function');
    else expect(decode!(PRIVET_KOI8)).toBe(expected);
  });
});

describe('a cursor read in another charset', () => {
  const parts = (...pieces: Array<string | Buffer | { literal: Buffer }>) => {
    const out: Array<{ kind: 'text'; bytes: Buffer } | { kind: 'literal'; bytes: Buffer; binary: boolean }> = [];
    let text: Buffer[] = [];
    for (const p of pieces) {
      if (typeof p === 'string' || Buffer.isBuffer(p)) text.push(Buffer.isBuffer(p) ? p : Buffer.from(p, 'latin1'));
      else {
        out.push({ kind: 'text', bytes: Buffer.concat(text) });
        text = [];
        out.push({ kind: 'literal', bytes: p.literal, binary: false });
      }
    }
    if (text.length > 0) out.push({ kind: 'text', bytes: Buffer.concat(text) });
    return out;
  };

  it('decodes quoted strings after the cursor and literals in that charset', () => {
    const cursor = new ArgumentCursor(parts('CHARSET KOI8-R SUBJECT "', PRIVET_KOI8, '" BODY ', { literal: PRIVET_KOI8 }));
    expect(cursor.atom()).toBe('CHARSET');
    cursor.sp();
    expect(cursor.astring()).toBe('KOI8-R');
    cursor.sp();
    const koi8 = cursor.recoded(searchCharset('KOI8-R')!);
    expect(koi8.atom()).toBe('SUBJECT');
    koi8.sp();
    expect(koi8.string()).toBe('привет');
    koi8.sp();
    expect(koi8.atom()).toBe('BODY');
    koi8.sp();
    expect(koi8.string()).toBe('привет');
    expect(koi8.atEnd()).toBe(true);
  });

  it('keeps a Shift_JIS character whose second byte is a backslash inside its quoted string', () => {
    const cursor = new ArgumentCursor(parts('"', HYOUJI_SJIS, '" x'));
    expect(cursor.recoded(searchCharset('Shift_JIS')!).string()).toBe('表示');
    // Read as UTF-8 the same bytes are an escape error or another string, never "表示".
    expect(() => new ArgumentCursor(parts('"', HYOUJI_SJIS, '" x')).string()).toThrow();
  });

  it('refuses to recode after non-ASCII text', () => {
    const cursor = new ArgumentCursor(parts('"é" x'));
    cursor.string();
    expect(() => cursor.recoded(searchCharset('KOI8-R')!)).toThrow(/ASCII/);
  });

  it('parses SEARCH CHARSET with its strings in that charset, and leaves an unknown charset to the command', () => {
    const args = (bytes: Buffer) => parseCommand({ tag: 'a', name: 'SEARCH', parts: [{ kind: 'text', bytes }], size: bytes.length });
    const search = args(Buffer.concat([Buffer.from(' CHARSET KOI8-R OR SUBJECT "'), PRIVET_KOI8, Buffer.from('" FROM x')]));
    expect(search).toMatchObject({ name: 'SEARCH', charset: 'KOI8-R', criteria: { kind: 'or', left: { kind: 'header', value: 'привет' } } });
    const unknown = args(Buffer.from(' CHARSET X-NO-SUCH SUBJECT "x"'));
    expect(unknown).toMatchObject({ name: 'SEARCH', charset: 'X-NO-SUCH' });
  });
});

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  const store = server.imap.deps.store;
  store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  const box = store.openMailbox('user.fred');
  try {
    await box.append([
      { content: Buffer.from('From: a@example.com\r\nSubject: =?UTF-8?B?0L/RgNC40LLQtdGCINC80LjRgA==?=\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody one\r\n') },
      { content: Buffer.from('From: b@example.com\r\nSubject: =?ISO-2022-JP?B?GyRCRnxLXBsoQg==?=\r\nDate: Mon, 1 Jan 2024 11:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n表示されます\r\n') },
      { content: Buffer.from('From: c@example.com\r\nSubject: plain\r\nDate: Mon, 1 Jan 2024 12:00:00 +0000\r\n\r\nnothing\r\n') },
    ], { userid: 'fred' });
  } finally {
    box.close();
  }
});
afterAll(() => server.close());

async function raw(c: RawClient, tag: string, ...pieces: Array<string | Buffer>): Promise<string[]> {
  c.write(Buffer.concat([Buffer.from(`${tag} `), ...pieces.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p, 'latin1'))), Buffer.from('\r\n')]));
  return c.readUntil((line) => line.startsWith(`${tag} `));
}

describe('SEARCH, SORT and THREAD in a legacy charset, on the wire', () => {
  it('finds by strings in KOI8-R, Shift_JIS and ISO-2022-JP, quoted and literal', async () => {
    const c = await RawClient.connect(server.port);
    try {
      await c.command('l', 'LOGIN fred pass');
      await c.command('s', 'SELECT INBOX');
      expect(await raw(c, 'k1', 'SEARCH CHARSET KOI8-R SUBJECT "', PRIVET_KOI8, '"')).toEqual(['* SEARCH 1', 'k1 OK SEARCH completed']);
      expect(await raw(c, 'k2', `UID SEARCH CHARSET koi8-r SUBJECT {${PRIVET_KOI8.length}+}\r\n`, PRIVET_KOI8)).toEqual(['* SEARCH 1', 'k2 OK SEARCH completed']);
      expect(await raw(c, 'j1', 'SEARCH CHARSET Shift_JIS BODY "', HYOUJI_SJIS, '"')).toEqual(['* SEARCH 2', 'j1 OK SEARCH completed']);
      expect(await raw(c, 'j2', 'SEARCH CHARSET ISO-2022-JP SUBJECT "', NIHON_JIS, '"')).toEqual(['* SEARCH 2', 'j2 OK SEARCH completed']);
      expect(await raw(c, 's1', 'SORT (DATE) KOI8-R NOT SUBJECT "', PRIVET_KOI8, '"')).toEqual(['* SORT 2 3', 's1 OK SORT completed']);
      expect(await raw(c, 't1', 'THREAD ORDEREDSUBJECT KOI8-R SUBJECT "', PRIVET_KOI8, '"')).toEqual(['* THREAD (1)', 't1 OK THREAD completed']);
      // The same bytes named UTF-8 are no Cyrillic: nothing found, no error.
      expect(await raw(c, 'u1', 'SEARCH CHARSET UTF-8 SUBJECT "', PRIVET_KOI8, '"')).toEqual(['* SEARCH', 'u1 OK SEARCH completed']);
      // Charsets not taken: NO [BADCHARSET (the usual ones)], whatever the strings hold.
      for (const name of ['UTF-16', 'X-NO-SUCH']) {
        expect((await raw(c, 'b1', `SEARCH CHARSET ${name} SUBJECT "x"`)).at(-1)).toMatch(/^b1 NO \[BADCHARSET \(UTF-8 US-ASCII [^)]*KOI8-R [^)]*\)\] /);
      }
    } finally {
      c.close();
    }
  });
});
