import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDateTime } from '../../../src/imap/wire/datetime.js';
import { startTestServer, type TestServer } from '../harness.js';
import { last, loggedIn, uidValidityOf } from './helpers.js';

const LIMIT = 2000;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ conf: [`maxmessagesize: ${LIMIT}`] });
  server.imap.deps.store.createMailbox('dropbox', { acl: 'admin\tlrswipkxtecdan\tfred\tli\t' });
  server.imap.deps.store.createMailbox('readonly', { acl: 'admin\tlrswipkxtecdan\tfred\tlr\t' });
}, 60_000);
afterAll(async () => {
  await server.close();
});

const message = (subject: string) => `Subject: ${subject}\r\nFrom: a@example.com\r\n\r\nbody of ${subject}\r\n`;
const literal = (text: string) => `{${Buffer.byteLength(text)}+}\r\n${text}`;

describe('APPEND', () => {
  it('appends with flags and an internal date, answering APPENDUID', async () => {
    const c = await loggedIn(server);
    await c.command('c', 'CREATE Dated');
    const v = uidValidityOf(server, 'user.fred.Dated');
    const text = message('one');
    expect(last(await c.command('a1', `APPEND Dated (\\Seen $Label) "05-Mar-2021 14:15:16 +0100" ${literal(text)}`))).toBe(`a1 OK [APPENDUID ${v} 1] Completed`);
    expect(last(await c.command('a2', `APPEND Dated ${literal(message('two'))}`))).toBe(`a2 OK [APPENDUID ${v} 2] Completed`);
    await c.command('s', 'EXAMINE Dated');
    expect((await c.command('f', 'FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE)'))[0]).toBe(`* 1 FETCH (FLAGS (\\Seen $Label \\Recent) INTERNALDATE ${formatDateTime(new Date(Date.UTC(2021, 2, 5, 13, 15, 16)))} RFC822.SIZE ${text.length})`);
    c.close();
  });

  it('takes a date-time whose day the month lacks, carried into the next month as Cyrus does', async () => {
    const c = await loggedIn(server);
    await c.command('c', 'CREATE Overflow');
    expect(last(await c.command('a1', `APPEND Overflow "31-Feb-2026 10:00:00 +0000" ${literal(message('feb'))}`))).toMatch(/^a1 OK \[APPENDUID/);
    expect(last(await c.command('a2', `APPEND Overflow "31-Apr-2026 24:00:00 +0000" ${literal(message('apr'))}`))).toMatch(/^a2 OK \[APPENDUID/);
    await c.command('s', 'EXAMINE Overflow');
    const lines = await c.command('f', 'FETCH 1:2 (INTERNALDATE)');
    expect(lines.slice(0, 2)).toEqual([
      `* 1 FETCH (INTERNALDATE ${formatDateTime(new Date(Date.UTC(2026, 2, 3, 10, 0, 0)))})`,
      `* 2 FETCH (INTERNALDATE ${formatDateTime(new Date(Date.UTC(2026, 4, 2, 0, 0, 0)))})`,
    ]);
    expect(await c.command('s1', 'SEARCH ON 31-Feb-2026')).toEqual(['* SEARCH 1', 's1 OK SEARCH completed']);
    c.close();
  });

  it('MULTIAPPEND: every message in one call, one APPENDUID range', async () => {
    const c = await loggedIn(server);
    await c.command('c', 'CREATE Multi');
    const v = uidValidityOf(server, 'user.fred.Multi');
    const answer = await c.command('m1', `APPEND Multi ${literal(message('a'))} (\\Flagged) ${literal(message('b'))} ${literal(message('c'))}`);
    expect(answer).toEqual([`m1 OK [APPENDUID ${v} 1:3] Completed`]);
    // All or nothing: \Recent in the second message refuses the whole command.
    expect(last(await c.command('m2', `APPEND Multi ${literal(message('d'))} (\\Recent) ${literal(message('e'))}`))).toMatch(/^m2 BAD/);
    expect((await c.command('s', 'STATUS Multi (MESSAGES)'))[0]).toBe('* STATUS Multi (MESSAGES 3)');
    c.close();
  });

  it('synchronising literals get a continuation for each message', async () => {
    const c = await loggedIn(server);
    const first = message('sync1');
    c.write(`s1 APPEND INBOX {${first.length}}\r\n`);
    expect(await c.readLine()).toMatch(/^\+ /);
    const second = message('sync2');
    c.write(`${first} {${second.length}}\r\n`);
    expect(await c.readLine()).toMatch(/^\+ /);
    c.write(`${second}\r\n`);
    expect((await c.readUntil((l) => l.startsWith('s1 ')))).toEqual([`s1 OK [APPENDUID ${uidValidityOf(server, 'user.fred')} 1:2] Completed`]);
    c.close();
  });

  it('answers TRYCREATE for a missing or invisible mailbox and NOPERM without the insert right', async () => {
    const c = await loggedIn(server);
    expect(last(await c.command('t1', `APPEND Missing ${literal(message('x'))}`))).toBe('t1 NO [TRYCREATE] Mailbox does not exist');
    expect(last(await c.command('t2', `APPEND "Shared Folders/nothere" ${literal(message('x'))}`))).toBe('t2 NO [TRYCREATE] Mailbox does not exist');
    expect(last(await c.command('t3', `APPEND "Shared Folders/readonly" ${literal(message('x'))}`))).toMatch(/^t3 NO \[NOPERM\]/);
    expect(last(await c.command('t4', `APPEND "a%b" ${literal(message('x'))}`))).toMatch(/^t4 NO/);
    c.close();
  });

  it('drops flags the user may not set (insert-only mailbox)', async () => {
    const c = await loggedIn(server);
    const v = uidValidityOf(server, 'dropbox');
    expect(last(await c.command('d1', `APPEND "Shared Folders/dropbox" (\\Seen \\Flagged) ${literal(message('drop'))}`))).toBe(`d1 OK [APPENDUID ${v} 1] Completed`);
    const a = await loggedIn(server, 'admin');
    await a.command('s', 'EXAMINE dropbox');
    expect((await a.command('f', 'FETCH 1 FLAGS'))[0]).toBe('* 1 FETCH (FLAGS (\\Recent))');
    a.close();
    c.close();
  });

  it('refuses a synchronising literal over the limit before the data is sent; the connection stays usable', async () => {
    const c = await loggedIn(server);
    c.write(`big APPEND INBOX {${LIMIT + 1}}\r\n`);
    const answer = await c.readLine();
    expect(answer).toBe('big NO [TOOBIG] Literal too big');
    expect(last(await c.command('n', 'NOOP'))).toBe('n OK NOOP completed');
    // Exactly at the limit is fine.
    const body = 'x'.repeat(LIMIT - 20);
    const text = `Subject: limit\r\n\r\n${body}`.slice(0, LIMIT);
    expect(last(await c.command('ok', `APPEND INBOX ${literal(text)}`))).toMatch(/^ok OK \[APPENDUID /);
    c.close();
  });

  it('sends EXISTS to the session that has the target selected', async () => {
    const c = await loggedIn(server);
    await c.command('c', 'CREATE Watched');
    await c.command('s', 'SELECT Watched');
    const answer = await c.command('a', `APPEND Watched ${literal(message('w'))}`);
    expect(answer.slice(0, 2)).toEqual(['* 1 EXISTS', '* 1 RECENT']);
    expect(last(answer)).toMatch(/^a OK \[APPENDUID \d+ 1\] Completed/);
    c.close();
  });

  it('accepts a literal8 message with BINARY', async () => {
    const c = await loggedIn(server);
    await c.command('c', 'CREATE Bin');
    const text = message('bin');
    expect(last(await c.command('b', `APPEND Bin ~{${text.length}+}\r\n${text}`))).toMatch(/^b OK \[APPENDUID \d+ 1\]/);
    c.close();
  });
});
