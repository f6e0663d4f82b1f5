/**
 * FETCH of ENVELOPE and BODYSTRUCTURE (with or without index items) writes its lines as bytes
 * copied from the wire forms cached at append, read a few hundred messages per query
 * (fetch/index-lines.ts, mailbox.formBytes). The table gives the ENVELOPE of odd headers (NIL
 * fields, quoted specials, literals for 8-bit bytes, for NUL and for long text, groups, encoded
 * words kept as they are; a bare CR or LF never reaches a field: append makes line ends CRLF);
 * every answer must be byte for byte the general serializer's, which formats the parsed summary
 * where a message has no cached forms. (Booleans are asserted: a diff of 70 KB lines helps nobody.)
 */
import Database from 'better-sqlite3';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from '../harness.js';
import { appendTo } from './fixtures.js';
import { dropKeptForms, keptFormBytes } from '../../../src/mailbox/form-cache.js';
import { firstBufferSize } from '../../../src/imap/commands/message/fetch/index-lines.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ conf: ['munge8bit: no'] });
  server.imap.deps.store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  server.imap.deps.store.createMailbox('user.fred.Odd', { acl: 'fred\tlrswipkxtecdan\t' });
  server.imap.deps.store.createMailbox('user.fred.Many', { acl: 'fred\tlrswipkxtecdan\t' });
  server.imap.deps.store.createMailbox('user.fred.Kept', { acl: 'fred\tlrswipkxtecdan\t' });
  server.imap.deps.store.createMailbox('user.fred.Few', { acl: 'fred\tlrswipkxtecdan\t' });
}, 60_000);
afterAll(async () => {
  await server?.close();
});

const b = (text: string): Buffer => Buffer.from(text, 'latin1');
const LONG = 'x'.repeat(1100);
const HUGE = 'y'.repeat(70 * 1024);

/** Header block, and the ENVELOPE the server must answer (latin1 for the bytes on the wire). */
const TABLE: Array<[string, Buffer, string]> = [
  ['no header fields at all: every field NIL', b('\r\nbody\r\n'), '(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)'],
  ['quotes and backslashes in a quoted string',
    b('Subject: say "hi" to C:\\dir\r\nFrom: "A \\"B\\" C" <a@b.c>\r\n\r\nx\r\n'),
    '(NIL "say \\"hi\\" to C:\\\\dir" (("A \\"B\\" C" NIL "a" "b.c")) (("A \\"B\\" C" NIL "a" "b.c")) (("A \\"B\\" C" NIL "a" "b.c")) NIL NIL NIL NIL NIL)'],
  ['8-bit bytes: a literal of the raw bytes',
    b('Subject: caf\xe9 cr\xe8me\r\nFrom: Andr\xe9 <a@b.c>\r\n\r\nx\r\n'),
    '(NIL {10}\r\ncaf\xe9 cr\xe8me (({5}\r\nAndr\xe9 NIL "a" "b.c")) (({5}\r\nAndr\xe9 NIL "a" "b.c")) (({5}\r\nAndr\xe9 NIL "a" "b.c")) NIL NIL NIL NIL NIL)'],
  ['UTF-8 bytes: a literal counted in bytes',
    Buffer.from('Subject: Grüße\r\n\r\nx\r\n', 'utf8'),
    '(NIL {7}\r\nGr\xc3\xbc\xc3\x9fe NIL NIL NIL NIL NIL NIL NIL NIL)'],
  ['text longer than a quoted string may be', b(`Subject: ${LONG}\r\n\r\nx\r\n`), `(NIL {1100}\r\n${LONG} NIL NIL NIL NIL NIL NIL NIL NIL)`],
  ['encoded words kept as they are, folding undone',
    b('Subject: =?UTF-8?Q?caf=C3=A9?=\r\n =?ISO-8859-1?B?cuhtZQ==?=\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <m1@x>\r\nIn-Reply-To: <m0@x>\r\n\r\nx\r\n'),
    '("Mon, 1 Jan 2024 10:00:00 +0000" "=?UTF-8?Q?caf=C3=A9?= =?ISO-8859-1?B?cuhtZQ==?=" NIL NIL NIL NIL NIL NIL "<m0@x>" "<m1@x>")'],
  ['groups, an empty group, Sender and Reply-To of their own',
    b('From: a@b.c\r\nSender: s@b.c\r\nReply-To: r@b.c\r\nTo: Team: x@y.z, "Q" <q@y.z>;, t@u.v\r\nCc: Nobody:;\r\nBcc: (only a comment) hidden@b.c\r\n\r\nx\r\n'),
    '(NIL NIL ((NIL NIL "a" "b.c")) ((NIL NIL "s" "b.c")) ((NIL NIL "r" "b.c")) ((NIL NIL "Team" NIL)(NIL NIL "x" "y.z")("Q" NIL "q" "y.z")(NIL NIL NIL NIL)(NIL NIL "t" "u.v")) ((NIL NIL "Nobody" NIL)(NIL NIL NIL NIL)) ((NIL NIL "hidden" "b.c")) NIL NIL)'],
];

