/** APPEND with CATENATE (RFC 4469) on the wire: TEXT literals and URLs of messages and parts, BADURL, TOOBIG. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from '../harness.js';
import { last, loggedIn, uidValidityOf } from '../mailbox/helpers.js';

const LIMIT = 4000;
let server: TestServer;
const literal = (text: string) => `{${Buffer.byteLength(text)}+}\r\n${text}`;
const plain = 'Subject: plain\r\nFrom: a@example.com\r\n\r\nplain body\r\n';
const multipart = [
  'Subject: mixed', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=XX', '', '--XX', 'Content-Type: text/plain', '',
  'first part', '--XX', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', '', 'AAECAw==', '--XX--', '',
].join('\r\n');

beforeAll(async () => {
  server = await startTestServer({ users: ['fred', 'sam', 'admin'], conf: [`maxmessagesize: ${LIMIT}`, 'servername: mail.test'] });
  const store = server.imap.deps.store;
  store.createMailbox('user.sam', {});
  store.createMailbox('user.sam.listonly', { acl: 'sam\tlrswipkxtecdan\tfred\tl\t' });
  store.createMailbox('user.sam.shared', { acl: 'sam\tlrswipkxtecdan\tfred\tlr\t' });
  const c = await loggedIn(server);
  await c.command('c1', 'CREATE Src');
  await c.command('a1', `APPEND Src ${literal(plain)}`);
  await c.command('a2', `APPEND Src ${literal(multipart)}`);
  c.close();
  const s = await loggedIn(server, 'sam');
  await s.command('a1', `APPEND listonly ${literal(plain)}`);
  await s.command('a2', `APPEND shared ${literal(plain)}`);
  s.close();
}, 60_000);
afterAll(async () => {
  await server.close();
});

/** The whole stored message `uid` of `mailbox` as fred sees it. */
async function stored(c: RawClient, mailbox: string, uid: number): Promise<string> {
  await c.command('ex', `EXAMINE ${mailbox}`);
  const lines = await c.command('f', `UID FETCH ${uid} BODY.PEEK[]`);
  const text = lines.slice(0, -1).join('\r\n');
  const m = /BODY\[\] \{(\d+)\}\r\n/.exec(text)!;
  return text.slice(m.index + m[0].length, m.index + m[0].length + Number(m[1]));
}

async function count(c: RawClient, mailbox: string): Promise<number> {
  const status = await c.command('st', `STATUS ${mailbox} (MESSAGES)`);
  return Number(/MESSAGES (\d+)/.exec(status[0]!)![1]);
}

