/**
 * SEARCH on header fields (SUBJECT, FROM, TO, HEADER, SENT*) reads only the raw header blocks kept
 * at append time (search_headers); cache rows written before that table existed have none and are
 * searched through their summary. Both give the same answers, and reconstruct adds the missing rows.
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
  b('From: Andr\xe9 <a@b.c>\r\nSubject: caf\xe9\r\nDate: Tue, 2 Jan 2024 09:00:00 +0000\r\nDate: Fri, 5 Jan 2024 09:00:00 +0000\r\n\r\nbody\r\n'),
  Buffer.from('From: "Jürgen" <j@b.c>\r\nTo: a@b.c, "Team \\"A\\"" <t@b.c>\r\nSubject: Grüße\r\nMessage-ID: <x@y>\r\n\r\nbody\r\n', 'utf8'),
  b('From: plain@example.com\r\nSubject: =?UTF-8?Q?caf=C3=A9?= and a (comment)\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody\r\n'),
  b('From: m@b.c\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\none\r\n--XX\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner \xe9\r\nFrom: i@b.c\r\n\r\ninner\r\n--XX--\r\n'),
  b('Subject: line one\r\n two\r\nX-Nothing: else\r\nDate:\r\n  Wed, 3 Jan 2024\r\n 08:00:00 +0000\r\n\r\n'),
];

/** [query, the UIDs it finds] (internal dates are today, so SENT* without a Date: never hit 2024). */
const QUERIES: Array<[string, number[]]> = [
  ['UID SEARCH CHARSET UTF-8 SUBJECT {5+}\r\ncaf\u00e9', [3]],
  ['UID SEARCH SUBJECT "CAF"', [1, 3]],
  ['UID SEARCH SUBJECT "LINE ONE TWO"', [5]],
  ['UID SEARCH FROM plain', [3]],
  ['UID SEARCH TO team', [2]],
  ['UID SEARCH CC x', []],
  ['UID SEARCH BCC ""', []],
  ['UID SEARCH HEADER X-Nothing ""', [5]],
  ['UID SEARCH HEADER Message-ID "<X@Y>"', [2]],
  ['UID SEARCH SENTON 5-Jan-2024', [1]],
  ['UID SEARCH SENTON 3-Jan-2024', [5]],
  ['UID SEARCH SENTBEFORE 2-Jan-2024', [3]],
  ['UID SEARCH SENTSINCE 1-Jan-2025', [2, 4]],
  ['UID SEARCH NOT SUBJECT parts SENTBEFORE 1-Jan-2025', [1, 3, 5]],
  ['UID SEARCH OR SUBJECT nothing BODY inner', [4]],
  ['UID SEARCH SUBJECT parts TEXT one', [4]],
];

async function searchAll(c: RawClient): Promise<string[]> {
  const out: string[] = [];
  for (const [query] of QUERIES) {
    const lines = await c.command('s', query);
    expect(lines.at(-1)).toMatch(/^s OK/);
    out.push(lines.filter((line) => line.startsWith('* SEARCH')).join('\r\n'));
  }
  return out;
}

function indexOf(mailbox: string): Database.Database {
  return new Database(join(dirname(server.imap.deps.store.openMailbox(mailbox).messagePath(1)), 'cyrus.index'));
}

describe('SEARCH on header fields from the cached header blocks', () => {
  it('finds the same messages from the header blocks, from the summary of older rows, and after reconstruct', async () => {
    const c = await RawClient.connect(server.port);
    await c.command('l', 'LOGIN fred pass');
    await c.command('c', 'CREATE Heads');
    for (const [i, message] of MESSAGES.entries()) {
      c.write(Buffer.concat([b(`a${i} APPEND Heads {${message.length}+}\r\n`), message, b('\r\n')]));
      const answer = await c.readUntil((line) => line.startsWith(`a${i} `));
      expect(answer.at(-1)).toMatch(/ OK /);
    }
    await c.command('x', 'EXAMINE Heads');
    const expected = QUERIES.map(([, uids]) => ['* SEARCH', ...uids].join(' '));
    expect(await searchAll(c)).toEqual(expected);

    const db = indexOf('user.fred.Heads');
    try {
      const rows = db.prepare('SELECT uid, header FROM search_headers ORDER BY uid').raw(true).all() as Array<[number, Buffer]>;
      expect(rows.map(([uid]) => uid)).toEqual([1, 2, 3, 4, 5]);
      // the raw bytes of each header block, 8-bit bytes as they are
      expect(rows[0]![1]).toEqual(MESSAGES[0]!.subarray(0, MESSAGES[0]!.indexOf('\r\n\r\n') + 4));
      // an index from before search_headers: no header blocks at all, or for some rows only
      db.prepare('DELETE FROM search_headers WHERE uid IN (2, 5)').run();
      expect(await searchAll(c)).toEqual(expected);
      db.prepare('DELETE FROM search_headers').run();
      expect(await searchAll(c)).toEqual(expected);

      const report = reconstructMailbox(server.imap.deps.store, 'user.fred.Heads');
      expect(report.problems).toEqual([]);
      expect(db.prepare('SELECT count(*) FROM search_headers').pluck().get()).toBe(MESSAGES.length);
      expect(await searchAll(c)).toEqual(expected);
    } finally {
      db.close();
    }
    c.close();
  });

  it('drops the header block with its message on expunge', async () => {
    const c = await RawClient.connect(server.port);
    await c.command('l', 'LOGIN fred pass');
    await c.command('c', 'CREATE HeadsGone');
    const message = MESSAGES[2]!;
    c.write(Buffer.concat([b(`a APPEND HeadsGone (\\Deleted) {${message.length}+}\r\n`), message, b('\r\n')]));
    await c.readUntil((line) => line.startsWith('a '));
    await c.command('s', 'SELECT HeadsGone');
    const db = indexOf('user.fred.HeadsGone');
    try {
      expect(db.prepare('SELECT count(*) FROM search_headers').pluck().get()).toBe(1);
      expect((await c.command('e', 'EXPUNGE')).at(-1)).toMatch(/^e OK/);
      expect(db.prepare('SELECT count(*) FROM search_headers').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
    c.close();
  });
});
