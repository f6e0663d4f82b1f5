/**
 * PARTIAL (RFC 9394) on SEARCH, UID SEARCH and SORT, and the CONTEXT=SEARCH / CONTEXT=SORT updates
 * of RFC 5267 (RETURN (UPDATE), ADDTO / REMOVEFROM as the mailbox changes, CANCELUPDATE), on the wire,
 * with the changes made by the same session and by another one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

async function login(user: string): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', `LOGIN ${user} pass`)).at(-1)).toMatch(/^l OK/);
  return c;
}

async function append(c: RawClient, mailbox: string, subject: string, flags = '', date = '01-Mar-2026 10:00:00 +0000'): Promise<void> {
  const body = `Subject: ${subject}\r\nFrom: a@example.org\r\n\r\nbody\r\n`;
  c.write(`ap APPEND ${mailbox} (${flags}) "${date}" {${body.length}+}\r\n${body}\r\n`);
  expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
}

beforeAll(async () => {
  server = await startTestServer({ users: ['pager', 'watcher', 'empty', 'pinner', 'fetcher'] });
  const c = await login('pager');
  // ARRIVAL order differs from UID order: 3 1 5 2 4.
  const days = ['03', '05', '01', '04', '02'];
  for (let i = 1; i <= 5; i++) await append(c, 'INBOX', `m${i}`, i === 2 ? '\\Flagged' : '', `${days[i - 1]}-Mar-2026 10:00:00 +0000`);
  c.close();
});
afterAll(async () => {
  await server.close();
});

describe('PARTIAL (RFC 9394)', () => {
  let c: RawClient;
  beforeAll(async () => {
    c = await login('pager');
    await c.command('s', 'SELECT INBOX');
  });
  afterAll(() => c.close());

  it('gives a window of the results from the first or, with minus signs, from the last', async () => {
    expect(await c.command('p1', 'UID SEARCH RETURN (PARTIAL 2:3) ALL')).toEqual(['* ESEARCH (TAG "p1") UID PARTIAL (2:3 2:3)', 'p1 OK SEARCH completed']);
    expect(await c.command('p2', 'SEARCH RETURN (PARTIAL -1:-2) ALL')).toEqual(['* ESEARCH (TAG "p2") PARTIAL (-1:-2 4:5)', 'p2 OK SEARCH completed']);
    // A range written high:low is the same range.
    expect((await c.command('p3', 'SEARCH RETURN (PARTIAL 4:3) UNFLAGGED'))[0]).toBe('* ESEARCH (TAG "p3") PARTIAL (3:4 4:5)');
    expect((await c.command('p4', 'SEARCH RETURN (PARTIAL -2:-1) UNFLAGGED'))[0]).toBe('* ESEARCH (TAG "p4") PARTIAL (-1:-2 4:5)');
  });

  it('answers what is left of a window past the results, NIL when nothing is', async () => {
    expect((await c.command('q1', 'SEARCH RETURN (PARTIAL 4:100) ALL'))[0]).toBe('* ESEARCH (TAG "q1") PARTIAL (4:100 4:5)');
    expect((await c.command('q2', 'SEARCH RETURN (PARTIAL 6:10) ALL'))[0]).toBe('* ESEARCH (TAG "q2") PARTIAL (6:10 NIL)');
    expect((await c.command('q3', 'SEARCH RETURN (PARTIAL -4:-9) ALL'))[0]).toBe('* ESEARCH (TAG "q3") PARTIAL (-4:-9 1:2)');
    expect((await c.command('q4', 'SEARCH RETURN (PARTIAL 1:3) SUBJECT nothing'))[0]).toBe('* ESEARCH (TAG "q4") PARTIAL (1:3 NIL)');
  });

  it('goes with MIN, MAX and COUNT, which still see every result', async () => {
    expect((await c.command('r1', 'SEARCH RETURN (MIN PARTIAL 2:2 COUNT MAX) ALL'))[0]).toBe('* ESEARCH (TAG "r1") MIN 1 MAX 5 COUNT 5 PARTIAL (2:2 2)');
  });

  it('windows SORT results in the sorted order', async () => {
    expect((await c.command('o1', 'SORT RETURN (PARTIAL 1:3) (ARRIVAL) UTF-8 ALL'))[0]).toBe('* ESEARCH (TAG "o1") PARTIAL (1:3 3,5,1)');
    expect((await c.command('o2', 'UID SORT RETURN (PARTIAL -1:-2) (ARRIVAL) UTF-8 ALL'))[0]).toBe('* ESEARCH (TAG "o2") UID PARTIAL (-1:-2 4,2)');
  });

  it('UID FETCH (PARTIAL range): only the messages at those places among the ones the set names', async () => {
    expect(await c.command('f1', 'UID FETCH 1:* (UID) (PARTIAL -1:-2)')).toEqual([
      '* 4 FETCH (UID 4)', '* 5 FETCH (UID 5)', 'f1 OK FETCH completed',
    ]);
    expect(await c.command('f2', 'UID FETCH 2:4 (UID) (PARTIAL 2:1)')).toEqual([
      '* 2 FETCH (UID 2)', '* 3 FETCH (UID 3)', 'f2 OK FETCH completed',
    ]);
    expect(await c.command('f3', 'UID FETCH 1:* (FLAGS) (PARTIAL 10:20)')).toEqual(['f3 OK FETCH completed']);
    // The window first, then CHANGEDSINCE among its messages (RFC 9394 3.4).
    const lines = await c.command('f4', 'UID FETCH 1:* (UID) (CHANGEDSINCE 1 PARTIAL 1:2)');
    expect(lines.map((l) => l.replace(/MODSEQ \(\d+\)/, 'MODSEQ (n)'))).toEqual([
      '* 1 FETCH (UID 1 MODSEQ (n))', '* 2 FETCH (UID 2 MODSEQ (n))', 'f4 OK FETCH completed',
    ]);
    expect((await c.command('f5', 'FETCH 1:* (FLAGS) (PARTIAL 1:2)')).at(-1)).toMatch(/^f5 BAD /);
    expect((await c.command('f6', 'UID FETCH 1:* (FLAGS) (PARTIAL 1:2 PARTIAL 3:4)')).at(-1)).toMatch(/^f6 BAD /);
    expect((await c.command('f7', 'UID FETCH 1:* (FLAGS) (PARTIAL 0:2)')).at(-1)).toMatch(/^f7 BAD /);
  });

  it('with SAVE, $ holds the window (and MIN / MAX), or every match when COUNT is asked (RFC 9394 3.2)', async () => {
    const saved = async (returns: string): Promise<string[]> => {
      await c.command('v', `UID SEARCH RETURN (${returns}) ALL`);
      return (await c.command('w', 'UID FETCH $ (UID)')).slice(0, -1);
    };
    expect(await saved('SAVE PARTIAL 2:3')).toEqual(['* 2 FETCH (UID 2)', '* 3 FETCH (UID 3)']);
    expect(await saved('SAVE PARTIAL -1:-1 MIN')).toEqual(['* 1 FETCH (UID 1)', '* 5 FETCH (UID 5)']);
    expect(await saved('SAVE PARTIAL 1:1 COUNT')).toHaveLength(5);
  });

  it('refuses malformed ranges, PARTIAL twice and PARTIAL with ALL', async () => {
    for (const [tag, command] of [
      ['b1', 'SEARCH RETURN (PARTIAL 1:2 ALL) ALL'], ['b2', 'SEARCH RETURN (PARTIAL 1:2 PARTIAL 3:4) ALL'],
      ['b3', 'SEARCH RETURN (PARTIAL 0:2) ALL'], ['b4', 'SEARCH RETURN (PARTIAL -1:2) ALL'], ['b5', 'SEARCH RETURN (PARTIAL) ALL'],
      ['b6', 'SEARCH RETURN (PARTIAL 1:*) ALL'], ['b7', 'SEARCH RETURN (PARTIAL 3) ALL'], ['b8', 'SORT RETURN (ALL PARTIAL 1:1) (DATE) UTF-8 ALL'],
      ['b9', 'UID SEARCH RETURN (PARTIAL 1:99999999999) ALL'],
    ]) expect((await c.command(tag!, command!)).at(-1)).toMatch(new RegExp(`^${tag} BAD`));
  });

  it('is advertised with CONTEXT=SEARCH and CONTEXT=SORT', async () => {
    expect((await c.command('c', 'CAPABILITY'))[0]).toMatch(/ CONTEXT=SEARCH CONTEXT=SORT PARTIAL( |$)/);
  });
});

describe('updating searches (RFC 5267 CONTEXT=SEARCH, CONTEXT=SORT)', () => {
  let a: RawClient;
  let b: RawClient;
  beforeAll(async () => {
    a = await login('watcher');
    b = await login('watcher');
    await b.command('c', 'CREATE Box');
    for (let i = 1; i <= 4; i++) await append(b, 'Box', `w${i}`, i === 3 ? '\\Flagged' : '', `0${5 - i}-Mar-2026 10:00:00 +0000`);
    expect((await a.command('s', 'SELECT Box')).at(-1)).toMatch(/^s OK/);
    expect((await b.command('s', 'SELECT Box')).at(-1)).toMatch(/^s OK/);
  });
  afterAll(() => {
    a.close();
    b.close();
  });

  it('tells nothing at first when UPDATE is the only return option, the asked items otherwise', async () => {
    expect(await a.command('u1', 'SEARCH RETURN (UPDATE) UNFLAGGED')).toEqual(['* ESEARCH (TAG "u1")', 'u1 OK SEARCH completed']);
    expect(await a.command('u2', 'UID SEARCH RETURN (UPDATE COUNT CONTEXT) UNFLAGGED')).toEqual(['* ESEARCH (TAG "u2") UID COUNT 3', 'u2 OK SEARCH completed']);
    // ARRIVAL: 4 3 2 1; unflagged: 4 2 1.
    expect(await a.command('u3', 'SORT RETURN (UPDATE ALL) (ARRIVAL) UTF-8 UNFLAGGED')).toEqual(['* ESEARCH (TAG "u3") ALL 4,2,1', 'u3 OK SORT completed']);
  });

  it('refuses a second updating search under the same tag, before doing it', async () => {
    expect((await a.command('u1', 'SEARCH RETURN (UPDATE COUNT) ALL'))).toEqual([expect.stringMatching(/^u1 BAD /)]);
  });

  it('a flag change by another session: REMOVEFROM after the FETCH', async () => {
    await b.command('f', 'STORE 2 +FLAGS (\\Flagged)');
    expect(await a.command('n1', 'NOOP')).toEqual([
      '* 2 FETCH (UID 2 FLAGS (\\Flagged \\Recent))',
      '* ESEARCH (TAG "u1") REMOVEFROM (0 2)',
      '* ESEARCH (TAG "u2") UID REMOVEFROM (0 2)',
      '* ESEARCH (TAG "u3") REMOVEFROM (2 2)',
      'n1 OK NOOP completed',
    ]);
  });

  it('a change by the session itself updates its contexts too', async () => {
    const lines = await a.command('f', 'STORE 3 -FLAGS (\\Flagged)');
    expect(lines.slice(1)).toEqual([
      '* ESEARCH (TAG "u1") ADDTO (0 3)',
      '* ESEARCH (TAG "u2") UID ADDTO (0 3)',
      // ARRIVAL order of the members: 4 3 1.
      '* ESEARCH (TAG "u3") ADDTO (2 3)',
      'f OK STORE completed',
    ]);
  });

  it('a new message: ADDTO after EXISTS, at its sorted place', async () => {
    // Arrived earliest of all: first in ARRIVAL order.
    await append(b, 'Box', 'w5', '', '01-Feb-2026 10:00:00 +0000');
    expect(await a.command('n2', 'NOOP')).toEqual([
      // B has the mailbox selected too and claimed \\Recent for its own append.
      '* 5 EXISTS', '* 4 RECENT',
      '* ESEARCH (TAG "u1") ADDTO (0 5)',
      '* ESEARCH (TAG "u2") UID ADDTO (0 5)',
      '* ESEARCH (TAG "u3") ADDTO (1 5)',
      'n2 OK NOOP completed',
    ]);
  });

  it('an expunge: REMOVEFROM before the EXPUNGE, with the number the message had', async () => {
    await b.command('d', 'STORE 3 +FLAGS (\\Deleted)');
    await b.command('x', 'EXPUNGE');
    const lines = await a.command('n3', 'NOOP');
    expect(lines.slice(-5)).toEqual([
      '* ESEARCH (TAG "u1") REMOVEFROM (0 3)',
      '* ESEARCH (TAG "u2") UID REMOVEFROM (0 3)',
      '* ESEARCH (TAG "u3") REMOVEFROM (3 3)',
      '* 3 EXPUNGE',
      'n3 OK NOOP completed',
    ]);
    // Left: UIDs 1, 2 (flagged), 4, 5 as numbers 1 to 4.
    expect((await a.command('k', 'SEARCH RETURN (ALL) UNFLAGGED'))[0]).toBe('* ESEARCH (TAG "k") ALL 1,3:4');
  });

  it('numbers after an expunge are the new ones', async () => {
    await b.command('g', 'STORE 2 -FLAGS (\\Flagged)');
    expect((await a.command('n4', 'NOOP')).slice(1)).toEqual([
      '* ESEARCH (TAG "u1") ADDTO (0 2)',
      '* ESEARCH (TAG "u2") UID ADDTO (0 2)',
      // ARRIVAL: UIDs 5 (1 Feb), 4 (1 Mar), 2 (3 Mar), 1 (4 Mar): UID 2 (number 2) joins third.
      '* ESEARCH (TAG "u3") ADDTO (3 2)',
      'n4 OK NOOP completed',
    ]);
  });

  it('updates reach a client in IDLE', async () => {
    a.write('i IDLE\r\n');
    await a.readUntil((l) => l.startsWith('+'));
    await b.command('h', 'STORE 1 +FLAGS (\\Flagged)');
    expect(await a.readUntil((l) => l.includes('TAG "u3"'))).toEqual([
      '* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))',
      '* ESEARCH (TAG "u1") REMOVEFROM (0 1)',
      '* ESEARCH (TAG "u2") UID REMOVEFROM (0 1)',
      '* ESEARCH (TAG "u3") REMOVEFROM (4 1)',
    ]);
    a.write('DONE\r\n');
    expect((await a.readUntil((l) => l.startsWith('i '))).at(-1)).toMatch(/^i OK/);
  });

  it('CANCELUPDATE stops the named contexts; an unknown tag is NO, a malformed command BAD', async () => {
    expect(await a.command('c1', 'CANCELUPDATE "u1" "u3"')).toEqual(['c1 OK Updates cancelled']);
    expect((await a.command('c2', 'CANCELUPDATE "u1"')).at(-1)).toMatch(/^c2 NO /);
    expect((await a.command('c3', 'CANCELUPDATE u2')).at(-1)).toMatch(/^c3 BAD /);
    expect((await a.command('c4', 'CANCELUPDATE')).at(-1)).toMatch(/^c4 BAD /);
    await b.command('j', 'STORE 1 -FLAGS (\\Flagged)');
    expect(await a.command('n5', 'NOOP')).toEqual(['* 1 FETCH (UID 1 FLAGS (\\Recent))', '* ESEARCH (TAG "u2") UID ADDTO (0 1)', 'n5 OK NOOP completed']);
  });

  it('the contexts end with the selection', async () => {
    await a.command('s2', 'SELECT Box');
    await b.command('k', 'STORE 1 +FLAGS (\\Flagged)');
    expect(await a.command('n6', 'NOOP')).toEqual(['* 1 FETCH (UID 1 FLAGS (\\Flagged))', 'n6 OK NOOP completed']);
    expect((await a.command('c5', 'CANCELUPDATE "u2"')).at(-1)).toMatch(/^c5 NO /);
  });

  it('CANCELUPDATE needs a selected mailbox', async () => {
    const e = await login('empty');
    expect((await e.command('w', 'CANCELUPDATE "x"')).at(-1)).toMatch(/^w BAD /);
    await e.command('s', 'SELECT INBOX');
    expect(await e.command('e1', 'SEARCH RETURN (UPDATE COUNT) ALL')).toEqual(['* ESEARCH (TAG "e1") COUNT 0', 'e1 OK SEARCH completed']);
    expect(await e.command('e2', 'SORT RETURN (UPDATE PARTIAL 1:10) (DATE) UTF-8 ALL')).toEqual(['* ESEARCH (TAG "e2") PARTIAL (1:10 NIL)', 'e2 OK SORT completed']);
    const other = await login('empty');
    await append(other, 'INBOX', 'first');
    expect(await e.command('n', 'NOOP')).toEqual(['* 1 EXISTS', '* 1 RECENT', '* ESEARCH (TAG "e1") ADDTO (0 1)', '* ESEARCH (TAG "e2") ADDTO (1 1)', 'n OK NOOP completed']);
    other.close();
    e.close();
  });
});

describe('the limit on updating searches', () => {
  it('past 16 contexts: the results, an untagged NO [NOUPDATE "tag"] and no updates for it', async () => {
    const c = await login('empty');
    await c.command('s', 'SELECT INBOX');
    for (let i = 1; i <= 16; i++) expect((await c.command(`k${i}`, 'SEARCH RETURN (UPDATE) ALL')).at(-1)).toMatch(/OK/);
    expect(await c.command('k17', 'SEARCH RETURN (UPDATE COUNT) ALL')).toEqual([
      expect.stringMatching(/^\* ESEARCH \(TAG "k17"\) COUNT \d+$/), '* NO [NOUPDATE "k17"] Too many updating searches', 'k17 OK SEARCH completed',
    ]);
    expect((await c.command('x', 'CANCELUPDATE "k17"')).at(-1)).toMatch(/^x NO /);
    expect((await c.command('y', 'CANCELUPDATE "k1"')).at(-1)).toMatch(/^y OK /);
    expect((await c.command('k18', 'SEARCH RETURN (UPDATE) ALL')).at(-2)).not.toMatch(/NOUPDATE/);
    c.close();
  });
});

describe('message numbers in an updating search', () => {
  it('keep naming the messages they named when the command arrived', async () => {
    const a = await login('pinner');
    const b = await login('pinner');
    for (let i = 1; i <= 4; i++) await append(b, 'INBOX', `p${i}`);
    await a.command('s', 'SELECT INBOX');
    await b.command('s', 'SELECT INBOX');
    expect((await a.command('u', 'UID SEARCH RETURN (UPDATE ALL) 2:3'))[0]).toBe('* ESEARCH (TAG "u") UID ALL 2:3');
    await b.command('d', 'STORE 1 +FLAGS (\\Deleted)');
    await b.command('x', 'EXPUNGE');
    // Messages 2:3 are now 1:2; the context still means UIDs 2 and 3: nothing to tell.
    expect((await a.command('n', 'NOOP')).filter((l) => l.includes('ESEARCH'))).toEqual([]);
    await b.command('f', 'STORE 1 +FLAGS (\\Flagged)');
    expect((await a.command('n2', 'NOOP')).filter((l) => l.includes('ESEARCH'))).toEqual([]);
    await b.command('d2', 'STORE 1 +FLAGS (\\Deleted)');
    await b.command('x2', 'EXPUNGE');
    expect((await a.command('n3', 'NOOP')).filter((l) => l.includes('ESEARCH'))).toEqual(['* ESEARCH (TAG "u") UID REMOVEFROM (0 2)']);
    a.close();
    b.close();
  });
});

describe('UPDATE with fetch attributes (RFC 5465 section 7)', () => {
  it('a new message joining the results is fetched after its ADDTO; one joining by a flag change is not', async () => {
    const a = await login('fetcher');
    const b = await login('fetcher');
    await a.command('s', 'SELECT INBOX');
    await b.command('s', 'SELECT INBOX');
    expect((await a.command('bad', 'SEARCH RETURN (UPDATE (BOGUS)) ALL')).at(-1)).toMatch(/^bad BAD /);
    expect(await a.command('u', 'UID SEARCH RETURN (UPDATE (UID FLAGS)) UNFLAGGED')).toEqual(['* ESEARCH (TAG "u") UID', 'u OK SEARCH completed']);
    await append(b, 'INBOX', 'new');
    expect(await a.command('n', 'NOOP')).toEqual([
      '* 1 EXISTS', '* 0 RECENT', '* ESEARCH (TAG "u") UID ADDTO (0 1)', '* 1 FETCH (UID 1 FLAGS ())', 'n OK NOOP completed',
    ]);
    await b.command('f', 'STORE 1 +FLAGS (\\Flagged)');
    await a.command('n2', 'NOOP');
    await b.command('g', 'STORE 1 -FLAGS (\\Flagged)');
    expect(await a.command('n3', 'NOOP')).toEqual(['* 1 FETCH (UID 1 FLAGS ())', '* ESEARCH (TAG "u") UID ADDTO (0 1)', 'n3 OK NOOP completed']);
    a.close();
    b.close();
  });
});
