// Answers where a differential run against Cyrus 3.6 and Dovecot 2.3 (test/imap/peer-diff/run.ts)
// found ours differing and the RFC deciding against ours: each test pins the RFC's answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ users: ['fred'] });
});
afterAll(async () => {
  await server?.close();
});

async function login(): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('L', 'LOGIN fred pass')).at(-1)).toMatch(/^L OK/);
  return c;
}

async function append(c: RawClient, mailbox: string, message: string): Promise<void> {
  const bytes = Buffer.from(message.replace(/\r?\n/g, '\r\n'), 'latin1');
  c.write(`A APPEND ${mailbox} {${bytes.length}}\r\n`);
  expect(await c.readLine()).toMatch(/^\+/);
  c.write(Buffer.concat([bytes, Buffer.from('\r\n')]));
  expect((await c.readUntil((l) => l.startsWith('A '))).at(-1)).toMatch(/^A OK/);
}

const closed = (lines: string[]): string[] => lines.filter((l) => l.includes('[CLOSED]'));

describe('[CLOSED] (RFC 7162 3.2.11, RFC 9051 6.3.2)', () => {
  // "A server implementing [CONDSTORE/QRESYNC] MUST return the CLOSED response code when the currently
  // selected mailbox is closed implicitly using the SELECT/EXAMINE command on another mailbox",
  // whether or not the client enabled anything. Cyrus 3.6 and Dovecot 2.3 send it, also for a
  // SELECT of the same mailbox and for a SELECT that fails (the old selection is closed all the same).
  it('is sent, without ENABLE, when SELECT or EXAMINE closes the selected mailbox', async () => {
    const c = await login();
    try {
      await c.command('c', 'CREATE Other');
      expect(closed(await c.command('s1', 'SELECT INBOX'))).toEqual([]);
      const again = await c.command('s2', 'SELECT INBOX');
      expect(again[0]).toBe('* OK [CLOSED] Ok');
      expect(closed(again)).toHaveLength(1);
      expect((await c.command('s3', 'EXAMINE Other'))[0]).toBe('* OK [CLOSED] Ok');
      const failed = await c.command('s4', 'SELECT Nonexistent');
      expect(failed).toEqual(['* OK [CLOSED] Ok', 's4 NO [NONEXISTENT] Mailbox does not exist']);
      // Nothing was selected any more: no CLOSED; nor for CLOSE / UNSELECT, which close on purpose.
      expect(closed(await c.command('s5', 'SELECT INBOX'))).toEqual([]);
      expect(closed(await c.command('u', 'UNSELECT'))).toEqual([]);
      expect(closed(await c.command('s6', 'SELECT INBOX'))).toEqual([]);
      expect(closed(await c.command('x', 'CLOSE'))).toEqual([]);
    } finally {
      c.close();
    }
  });
});

describe('HEADER.FIELDS of a header without its blank line (RFC 3501 6.4.5)', () => {
  // "the blank line is included in all header fetches, except in the case of a message which has
  // no body and no blank line": the empty message inside a message/rfc822 part, and an empty MIME
  // part, have neither, so their HEADER.FIELDS is empty, as HEADER is (Cyrus and Dovecot: "").
  it('answers no blank line for an empty encapsulated message or an empty part', async () => {
    const c = await login();
    try {
      await c.command('c', 'CREATE Fields');
      await append(c, 'Fields', 'From: a@example.com\nSubject: outer\nMIME-Version: 1.0\nContent-Type: message/rfc822\n\n');
      await append(c, 'Fields', 'Subject: parts\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=e\n\n--e\n--e\nContent-Type: text/plain\n\nx\n--e--\n');
      await append(c, 'Fields', 'Subject: plain\n\nbody\n');
      await c.command('s', 'SELECT Fields');
      expect(await c.command('f1', 'FETCH 1 (BODY.PEEK[1.HEADER] BODY.PEEK[1.HEADER.FIELDS (Subject)] BODY.PEEK[1.HEADER.FIELDS.NOT (Subject)])')).toEqual([
        '* 1 FETCH (BODY[1.HEADER] {0}',
        ' BODY[1.HEADER.FIELDS (Subject)] {0}',
        ' BODY[1.HEADER.FIELDS.NOT (Subject)] {0}',
        ')',
        'f1 OK FETCH completed',
      ]);
      expect((await c.command('f2', 'FETCH 2 (BODY.PEEK[1.HEADER.FIELDS (Subject)])'))[0]).toBe('* 2 FETCH (BODY[1.HEADER.FIELDS (Subject)] {0}');
      // A header with its blank line keeps it, matched fields or none.
      const whole = await c.command('f3', 'FETCH 3 (BODY.PEEK[HEADER.FIELDS (Subject)] BODY.PEEK[HEADER.FIELDS (X-None)])');
      expect(whole.join('\r\n')).toBe('* 3 FETCH (BODY[HEADER.FIELDS (Subject)] {18}\r\nSubject: plain\r\n\r\n BODY[HEADER.FIELDS (X-None)] {2}\r\n\r\n)\r\nf3 OK FETCH completed');
    } finally {
      c.close();
    }
  });
});

describe('a keyword longer than the server keeps (RFC 3501 7.1.2, 7.1.3; RFC 5530 LIMIT)', () => {
  // A 101-character atom is a well-formed flag-keyword: refusing it is a limit (NO [LIMIT]), not a
  // syntax error (BAD). Cyrus 3.6 stores it; Dovecot 2.3 answers NO. A malformed one stays BAD.
  it('answers NO [LIMIT] for STORE and APPEND, BAD for a malformed keyword', async () => {
    const c = await login();
    try {
      await c.command('c', 'CREATE Long');
      await append(c, 'Long', 'Subject: x\n\nbody\n');
      await c.command('s', 'SELECT Long');
      const long = 'k'.repeat(101);
      expect((await c.command('k1', `STORE 1 +FLAGS (${long})`)).at(-1)).toMatch(/^k1 NO \[LIMIT\] /);
      expect((await c.command('k2', `STORE 1 +FLAGS (${'k'.repeat(100)})`)).at(-1)).toBe('k2 OK STORE completed');
      const bytes = 'Subject: y\r\n\r\nbody\r\n';
      c.write(`k3 APPEND Long (${long}) {${bytes.length}+}\r\n${bytes}\r\n`);
      expect((await c.readUntil((l) => l.startsWith('k3 '))).at(-1)).toMatch(/^k3 NO \[LIMIT\] /);
      expect((await c.command('k4', 'STORE 1 +FLAGS (a]b)')).at(-1)).toMatch(/^k4 BAD /);
      expect((await c.command('k5', 'FETCH 1:* FLAGS'))).toEqual([`* 1 FETCH (FLAGS (${'k'.repeat(100)} \\Recent))`, 'k5 OK FETCH completed']);
    } finally {
      c.close();
    }
  });
});
