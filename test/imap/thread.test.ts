/** THREAD (RFC 5256) on the wire; the expected answers are Cyrus 3.6's for the same corpus. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let c: RawClient;

// subject, Message-ID, References, In-Reply-To, Date (none: the internal date, i.e. now)
const CORPUS: Array<[string, string, string | null, string | null, string | null]> = [
  ['topic', '<a@x>', null, null, 'Sun, 1 Mar 2026 10:00:00 +0000'],
  ['Re: topic', '<b@x>', '<a@x>', null, 'Mon, 2 Mar 2026 10:00:00 +0000'],
  ['Re: topic', '<c@x>', '<a@x> <b@x>', null, 'Wed, 4 Mar 2026 10:00:00 +0000'],
  ['Re: topic', '<d@x>', null, '<a@x>', 'Tue, 3 Mar 2026 10:00:00 +0000'],
  ['other', '<e@x>', null, null, 'Thu, 5 Mar 2026 10:00:00 +0000'],
  ['Re: lost', '<f@x>', '<gone@x>', null, 'Fri, 6 Mar 2026 10:00:00 +0000'],
  ['Re: lost', '<g@x>', '<gone@x>', null, 'Sat, 7 Mar 2026 10:00:00 +0000'],
  ['[list] Fwd: other', '<h@x>', null, null, null],
  ['hello', '<i@x>', null, null, 'Sun, 1 Mar 2026 12:00:00 +0000'],
  ['hello', '<j@x>', null, null, 'Mon, 2 Mar 2026 12:00:00 +0000'],
];

beforeAll(async () => {
  server = await startTestServer({ users: ['threader', 'empty'] });
  c = await RawClient.connect(server.port);
  expect((await c.command('l', 'LOGIN threader pass')).at(-1)).toMatch(/^l OK/);
  for (const [subject, id, references, inReplyTo, date] of CORPUS) {
    const lines = [`Subject: ${subject}`, `Message-ID: ${id}`, 'From: a@example.org'];
    if (references) lines.push(`References: ${references}`);
    if (inReplyTo) lines.push(`In-Reply-To: ${inReplyTo}`);
    if (date) lines.push(`Date: ${date}`);
    const body = `${lines.join('\r\n')}\r\n\r\nbody\r\n`;
    c.write(`ap APPEND INBOX {${body.length}+}\r\n${body}\r\n`);
    expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
  }
  await c.command('s', 'SELECT INBOX');
});
afterAll(async () => {
  c.close();
  await server.close();
});

describe('THREAD', () => {
  const CASES: Array<[string, string]> = [
    ['THREAD ORDEREDSUBJECT UTF-8 ALL', '* THREAD (1 (2)(4)(3))(9 10)(5 8)(6 7)'],
    ['THREAD REFERENCES UTF-8 ALL', '* THREAD (1 (2 3)(4))((9)(10))(5 8)((6)(7))'],
    ['THREAD REFERENCES UTF-8 NOT SUBJECT lost', '* THREAD (1 (2 3)(4))((9)(10))(5 8)'],
    ['UID THREAD REFERENCES UTF-8 UID 1:5', '* THREAD (1 (2 3)(4))(5)'],
  ];
  for (const [command, expected] of CASES) {
    it(command, async () => expect(await c.command('t', command)).toEqual([expected, `t OK ${command.startsWith('UID') ? 'THREAD' : 'THREAD'} completed`]));
  }

  it('refuses unknown algorithms, bad charsets and malformed commands; works on an empty mailbox', async () => {
    for (const [tag, command] of [['b1', 'THREAD REFSX UTF-8 ALL'], ['b2', 'THREAD REFERENCES'], ['b3', 'THREAD REFERENCES UTF-8'], ['b4', 'THREAD (REFERENCES) UTF-8 ALL']]) {
      expect((await c.command(tag!, command!)).at(-1)).toMatch(new RegExp(`^${tag} BAD`));
    }
    expect((await c.command('n', 'THREAD REFERENCES X-NO-SUCH ALL')).at(-1)).toMatch(/^n NO \[BADCHARSET \(UTF-8 US-ASCII [^)]*KOI8-R[^)]*\)\] Unsupported character set$/);
    const e = await RawClient.connect(server.port);
    expect((await e.command('l', 'LOGIN empty pass')).at(-1)).toMatch(/^l OK/);
    expect((await e.command('c', 'CAPABILITY'))[0]).toMatch(/ THREAD=ORDEREDSUBJECT THREAD=REFERENCES/);
    expect((await e.command('t0', 'THREAD REFERENCES UTF-8 ALL')).at(-1)).toMatch(/^t0 BAD/);
    await e.command('s', 'SELECT INBOX');
    expect(await e.command('t', 'THREAD ORDEREDSUBJECT UTF-8 ALL')).toEqual(['* THREAD', 't OK THREAD completed']);
    e.close();
  });
});
