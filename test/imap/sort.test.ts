/** SORT (RFC 5256, every key), SORT=DISPLAY (RFC 5957) and ESORT (RFC 5267) on the wire, on a hand-made corpus. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let c: RawClient;

// seq: subject, from, to, cc, date, arrival day (internal date), extra body bytes
const CORPUS: Array<[string, string, string, string | null, string | null, string, number]> = [
  ['Re: Banana', '"Zed" <zed@example.org>', 'bob@example.org', null, 'Mon, 2 Mar 2026 10:00:00 +0000', '05-Mar-2026 10:00:00 +0000', 300],
  ['apple', 'Amy <amy@example.org>', '"Carl" <carl@example.org>', 'xena@example.org', 'Mon, 2 Mar 2026 09:00:00 -0200', '01-Mar-2026 10:00:00 +0000', 100],
  ['[list] Fwd: cherry (fwd)', 'bob (Bobby) @ example.org', 'amy@example.org', 'alice@example.org', null, '03-Mar-2026 10:00:00 +0000', 0],
  ['Banana', '"Amy" <yves@example.org>', 'Zoe <aaron@example.org>', null, 'garbage', '02-Mar-2026 12:00:00 +0000', 200],
];

beforeAll(async () => {
  server = await startTestServer({ users: ['sorter', 'empty'] });
  c = await RawClient.connect(server.port);
  expect((await c.command('l', 'LOGIN sorter pass')).at(-1)).toMatch(/^l OK/);
  for (const [subject, from, to, cc, date, arrival, extra] of CORPUS) {
    const body = [`Subject: ${subject}`, `From: ${from}`, `To: ${to}`, ...(cc ? [`Cc: ${cc}`] : []), ...(date ? [`Date: ${date}`] : []), '', 'x'.repeat(extra), ''].join('\r\n');
    c.write(`ap APPEND INBOX "${arrival}" {${body.length}+}\r\n${body}\r\n`);
    expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
  }
  await c.command('s', 'SELECT INBOX');
});
afterAll(async () => {
  c.close();
  await server.close();
});

const sorted = async (keys: string, criteria = 'ALL', uid = false): Promise<string> => {
  const lines = await c.command('t', `${uid ? 'UID ' : ''}SORT (${keys}) UTF-8 ${criteria}`);
  expect(lines.at(-1)).toBe('t OK SORT completed');
  return lines[0]!;
};

describe('SORT', () => {
  const CASES: Array<[string, string]> = [
    ['ARRIVAL', '* SORT 2 4 3 1'],
    ['REVERSE ARRIVAL', '* SORT 1 3 4 2'],
    // No usable Date: the internal date stands in (3: 3 Mar, 4: 2 Mar 12:00); 2 is 11:00 UTC.
    ['DATE', '* SORT 1 2 4 3'],
    ['SIZE', '* SORT 3 2 4 1'],
    ['SUBJECT', '* SORT 2 1 4 3'],
    ['SUBJECT REVERSE DATE', '* SORT 2 4 1 3'],
    ['FROM', '* SORT 2 3 4 1'],
    ['TO', '* SORT 4 3 1 2'],
    ['CC', '* SORT 1 4 3 2'],
    ['DISPLAYFROM', '* SORT 2 4 3 1'],
    ['DISPLAYTO', '* SORT 3 1 2 4'],
  ];
  for (const [keys, expected] of CASES) it(keys, async () => expect(await sorted(keys)).toBe(expected));

  it('sorts only the messages the criteria match; UID SORT answers UIDs', async () => {
    expect(await sorted('REVERSE SIZE', 'NOT SUBJECT banana')).toBe('* SORT 2 3');
    expect(await sorted('SUBJECT', 'UID 2:4', true)).toBe('* SORT 2 4 3');
  });

  it('ESORT: ESEARCH with ALL in the sorted order, MIN and MAX the first and last sorted', async () => {
    expect(await c.command('e', 'SORT RETURN (MIN MAX COUNT ALL) (REVERSE ARRIVAL) UTF-8 ALL')).toEqual([
      '* ESEARCH (TAG "e") MIN 1 MAX 2 COUNT 4 ALL 1,3:4,2', 'e OK SORT completed',
    ]);
    expect(await c.command('f', 'UID SORT RETURN () (ARRIVAL) UTF-8 ALL')).toEqual(['* ESEARCH (TAG "f") UID ALL 2,4,3,1', 'f OK SORT completed']);
    expect(await c.command('g', 'SORT RETURN (COUNT) (ARRIVAL) UTF-8 SUBJECT nothing')).toEqual(['* ESEARCH (TAG "g") COUNT 0', 'g OK SORT completed']);
  });

  it('refuses malformed SORT and unknown charsets', async () => {
    for (const [tag, command] of [
      ['b1', 'SORT DATE UTF-8 ALL'], ['b2', 'SORT () UTF-8 ALL'], ['b3', 'SORT (DATE)'], ['b4', 'SORT (DATE) UTF-8'],
      ['b5', 'SORT (REVERSE) UTF-8 ALL'], ['b6', 'SORT (REVERSE REVERSE DATE) UTF-8 ALL'], ['b7', 'SORT (BOGUS) UTF-8 ALL'],
      ['b8', 'SORT RETURN (BOGUS) (DATE) UTF-8 ALL'], ['b9', 'SORT (DATE) UTF-8 BOGUS'], ['b10', 'SORT RETURN (SAVE) (DATE) UTF-8 $$'],
    ]) expect((await c.command(tag!, command!)).at(-1)).toMatch(new RegExp(`^${tag} BAD`));
    expect((await c.command('n', 'SORT (DATE) X-NO-SUCH ALL')).at(-1)).toMatch(/^n NO \[BADCHARSET \(UTF-8 US-ASCII [^)]*KOI8-R[^)]*\)\] Unsupported character set$/);
  });

  it('works on an empty mailbox and is advertised', async () => {
    const e = await RawClient.connect(server.port);
    expect((await e.command('l', 'LOGIN empty pass')).at(-1)).toMatch(/^l OK/);
    expect((await e.command('c', 'CAPABILITY'))[0]).toMatch(/ SORT SORT=DISPLAY ESORT/);
    await e.command('s', 'SELECT INBOX');
    expect(await e.command('t', 'SORT (SUBJECT) UTF-8 ALL')).toEqual(['* SORT', 't OK SORT completed']);
    expect(await e.command('u', 'UID SORT RETURN (MIN MAX) (DATE) US-ASCII ALL')).toEqual(['* ESEARCH (TAG "u") UID', 'u OK SORT completed']);
    e.close();
  });
});
