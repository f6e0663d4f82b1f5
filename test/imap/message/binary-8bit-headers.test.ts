/**
 * 8-bit header bytes over the wire. With munge8bit: yes (the default) Latin-1 bytes are stored as 'X'
 * as Cyrus stores them, UTF-8 is kept (RFC 6532); with munge8bit: no every byte is kept and ENVELOPE
 * and HEADER.FIELDS give back exactly the bytes sent, from the cache alone. Expected answers are what
 * Cyrus 3.6.1 sent for the same APPENDs (reference peer, munge8bit: no).
 */
import { renameSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from '../harness.js';

let munging: TestServer;
let keeping: TestServer;
beforeAll(async () => {
  munging = await startTestServer();
  keeping = await startTestServer({ conf: ['munge8bit: no'] });
}, 60_000);
afterAll(async () => {
  await munging?.close();
  await keeping?.close();
});

const b = (text: string): Buffer => Buffer.from(text, 'latin1');
/** UTF-8 text as the latin1 string RawClient reads. */
const u = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');
const LATIN1 = b('From: Andr\xe9 <a@b.c>\r\nSubject: caf\xe9\r\nX-U: Gr\xc3\xbc\xc3\x9fe caf\xe9\r\n\r\nbody\r\n');
const UTF8 = Buffer.from('From: Jürgen <a@b.c>\r\nSubject: Grüße\r\n\r\nbody\r\n', 'utf8');

/** A client that appended `messages` to a fresh mailbox and selected it. */
async function withMessages(server: TestServer, mailbox: string, messages: Buffer[]): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  await c.command('l', 'LOGIN fred pass');
  await c.command('c', `CREATE ${mailbox}`);
  for (const [i, message] of messages.entries()) {
    c.write(Buffer.concat([b(`a${i} APPEND ${mailbox} {${message.length}+}\r\n`), message, b('\r\n')]));
    const answer = await c.readUntil((line) => line.startsWith(`a${i} `));
    expect(answer.at(-1)).toMatch(/ OK /);
  }
  await c.command('s', `EXAMINE ${mailbox}`);
  return c;
}

const FIELDS = 'BODY.PEEK[HEADER.FIELDS (SUBJECT X-U FROM)]';

describe('munge8bit: yes (default)', () => {
  it('stores Latin-1 header bytes as X, as Cyrus does', async () => {
    const c = await withMessages(munging, 'Munged', [LATIN1]);
    const text = (await c.command('f', `FETCH 1 (ENVELOPE ${FIELDS})`)).join('\r\n');
    expect(text).toContain(`ENVELOPE (NIL "cafX" (("AndrX" NIL "a" "b.c"))`);
    expect(text).toContain(`{${'From: AndrX <a@b.c>\r\nSubject: cafX\r\nX-U: Grüße cafX\r\n\r\n'.length + 2}}\r\n${u('From: AndrX <a@b.c>\r\nSubject: cafX\r\nX-U: Grüße cafX\r\n\r\n')})`);
    c.close();
  });

  it('keeps UTF-8 header text (RFC 6532)', async () => {
    const c = await withMessages(munging, 'Utf8', [UTF8]);
    const lines = await c.command('f', 'FETCH 1 ENVELOPE');
    expect(lines[0]).toBe(`* 1 FETCH (ENVELOPE (NIL {7}`);
    expect(lines[1]).toBe(`${u('Grüße')} (({7}`);
    expect(lines[2]).toBe(`${u('Jürgen')} NIL "a" "b.c")) (({7}`);
    c.close();
  });
});

describe('munge8bit: no', () => {
  it('ENVELOPE and HEADER.FIELDS give back the Latin-1 bytes as sent, as Cyrus does', async () => {
    const c = await withMessages(keeping, 'Kept', [LATIN1, UTF8]);
    const text = (await c.command('f', `FETCH 1:2 (ENVELOPE ${FIELDS})`)).join('\r\n');
    // Cyrus 3.6.1 (munge8bit: no) answered these two FETCHes with exactly these bytes (field names asked in upper case)
    expect(text).toContain('* 1 FETCH (ENVELOPE (NIL {4}\r\ncaf\xe9 (({5}\r\nAndr\xe9 NIL "a" "b.c")) (({5}\r\nAndr\xe9 NIL "a" "b.c")) (({5}\r\nAndr\xe9 NIL "a" "b.c")) NIL NIL NIL NIL NIL) BODY[HEADER.FIELDS (SUBJECT X-U FROM)] {57}\r\nFrom: Andr\xe9 <a@b.c>\r\nSubject: caf\xe9\r\nX-U: Gr\xc3\xbc\xc3\x9fe caf\xe9\r\n\r\n)');
    expect(text).toContain('* 2 FETCH (ENVELOPE (NIL {7}\r\nGr\xc3\xbc\xc3\x9fe (({7}\r\nJ\xc3\xbcrgen NIL "a" "b.c")) (({7}\r\nJ\xc3\xbcrgen NIL "a" "b.c")) (({7}\r\nJ\xc3\xbcrgen NIL "a" "b.c")) NIL NIL NIL NIL NIL) BODY[HEADER.FIELDS (SUBJECT X-U FROM)] {43}\r\nFrom: J\xc3\xbcrgen <a@b.c>\r\nSubject: Gr\xc3\xbc\xc3\x9fe\r\n\r\n)');
    c.close();
  });

  it('answers ENVELOPE, BODYSTRUCTURE and HEADER.FIELDS of an 8-bit header without the message file', async () => {
    const mixed = b('From: a@b.c\r\nSubject: Gr\xc3\xbc\xe9\r\nContent-Type: text/plain; name="r\xe9sum\xe9"\r\n\r\nbody\r\n');
    const c = await withMessages(keeping, 'NoFile', [mixed]);
    const mailbox = keeping.imap.deps.store.openMailbox('user.fred.NoFile');
    const file = mailbox.messagePath(1);
    renameSync(file, `${file}.away`);
    try {
      const text = (await c.command('f', 'UID FETCH 1 (ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[HEADER])')).join('\r\n');
      expect(text).toContain('ENVELOPE (NIL {5}\r\nGr\xc3\xbc\xe9 ((NIL NIL "a" "b.c"))');
      expect(text).toContain('("TEXT" "PLAIN" ("NAME" {6}\r\nr\xe9sum\xe9) NIL NIL "7BIT" 6 1');
      expect(text).toContain('BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: Gr\xc3\xbc\xe9\r\n\r\n');
      expect(text).toContain(`BODY[HEADER] {${mixed.length - 6}}\r\n${mixed.toString('latin1').slice(0, -6)}`);
      expect(text).toMatch(/\r\nf OK /);
      // the file really is gone: a body section cannot be answered
      expect((await c.command('t', 'UID FETCH 1 BODY.PEEK[TEXT]')).at(-1)).toMatch(/^t NO/);
    } finally {
      renameSync(`${file}.away`, file);
      mailbox.close();
    }
    c.close();
  });
});
