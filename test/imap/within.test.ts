/** WITHIN (RFC 5032) on the wire: SEARCH YOUNGER / OLDER against the internal date. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let c: RawClient;

async function append(date: string | null): Promise<void> {
  const body = 'Subject: w\r\n\r\nbody\r\n';
  c.write(`ap APPEND INBOX ${date ? `"${date}" ` : ''}{${body.length}+}\r\n${body}\r\n`);
  expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
}

beforeAll(async () => {
  server = await startTestServer({ users: ['within', 'empty'] });
  c = await RawClient.connect(server.port);
  await c.command('l', 'LOGIN within pass');
  await append('01-Jan-2020 10:00:00 +0000');
  await append(null); // now
  await append('01-Jan-2020 10:00:00 +0000');
  await c.command('s', 'SELECT INBOX');
});
afterAll(async () => {
  c.close();
  await server.close();
});

describe('WITHIN', () => {
  it('is advertised; YOUNGER and OLDER split the messages by internal date', async () => {
    expect((await c.command('cap', 'CAPABILITY'))[0]).toMatch(/ WITHIN( |$)/);
    expect(await c.command('y', 'SEARCH YOUNGER 86400')).toEqual(['* SEARCH 2', 'y OK SEARCH completed']);
    expect((await c.command('o', 'SEARCH OLDER 86400'))[0]).toBe('* SEARCH 1 3');
    expect((await c.command('u', 'UID SEARCH NOT OLDER 86400'))[0]).toBe('* SEARCH 2');
    // Everything stored since 2020 is younger than 10 years; nothing is older than 20 years.
    expect((await c.command('a', 'SEARCH YOUNGER 315360000'))[0]).toBe('* SEARCH 1 2 3');
    expect((await c.command('b', 'SEARCH OLDER 630720000'))[0]).toBe('* SEARCH');
    expect((await c.command('e', 'SEARCH RETURN (COUNT) OR YOUNGER 60 OLDER 60')).at(0)).toBe('* ESEARCH (TAG "e") COUNT 3');
  });

  it('refuses a zero, negative or missing interval; works on an empty mailbox; needs a selected mailbox', async () => {
    for (const [tag, command] of [['m1', 'SEARCH YOUNGER 0'], ['m2', 'SEARCH OLDER -5'], ['m3', 'SEARCH YOUNGER'], ['m4', 'SEARCH OLDER 1d'], ['m5', 'SEARCH YOUNGER 99999999999999999999']]) {
      expect((await c.command(tag!, command!)).at(-1)).toMatch(new RegExp(`^${tag} BAD`));
    }
    const e = await RawClient.connect(server.port);
    await e.command('l', 'LOGIN empty pass');
    expect((await e.command('y0', 'SEARCH YOUNGER 60')).at(-1)).toMatch(/^y0 BAD/);
    await e.command('s', 'SELECT INBOX');
    expect(await e.command('y1', 'SEARCH YOUNGER 60')).toEqual(['* SEARCH', 'y1 OK SEARCH completed']);
    e.close();
  });
});