describe('APPEND CATENATE', () => {
  it('joins TEXT literals and URL parts into one message, sources left unseen', async () => {
    const c = await loggedIn(server);
    await c.command('c', 'CREATE Out');
    const v = uidValidityOf(server, 'user.fred.Out');
    const sv = uidValidityOf(server, 'user.fred.Src');
    const head = 'Subject: joined\r\n\r\n';
    const answer = await c.command('a', `APPEND Out (\\Flagged) CATENATE (TEXT ${literal(head)} URL "/Src;UIDVALIDITY=${sv}/;UID=1/;SECTION=TEXT" TEXT ${literal('--\r\n')} URL "/Src/;uid=2/;section=1" URL "/Src/;UID=1/;PARTIAL=0.7")`);
    expect(last(answer)).toBe(`a OK [APPENDUID ${v} 1] Completed`);
    expect(await stored(c, 'Out', 1)).toBe(`${head}plain body\r\n--\r\nfirst partSubject`);
    const flags = await c.command('fl', 'UID FETCH 1 FLAGS');
    expect(flags[0]).toContain('\\Flagged');
    await c.command('ex', 'EXAMINE Src');
    expect((await c.command('f', 'UID FETCH 1:2 FLAGS')).slice(0, 2).every((l) => !l.includes('\\Seen'))).toBe(true);
    c.close();
  });

  it('copies headers, MIME headers and the whole message as stored', async () => {
    const c = await loggedIn(server);
    await c.command('c', 'CREATE Parts');
    expect(last(await c.command('a', 'APPEND Parts CATENATE (URL "/Src/;UID=2/;SECTION=HEADER" URL "/Src/;UID=2/;SECTION=2.MIME" URL "/Src/;UID=2/;SECTION=HEADER.FIELDS%20(Subject)")'))).toMatch(/^a OK \[APPENDUID \d+ 1\]/);
    expect(await stored(c, 'Parts', 1)).toBe(
      'Subject: mixed\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n' +
        'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nSubject: mixed\r\n\r\n',
    );
    expect(last(await c.command('b', 'APPEND Parts CATENATE (URL "/Src/;UID=2")'))).toMatch(/^b OK/);
    expect(await stored(c, 'Parts', 2)).toBe(multipart);
    c.close();
  });

  it('resolves relative URLs against the selected mailbox', async () => {
    const c = await loggedIn(server);
    await c.command('c', 'CREATE Rel');
    expect(last(await c.command('a0', 'APPEND Rel CATENATE (URL ";UID=1")'))).toBe('a0 NO [BADURL ;UID=1] URL does not name a mailbox');
    await c.command('s', 'SELECT Src');
    const answer = await c.command('a1', 'APPEND Rel CATENATE (URL ";UID=1/;SECTION=TEXT" URL "/Src/;UID=1/;SECTION=TEXT")');
    expect(last(answer)).toMatch(/^a1 OK \[APPENDUID \d+ 1\]/);
    expect(await stored(c, 'Rel', 1)).toBe('plain body\r\nplain body\r\n');
    c.close();
  });

  it('answers NO [BADURL url] for URLs it cannot use, storing nothing', async () => {
    const c = await loggedIn(server);
    await c.command('c', 'CREATE Bad');
    const sv = uidValidityOf(server, 'user.fred.Src');
    const cases: Array<[string, RegExp]> = [
      ['/Src/;UID=99', /No such message/],
      [`/Src;UIDVALIDITY=${sv + 1}/;UID=1`, /UIDVALIDITY/],
      ['/Nowhere/;UID=1', /Mailbox does not exist/],
      ['/Src/;UID=1/;SECTION=3', /No such body part/],
      ['/Src/;UID=1/;SECTION=BOGUS', /Invalid SECTION/],
      ['/Src', /does not name a message/],
      ['/Src/;UID=1;SECTION=1', /Unrecognized/],
      ['imap://fred@other.test/Src/;UID=1', /Not this server/],
      ['imap://sam@mail.test/INBOX/;UID=1', /another user/],
      ['http://mail.test/x', /does not name|IMAP/],
    ];
    for (const [url, why] of cases) {
      const answer = last(await c.command('b', `APPEND Bad CATENATE (TEXT ${literal('x: y\r\n\r\n')} URL "${url}")`));
      expect(answer.startsWith(`b NO [BADURL ${url}] `), `${url}: ${answer}`).toBe(true);
      expect(answer).toMatch(why);
    }
    expect(await count(c, 'Bad')).toBe(0);
    c.close();
  });

  it('takes literal8 TEXT parts (BINARY) and keeps a hostile URL on one line', async () => {
    const c = await loggedIn(server);
    await c.command('c', 'CREATE Bin');
    const head = 'Subject: bin\r\n\r\n';
    expect(last(await c.command('a', `APPEND Bin CATENATE (TEXT ~${literal(head)} URL "/Src/;UID=1/;SECTION=TEXT")`))).toMatch(/^a OK \[APPENDUID \d+ 1\]/);
    expect(await stored(c, 'Bin', 1)).toBe(`${head}plain body\r\n`);
    const hostile = '/Src/;UID=9]\r\n* BYE x';
    const answer = await c.command('b', `APPEND Bin CATENATE (URL ${literal(hostile)})`);
    expect(answer).toEqual(['b NO [BADURL /Src/;UID=9%5D%0D%0A* BYE x] Invalid characters in URL']);
    c.close();
  });

  it('needs the read right on the source: BADURL without it, hiding mailboxes fred cannot see', async () => {
    const c = await loggedIn(server);
    await c.command('c', 'CREATE Rights');
    expect(last(await c.command('a', 'APPEND Rights CATENATE (URL "/Other%20Users/sam/listonly/;UID=1")'))).toBe('a NO [BADURL /Other%20Users/sam/listonly/;UID=1] Permission denied');
    expect(last(await c.command('b', 'APPEND Rights CATENATE (URL "/Other%20Users/sam/;UID=1")'))).toBe('b NO [BADURL /Other%20Users/sam/;UID=1] Mailbox does not exist');
    expect(last(await c.command('d', 'APPEND Rights CATENATE (URL "/Other%20Users/sam/shared/;UID=1")'))).toMatch(/^d OK \[APPENDUID/);
    expect(await count(c, 'Rights')).toBe(1);
    c.close();
  });

  it('answers NO [TOOBIG] when the joined message exceeds maxmessagesize', async () => {
    const c = await loggedIn(server);
    await c.command('c', 'CREATE Big');
    const filler = `X-Fill: ${'y'.repeat(LIMIT - plain.length - 20)}\r\n`;
    expect(last(await c.command('a', `APPEND Big CATENATE (TEXT ${literal(filler)} URL "/Src/;UID=1" URL "/Src/;UID=1")`))).toBe('a NO [TOOBIG] Message too big');
    expect(last(await c.command('b', `APPEND Big CATENATE (TEXT ${literal(filler)} URL "/Src/;UID=1")`))).toMatch(/^b OK/);
    c.close();
  });

  it('MULTIAPPEND with CATENATE stores every message or none', async () => {
    const c = await loggedIn(server);
    await c.command('c', 'CREATE Multi');
    const v = uidValidityOf(server, 'user.fred.Multi');
    expect(last(await c.command('a', `APPEND Multi ${literal(plain)} CATENATE (URL "/Src/;UID=1") (\\Seen) CATENATE (URL "/Src/;UID=2")`))).toBe(`a OK [APPENDUID ${v} 1:3] Completed`);
    expect(last(await c.command('b', `APPEND Multi CATENATE (URL "/Src/;UID=1") ${literal(plain)} CATENATE (URL "/Src/;UID=77")`))).toBe('b NO [BADURL /Src/;UID=77] No such message');
    expect(await count(c, 'Multi')).toBe(3);
    expect(await stored(c, 'Multi', 3)).toBe(multipart);
    c.close();
  });

  it('refuses malformed CATENATE lists with BAD and is not allowed before login', async () => {
    const c = await loggedIn(server);
    expect(last(await c.command('a', 'APPEND INBOX CATENATE ()'))).toMatch(/^a BAD/);
    expect(last(await c.command('b', 'APPEND INBOX CATENATE (FOO "x")'))).toMatch(/^b BAD/);
    expect(last(await c.command('d', 'APPEND INBOX CATENATE (TEXT "x")'))).toMatch(/^d BAD/);
    expect(last(await c.command('e', 'APPEND INBOX CATENATE (URL)'))).toMatch(/^e BAD/);
    expect(last(await c.command('f', 'APPEND INBOX CATENATE URL "/Src/;UID=1"'))).toMatch(/^f BAD/);
    expect(last(await c.command('g', 'APPEND INBOX CATENATE'))).toMatch(/^g BAD/);
    expect(last(await c.command('h', 'APPEND Missing CATENATE (URL "/Src/;UID=1")'))).toBe('h NO [TRYCREATE] Mailbox does not exist');
    c.close();
    const anon = await RawClient.connect(server.port);
    expect(last(await anon.command('x', 'APPEND INBOX CATENATE (URL "/Src/;UID=1")'))).toMatch(/^x BAD/);
    anon.close();
  });
});
