/**
 * ENVELOPE and BODYSTRUCTURE come from their IMAP text cached at append time (imap_forms); cache
 * rows written before that table existed have none and are formatted from the summary. Both give
 * the same bytes, 8-bit header bytes (munge8bit: no) included, and reconstruct adds the missing text.
 */
import Database from 'better-sqlite3';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconstructMailbox } from '../../../src/mailbox/index.js';
import { RawClient, startTestServer, type TestServer } from '../harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ conf: ['munge8bit: no'] });
}, 60_000);
afterAll(async () => {
  await server?.close();
});

const b = (text: string): Buffer => Buffer.from(text, 'latin1');
const MESSAGES = [
  b('From: Andr\xe9 <a@b.c>\r\nSubject: caf\xe9\r\nContent-Type: text/plain; name="r\xe9sum\xe9"\r\n\r\nbody\r\n'),
  Buffer.from('From: "Jürgen" <j@b.c>\r\nTo: a@b.c, "Team \\"A\\"" <t@b.c>\r\nSubject: Grüße\r\nMessage-ID: <x@y>\r\n\r\nbody\r\n', 'utf8'),
  b('From: plain@example.com\r\nSubject: =?UTF-8?Q?caf=C3=A9?= and a (comment)\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody\r\n'),
  b('From: m@b.c\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\none\r\n--XX\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner \xe9\r\nFrom: i@b.c\r\n\r\ninner\r\n--XX--\r\n'),
  b('Subject: line one\r\n two\r\nX-Nothing: else\r\n\r\n'),
];

async function fetchAll(c: RawClient, items: string): Promise<string> {
  return (await c.command('f', `FETCH 1:* ${items}`)).join('\r\n');
}

function indexOf(mailbox: string): Database.Database {
  return new Database(join(dirname(server.imap.deps.store.openMailbox(mailbox).messagePath(1)), 'cyrus.index'));
}

describe('FETCH ENVELOPE and BODYSTRUCTURE from cached IMAP text', () => {
  it('answers the same bytes from the cached text, from the summary of older rows, and after reconstruct', async () => {
    const c = await RawClient.connect(server.port);
    await c.command('l', 'LOGIN fred pass');
    await c.command('c', 'CREATE Forms');
    for (const [i, message] of MESSAGES.entries()) {
      c.write(Buffer.concat([b(`a${i} APPEND Forms {${message.length}+}\r\n`), message, b('\r\n')]));
      const answer = await c.readUntil((line) => line.startsWith(`a${i} `));
      expect(answer.at(-1)).toMatch(/ OK /);
    }
    await c.command('s', 'EXAMINE Forms');
    const queries = ['(ENVELOPE)', '(UID ENVELOPE BODYSTRUCTURE)', 'BODYSTRUCTURE', '(FLAGS BODY ENVELOPE)'];
    const cached: string[] = [];
    for (const q of queries) cached.push(await fetchAll(c, q));
    expect(cached[0]).toContain('* 1 FETCH (ENVELOPE (NIL {4}\r\ncaf\xe9 (({5}\r\nAndr\xe9 NIL "a" "b.c"))');
    expect(cached[1]).toContain('"NAME" {6}\r\nr\xe9sum\xe9');

    const db = indexOf('user.fred.Forms');
    try {
      expect(db.prepare('SELECT count(*) FROM imap_forms').pluck().get()).toBe(MESSAGES.length);
      // an index from before imap_forms: no rendered text at all, or for some rows only
      db.prepare('DELETE FROM imap_forms WHERE uid IN (2, 4)').run();
      for (const [i, q] of queries.entries()) expect(await fetchAll(c, q)).toBe(cached[i]);
      db.prepare('DELETE FROM imap_forms').run();
      for (const [i, q] of queries.entries()) expect(await fetchAll(c, q)).toBe(cached[i]);

      const report = reconstructMailbox(server.imap.deps.store, 'user.fred.Forms');
      expect(report.problems).toEqual([]);
      expect(db.prepare('SELECT count(*) FROM imap_forms').pluck().get()).toBe(MESSAGES.length);
      for (const [i, q] of queries.entries()) expect(await fetchAll(c, q)).toBe(cached[i]);
    } finally {
      db.close();
    }
    c.close();
  });

  it('drops the cached text with its message on expunge', async () => {
    const c = await RawClient.connect(server.port);
    await c.command('l', 'LOGIN fred pass');
    await c.command('c', 'CREATE Gone');
    const message = MESSAGES[2]!;
    c.write(Buffer.concat([b(`a APPEND Gone (\\Deleted) {${message.length}+}\r\n`), message, b('\r\n')]));
    await c.readUntil((line) => line.startsWith('a '));
    await c.command('s', 'SELECT Gone');
    expect((await c.command('e', 'EXPUNGE')).at(-1)).toMatch(/^e OK/);
    const db = indexOf('user.fred.Gone');
    try {
      expect(db.prepare('SELECT count(*) FROM imap_forms').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
    c.close();
  });
});
