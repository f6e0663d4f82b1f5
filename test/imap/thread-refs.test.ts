/**
 * THREAD=REFS (Cyrus's variant of REFERENCES) on the wire: no subject grouping, threads ordered by
 * their newest internal date. The expected answers are Cyrus 3.6's for the same corpus and dates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let c: RawClient;

// subject, Message-ID, References, In-Reply-To, Date (none: the internal date), internal date minute
const CORPUS: Array<[string, string, string | null, string | null, string | null, number]> = [
  ['topic', '<a@x>', null, null, 'Sun, 1 Mar 2026 10:00:00 +0000', 5],
  ['Re: topic', '<b@x>', '<a@x>', null, 'Mon, 2 Mar 2026 10:00:00 +0000', 3],
  ['Re: topic', '<c@x>', '<a@x> <b@x>', null, 'Wed, 4 Mar 2026 10:00:00 +0000', 9],
  ['Re: topic', '<d@x>', null, '<a@x>', 'Tue, 3 Mar 2026 10:00:00 +0000', 1],
  ['other', '<e@x>', null, null, 'Thu, 5 Mar 2026 10:00:00 +0000', 14],
  ['Re: lost', '<f@x>', '<gone@x>', null, 'Fri, 6 Mar 2026 10:00:00 +0000', 2],
  ['Re: lost', '<g@x>', '<gone@x>', null, 'Sat, 7 Mar 2026 10:00:00 +0000', 7],
  ['[list] Fwd: other', '<h@x>', null, null, 'Sat, 28 Feb 2026 10:00:00 +0000', 0],
  ['hello', '<i@x>', null, null, 'Sun, 1 Mar 2026 12:00:00 +0000', 11],
  ['hello', '<j@x>', null, null, 'Mon, 2 Mar 2026 12:00:00 +0000', 4],
  ['late reply', '<k@x>', '<e@x>', null, 'Mon, 9 Mar 2026 12:00:00 +0000', 6],
  ['no date', '<l@x>', null, null, null, 13],
  ['loop1', '<m@x>', '<n@x>', null, 'Tue, 10 Mar 2026 12:00:00 +0000', 8],
  ['loop2', '<n@x>', '<m@x>', null, 'Tue, 10 Mar 2026 11:00:00 +0000', 10],
  ['dup', '<a@x>', null, null, 'Wed, 11 Mar 2026 11:00:00 +0000', 12],
  ['Re: hello', '<o@x>', '<zz@x> <i@x>', null, 'Sat, 28 Feb 2026 09:00:00 +0000', 15],
];

beforeAll(async () => {
  server = await startTestServer({ users: ['threader', 'empty'] });
  c = await RawClient.connect(server.port);
  expect((await c.command('l', 'LOGIN threader pass')).at(-1)).toMatch(/^l OK/);
  for (const [subject, id, references, inReplyTo, date, minute] of CORPUS) {
    const lines = [`Subject: ${subject}`, `Message-ID: ${id}`, 'From: a@example.org'];
    if (references) lines.push(`References: ${references}`);
    if (inReplyTo) lines.push(`In-Reply-To: ${inReplyTo}`);
    if (date) lines.push(`Date: ${date}`);
    const body = `${lines.join('\r\n')}\r\n\r\nbody\r\n`;
    const internal = `20-Mar-2026 10:${String(minute).padStart(2, '0')}:00 +0000`;
    c.write(`ap APPEND INBOX "${internal}" {${body.length}+}\r\n${body}\r\n`);
    expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
  }
  await c.command('s', 'SELECT INBOX');
});
afterAll(async () => {
  c.close();
  await server.close();
});

describe('THREAD=REFS', () => {
  const CASES: Array<[string, string]> = [
    ['THREAD REFS UTF-8 ALL', '* THREAD (8)(10)((6)(7))(1 (2 3)(4))(14 13)(15)(12)(5 11)(9 16)'],
    ['UID THREAD REFS UTF-8 NOT 5', '* THREAD (8)(10)(11)((6)(7))(1 (2 3)(4))(14 13)(15)(12)(9 16)'],
    ['THREAD REFS UTF-8 1:4,9,10,16', '* THREAD (10)(1 (2 3)(4))(9 16)'],
    // REFERENCES on the same corpus, for contrast: subjects grouped, threads by their first date.
    ['THREAD REFERENCES UTF-8 ALL', '* THREAD (1 (2 3)(4))((9 16)(10))(5 (8)(11))((6)(7))(14 13)(15)(12)'],
  ];
  for (const [command, expected] of CASES) {
    it(command, async () => expect(await c.command('t', command)).toEqual([expected, 't OK THREAD completed']));
  }

  it('is advertised; malformed commands are BAD; works on an empty mailbox; needs a selected mailbox', async () => {
    expect((await c.command('cap', 'CAPABILITY'))[0]).toMatch(/ THREAD=REFS( |$)/);
    for (const [tag, command] of [['b1', 'THREAD REFS'], ['b2', 'THREAD REFS UTF-8'], ['b3', 'THREAD (REFS) UTF-8 ALL'], ['b4', 'THREAD REFS UTF-8 FOO']]) {
      expect((await c.command(tag!, command!)).at(-1)).toMatch(new RegExp(`^${tag} BAD`));
    }
    expect((await c.command('n', 'THREAD REFS X-NO-SUCH ALL')).at(-1)).toMatch(/^n NO \[BADCHARSET \(UTF-8 US-ASCII [^)]*KOI8-R[^)]*\)\] Unsupported character set$/);
    const e = await RawClient.connect(server.port);
    await e.command('l', 'LOGIN empty pass');
    expect((await e.command('t0', 'THREAD REFS UTF-8 ALL')).at(-1)).toMatch(/^t0 BAD/);
    await e.command('s', 'SELECT INBOX');
    expect(await e.command('t', 'THREAD REFS UTF-8 ALL')).toEqual(['* THREAD', 't OK THREAD completed']);
    e.close();
  });
});
