/** PREVIEW (RFC 8970) on the wire: the first readable text of a message, white space collapsed, cut at 200 characters. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let c: RawClient;

const PLAIN = 'Subject: plain\r\n\r\nHello   there,\r\nthis is   the first message.\r\n  With spaces\tand tabs.\r\n';
const ALTERNATIVE = [
  'Subject: multi', 'MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary="BB"', '',
  '--BB', 'Content-Type: text/html; charset=utf-8', '', '<html><body><p>Only <b>HTML</b> here &amp; more</p></body></html>',
  '--BB', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '', 'Caf=C3=A9 cr=C3=A8me =', 'soft break',
  '--BB--', '',
].join('\r\n');
const HTML = 'Subject: html\r\nContent-Type: text/html\r\n\r\n<html><head><title>T</title><style>p{}</style></head><body><p>Para&nbsp;one</p><p>two &lt;x&gt; "q"</p></body></html>\r\n';
const LONG = `Subject: long\r\n\r\n${'word '.repeat(100)}\r\n`;
const ATTACHMENT_ONLY = [
  'Subject: att', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="XX"', '',
  '--XX', 'Content-Type: text/plain', 'Content-Disposition: attachment; filename="a.txt"', '', 'not a preview',
  '--XX', 'Content-Type: image/png', 'Content-Transfer-Encoding: base64', '', 'iVBORw0KGgo=', '--XX--', '',
].join('\r\n');
const BASE64 = `Subject: b64\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('Gr\xfc\xdfe aus K\xf6ln', 'latin1').toString('base64')}\r\n`;

beforeAll(async () => {
  server = await startTestServer({ users: ['pre', 'empty'] });
  c = await RawClient.connect(server.port);
  await c.command('l', 'LOGIN pre pass');
  for (const body of [PLAIN, ALTERNATIVE, HTML, LONG, ATTACHMENT_ONLY, BASE64]) {
    const bytes = Buffer.from(body, 'latin1');
    c.write(`ap APPEND INBOX {${bytes.length}+}\r\n${body}\r\n`);
    expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
  }
  await c.command('s', 'SELECT INBOX');
});
afterAll(async () => {
  c.close();
  await server.close();
});

/** The raw client reads latin1: literal data back to UTF-8. */
const utf8 = (s: string) => Buffer.from(s, 'latin1').toString('utf8');

describe('PREVIEW', () => {
  it('is advertised; plain text is collapsed and quoted', async () => {
    expect((await c.command('cap', 'CAPABILITY'))[0]).toMatch(/ PREVIEW( |$)/);
    expect(await c.command('f', 'FETCH 1 (PREVIEW)')).toEqual(['* 1 FETCH (PREVIEW "Hello there, this is the first message. With spaces and tabs.")', 'f OK FETCH completed']);
  });

  it('prefers the plain alternative (decoded, 8-bit as a literal), shows HTML as visible text, skips attachments', async () => {
    expect((await c.command('a', 'FETCH 2 (PREVIEW)')).map(utf8)).toEqual(['* 2 FETCH (PREVIEW {23}', 'Café crème soft break)', 'a OK FETCH completed']);
    expect((await c.command('h', 'FETCH 3 (PREVIEW)'))[0]).toBe('* 3 FETCH (PREVIEW "Para one two <x> \\"q\\"")');
    expect((await c.command('x', 'FETCH 5 (PREVIEW)'))[0]).toBe('* 5 FETCH (PREVIEW "")');
    expect((await c.command('b', 'FETCH 6 (PREVIEW)')).map(utf8).slice(0, 2)).toEqual(['* 6 FETCH (PREVIEW {17}', 'Grüße aus Köln)']);
  });

  it('cuts at 200 characters; LAZY is answered at once; with other items and UID FETCH', async () => {
    const long = (await c.command('l', 'FETCH 4 (PREVIEW)'))[0]!;
    const text = /PREVIEW "(.*)"\)$/.exec(long)![1]!;
    expect(text.length).toBeLessThanOrEqual(200);
    expect(text).toBe(`${'word '.repeat(40).trim()}`);
    expect(await c.command('z', 'UID FETCH 1 (FLAGS PREVIEW (LAZY) RFC822.SIZE)')).toEqual([
      `* 1 FETCH (UID 1 FLAGS (\\Recent) PREVIEW "Hello there, this is the first message. With spaces and tabs." RFC822.SIZE ${PLAIN.length})`,
      'z OK FETCH completed',
    ]);
    // PREVIEW does not set \Seen.
    expect((await c.command('s', 'SEARCH SEEN'))[0]).toBe('* SEARCH');
  });

  it('refuses unknown or empty modifiers; works on an empty mailbox; needs a selected mailbox', async () => {
    for (const [tag, command] of [['m1', 'FETCH 1 (PREVIEW (FOO))'], ['m2', 'FETCH 1 (PREVIEW ())'], ['m3', 'FETCH 1 (PREVIEW (LAZY)'], ['m4', 'FETCH 1 PREVIEW[]'], ['m5', 'FETCH 1 (PREVIEW LAZY)']]) {
      expect((await c.command(tag!, command!)).at(-1)).toMatch(new RegExp(`^${tag} BAD`));
    }
    const e = await RawClient.connect(server.port);
    await e.command('l', 'LOGIN empty pass');
    expect((await e.command('p0', 'FETCH 1 (PREVIEW)')).at(-1)).toMatch(/^p0 BAD/);
    await e.command('s', 'SELECT INBOX');
    expect(await e.command('p1', 'UID FETCH 1:* (PREVIEW)')).toEqual(['p1 OK FETCH completed']);
    expect((await e.command('p2', 'FETCH 1 (PREVIEW)')).at(-1)).toMatch(/^p2 NO/);
    e.close();
  });
});
