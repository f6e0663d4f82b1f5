/** SEARCHRES (RFC 5182) on the wire: SEARCH / SORT RETURN (SAVE) and `$` in every command taking a set. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let c: RawClient;

async function append(subject: string): Promise<void> {
  const body = `Subject: ${subject}\r\n\r\nbody\r\n`;
  c.write(`ap APPEND INBOX {${body.length}+}\r\n${body}\r\n`);
  expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
}

beforeAll(async () => {
  server = await startTestServer({ users: ['saver', 'empty'] });
  c = await RawClient.connect(server.port);
  await c.command('l', 'LOGIN saver pass');
  await c.command('c', 'CREATE Other');
  for (const subject of ['delta', 'alpha', 'charlie', 'bravo', 'echo']) await append(subject);
  await c.command('s', 'SELECT INBOX');
});
afterAll(async () => {
  c.close();
  await server.close();
});

const uidsOf = (lines: string[]) => lines.filter((l) => l.startsWith('* ')).map((l) => /UID (\d+)/.exec(l)![1]).join(',');

describe('SEARCHRES', () => {
  it('is advertised; `$` is empty before any SAVE; SAVE alone sends no ESEARCH', async () => {
    expect((await c.command('cap', 'CAPABILITY'))[0]).toMatch(/ SEARCHRES( |$)/);
    expect(await c.command('f0', 'FETCH $ (UID)')).toEqual(['f0 OK FETCH completed']);
    expect(await c.command('s1', 'SEARCH RETURN (SAVE) 2:4')).toEqual(['s1 OK SEARCH completed']);
    expect(uidsOf(await c.command('f1', 'FETCH $ (UID)'))).toBe('2,3,4');
    expect(uidsOf(await c.command('f2', 'UID FETCH $ (UID)'))).toBe('2,3,4');
    // `$` in search criteria, as a sequence set and as a UID set.
    expect((await c.command('s2', 'SEARCH $ NOT 3'))[0]).toBe('* SEARCH 2 4');
    expect((await c.command('s3', 'UID SEARCH OR UID $ 5'))[0]).toBe('* SEARCH 2 3 4 5');
  });

  it('SAVE with MIN / MAX keeps only those; with ALL or COUNT keeps all, and answers the rest', async () => {
    expect(await c.command('a', 'SEARCH RETURN (SAVE MIN MAX) 2:5')).toEqual(['* ESEARCH (TAG "a") MIN 2 MAX 5', 'a OK SEARCH completed']);
    expect(uidsOf(await c.command('a2', 'FETCH $ (UID)'))).toBe('2,5');
    expect(await c.command('b', 'SEARCH RETURN (COUNT SAVE MIN) 1:3')).toEqual(['* ESEARCH (TAG "b") MIN 1 COUNT 3', 'b OK SEARCH completed']);
    expect(uidsOf(await c.command('b2', 'FETCH $ (UID)'))).toBe('1,2,3');
    // The new result is made with the old `$`.
    expect(await c.command('d', 'UID SEARCH RETURN (SAVE ALL) $ NOT 1')).toEqual(['* ESEARCH (TAG "d") UID ALL 2:3', 'd OK SEARCH completed']);
    expect(uidsOf(await c.command('d2', 'FETCH $ (UID)'))).toBe('2,3');
  });

  it('SORT RETURN (SAVE): the whole result, or its first and last in sort order', async () => {
    expect(await c.command('o', 'SORT RETURN (SAVE) (SUBJECT) UTF-8 ALL')).toEqual(['o OK SORT completed']);
    expect(uidsOf(await c.command('o2', 'FETCH $ (UID)'))).toBe('1,2,3,4,5');
    expect(await c.command('o3', 'SORT RETURN (SAVE MIN) (SUBJECT) UTF-8 ALL')).toEqual(['* ESEARCH (TAG "o3") MIN 2', 'o3 OK SORT completed']);
    expect(uidsOf(await c.command('o4', 'FETCH $ (UID)'))).toBe('2');
  });

  it('STORE, COPY, MOVE and UID EXPUNGE take `$`; an expunged message leaves the result', async () => {
    await c.command('s', 'SEARCH RETURN (SAVE) SUBJECT charlie');
    expect(await c.command('st', 'STORE $ +FLAGS.SILENT (\\Deleted)')).toEqual(['st OK STORE completed']);
    expect((await c.command('sd', 'SEARCH DELETED'))[0]).toBe('* SEARCH 3');
    expect((await c.command('cp', 'COPY $ Other')).at(-1)).toMatch(/^cp OK \[COPYUID \d+ 3 1\]/);
    expect((await c.command('ex', 'UID EXPUNGE $'))).toEqual(['* 3 EXPUNGE', 'ex OK UID EXPUNGE completed']);
    expect(await c.command('f', 'FETCH $ (UID)')).toEqual(['f OK FETCH completed']);
    await c.command('s2', 'SEARCH RETURN (SAVE) SUBJECT echo');
    expect((await c.command('mv', 'MOVE $ Other')).at(-1)).toMatch(/^mv OK/);
    expect((await c.command('so', 'STATUS Other (MESSAGES)'))[0]).toBe('* STATUS Other (MESSAGES 2)');
  });

  it('a failed SAVE empties the result; a new selection starts empty', async () => {
    await c.command('s', 'SEARCH RETURN (SAVE) 1:2');
    expect((await c.command('bad', 'SEARCH RETURN (SAVE) CHARSET X-NO-SUCH ALL')).at(-1)).toMatch(/^bad NO \[BADCHARSET/);
    expect(await c.command('f', 'FETCH $ (UID)')).toEqual(['f OK FETCH completed']);
    await c.command('s2', 'SEARCH RETURN (SAVE) 1:2');
    await c.command('re', 'SELECT INBOX');
    expect(await c.command('f2', 'FETCH $ (UID)')).toEqual(['f2 OK FETCH completed']);
  });

  it('refuses malformed uses; needs a selected mailbox; works on an empty mailbox', async () => {
    for (const [tag, command] of [['m1', 'FETCH $$ (UID)'], ['m2', 'FETCH $:3 (UID)'], ['m3', 'FETCH 1,$ (UID)'], ['m4', 'SEARCH RETURN (SAVE FOO) ALL'], ['m5', 'UID STORE 1 (UNCHANGEDSINCE $) +FLAGS (x)']]) {
      expect((await c.command(tag!, command!)).at(-1)).toMatch(new RegExp(`^${tag} BAD`));
    }
    const e = await RawClient.connect(server.port);
    await e.command('l', 'LOGIN empty pass');
    expect((await e.command('f0', 'FETCH $ (UID)')).at(-1)).toMatch(/^f0 BAD/);
    expect((await e.command('s0', 'SEARCH RETURN (SAVE) ALL')).at(-1)).toMatch(/^s0 BAD/);
    await e.command('s', 'SELECT INBOX');
    expect(await e.command('s1', 'SEARCH RETURN (SAVE) ALL')).toEqual(['s1 OK SEARCH completed']);
    expect(await e.command('f1', 'FETCH $ (UID)')).toEqual(['f1 OK FETCH completed']);
    expect(await e.command('f2', 'SEARCH $')).toEqual(['* SEARCH', 'f2 OK SEARCH completed']);
    e.close();
  });
});