/** A subject longer than a chunk of lines, and a NUL byte (the joined bytes of a range then go row by row). */
const EXTRA = [b(`Subject: ${HUGE}\r\n\r\nx\r\n`), b('Subject: nul\x00here\r\n\r\nx\r\n')];

async function fetchAll(c: RawClient, command: string): Promise<string> {
  return (await c.command('f', command)).join('\r\n');
}

function indexOf(mailbox: string): Database.Database {
  return new Database(join(dirname(server.imap.deps.store.openMailbox(mailbox).messagePath(1)), 'cyrus.index'));
}

async function fredSelects(mailbox: string): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
  expect((await c.command('s', `SELECT ${mailbox}`)).at(-1)).toMatch(/^s OK/);
  return c;
}

describe('FETCH ENVELOPE and BODYSTRUCTURE lines from the cached wire forms', () => {
  it('answers the table\'s envelopes, and the general serializer\'s bytes for every item list', async () => {
    await appendTo(server, 'user.fred.Odd', [...TABLE.map(([, message]) => ({ content: message })), ...EXTRA.map((content) => ({ content, flags: ['\\Seen', '$Odd'] }))]);
    const c = await fredSelects('Odd');
    const lines = await fetchAll(c, 'FETCH 1:* (ENVELOPE)');
    for (const [k, [name, , envelope]] of TABLE.entries()) expect(lines.includes(`* ${k + 1} FETCH (ENVELOPE ${envelope})\r\n`), `${name}: ${lines.split('\r\n* ')[k]!.slice(0, 300)}`).toBe(true);
    expect(lines.includes(`* ${TABLE.length + 1} FETCH (ENVELOPE (NIL {${HUGE.length}}\r\n${HUGE} NIL NIL`)).toBe(true);
    expect(lines.includes(`* ${TABLE.length + 2} FETCH (ENVELOPE (NIL {8}\r\nnul\x00here NIL NIL`)).toBe(true);
    expect(lines.endsWith('f OK FETCH completed')).toBe(true);

    const commands = ['FETCH 1:* (ENVELOPE)', 'UID FETCH 1:* (ENVELOPE BODYSTRUCTURE)', 'FETCH 1:* (FLAGS ENVELOPE RFC822.SIZE BODYSTRUCTURE UID INTERNALDATE)',
      'FETCH 2 ENVELOPE', 'UID FETCH 1,3:4,9 (BODYSTRUCTURE MODSEQ)', 'FETCH 1:* BODYSTRUCTURE'];
    const fast: string[] = [];
    for (const command of commands) fast.push(await fetchAll(c, command));
    const db = indexOf('user.fred.Odd');
    try {
      // messages cached before the forms existed: their lines from the summary, the others' from the forms
      db.prepare('DELETE FROM imap_forms WHERE uid IN (2, 5, 9)').run();
      for (const [k, command] of commands.entries()) expect((await fetchAll(c, command)) === fast[k], command).toBe(true);
      db.prepare('DELETE FROM imap_forms').run();
      for (const [k, command] of commands.entries()) expect((await fetchAll(c, command)) === fast[k], command).toBe(true);
    } finally {
      db.close();
    }
    c.close();
  });

  it('reads many messages across gaps, and answers EXPUNGEISSUED for one gone meanwhile', async () => {
    const items = [];
    for (let i = 0; i < 1500; i++) {
      items.push({ content: b(`From: "Sender ${i}" <s${i}@example.com>\r\nSubject: message ${i} "q"\r\nMessage-ID: <m${i}@x>\r\n\r\nbody ${i}\r\n`), flags: i % 3 === 0 ? ['\\Seen'] : [] });
    }
    await appendTo(server, 'user.fred.Many', items);
    const c = await fredSelects('Many');
    // a wide gap in the UIDs (more than one read spans) and a scattered set
    await c.command('d', 'UID STORE 100:1200 +FLAGS.SILENT (\\Deleted)');
    await c.command('e', 'UID EXPUNGE 100:1200');
    const commands = ['FETCH 1:* (UID ENVELOPE)', 'UID FETCH 1:99,1201:* (FLAGS ENVELOPE)', 'UID FETCH 5,50,1300,1499 (ENVELOPE BODYSTRUCTURE)'];
    const fast: string[] = [];
    for (const command of commands) fast.push(await fetchAll(c, command));
    expect(fast[0]!.match(/ FETCH \(/g)!.length).toBe(399);
    expect(fast[0]).toContain('* 100 FETCH (UID 1201 ENVELOPE (NIL "message 1200 \\"q\\"" (("Sender 1200" NIL "s1200" "example.com"))');
    const db = indexOf('user.fred.Many');
    try {
      db.prepare('DELETE FROM imap_forms WHERE uid % 7 = 0').run();
      for (const [k, command] of commands.entries()) expect(await fetchAll(c, command), command).toBe(fast[k]);
    } finally {
      db.close();
    }

    const other = await fredSelects('Many');
    await other.command('x0', 'NOOP');
    await other.command('x1', 'UID STORE 1300 +FLAGS.SILENT (\\Deleted)');
    await other.command('x2', 'UID EXPUNGE 1300');
    const lines = await c.command('g', 'FETCH 1:* (ENVELOPE)');
    expect(lines.at(-1)).toBe('g OK [EXPUNGEISSUED] Some of the requested messages no longer exist');
    expect(lines.filter((l) => / FETCH \(/.test(l)).length).toBe(398);
    other.close();
    c.close();
  });

  it('keeps the forms of a FETCH of many messages: the next answers stay the uncached bytes after appends and expunges elsewhere', async () => {
    const items = (from: number, to: number) => {
      const out = [];
      for (let i = from; i < to; i++) out.push({ content: b(`From: "K ${i}" <k${i}@example.com>\r\nSubject: kept ${i}\r\n\r\nbody ${i}\r\n`), flags: i % 2 === 0 ? ['\\Seen'] : [] });
      return out;
    };
    await appendTo(server, 'user.fred.Kept', items(0, 1200));
    const c = await fredSelects('Kept');
    const commands = ['FETCH 1:* (ENVELOPE)', 'UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE)'];
    /** Each command's answer from the forms kept, and again with nothing kept (read from the index). */
    const both = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const command of commands) {
        const kept = await fetchAll(c, command);
        dropKeptForms();
        expect(await fetchAll(c, command), command).toBe(kept);
        out.push(kept);
      }
      return out;
    };
    dropKeptForms();
    const first = await both();
    await fetchAll(c, commands[0]!);
    expect(keptFormBytes()).toBeGreaterThan(0);
    expect(first[0]!.match(/ FETCH \(/g)!.length).toBe(1200);
    // another session appends and expunges; this one learns of it with NOOP
    const other = await fredSelects('Kept');
    await appendTo(server, 'user.fred.Kept', items(1200, 1300));
    await other.command('x0', 'NOOP');
    await other.command('x1', 'UID STORE 10:20,600,1250 +FLAGS.SILENT (\\Deleted)');
    await other.command('x2', 'EXPUNGE');
    await c.command('n', 'NOOP');
    const after = await both();
    expect(after[0]!.match(/ FETCH \(/g)!.length).toBe(1300 - 13);
    expect(after[0]).toContain('* 1287 FETCH (ENVELOPE (NIL "kept 1299"');
    expect(after[1]).toContain('* 10 FETCH (UID 21 FLAGS (\\Seen \\Recent) ENVELOPE (NIL "kept 20"');
    other.close();
    c.close();
  });

  it('writes a FETCH of a few messages into a buffer of a few KB, and lines that outgrow it into the next', async () => {
    // A FETCH of a few messages starts with a small buffer (a megabyte per FETCH kept V8's full GC busy under load).
    expect(firstBufferSize(10, true)).toBeLessThan(16 * 1024);
    expect(firstBufferSize(1, false)).toBeLessThanOrEqual(4096);
    expect(firstBufferSize(100_000, false)).toBe(1024 * 1024);
    // Lines of 3,000 bytes: the second no longer fits in the first buffer, nor do the next ones.
    const subject = (i: number) => `${String(i).repeat(2990)}`.slice(0, 2990);
    await appendTo(server, 'user.fred.Few', [1, 2, 3, 4, 5].map((i) => ({ content: b(`Subject: ${subject(i)}\r\nFrom: f${i}@x.y\r\n\r\nx\r\n`) })));
    const c = await fredSelects('Few');
    const commands = ['FETCH 1:* (ENVELOPE)', 'FETCH 1:4 (UID FLAGS ENVELOPE INTERNALDATE)', 'FETCH 2:3 (ENVELOPE BODYSTRUCTURE)'];
    const fast: string[] = [];
    for (const command of commands) fast.push(await fetchAll(c, command));
    for (let i = 1; i <= 5; i++) expect(fast[0]).toContain(`* ${i} FETCH (ENVELOPE (NIL {2990}\r\n${subject(i)} ((NIL NIL "f${i}" "x.y"))`);
    const db = indexOf('user.fred.Few');
    try {
      // the same bytes from the summaries (the general serializer)
      db.prepare('DELETE FROM imap_forms').run();
      for (const [k, command] of commands.entries()) expect((await fetchAll(c, command)) === fast[k], command).toBe(true);
    } finally {
      db.close();
    }
    c.close();
  });
});
