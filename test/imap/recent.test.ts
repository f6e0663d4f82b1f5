import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ users: ['fred', 'wilma', 'barney'] });
});
afterAll(async () => {
  await server.close();
});

async function login(user: string): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', `LOGIN ${user} pass`)).at(-1)).toMatch(/^l OK/);
  return c;
}

async function append(c: RawClient, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const body = `Subject: m${i}\r\n\r\nbody\r\n`;
    c.write(`ap APPEND INBOX {${body.length}+}\r\n${body}\r\n`);
    expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
  }
}

const recentCount = (lines: string[]) => Number(lines.find((l) => / RECENT$/.test(l))!.split(' ')[1]);
const recentInFetch = (lines: string[]) => lines.filter((l) => l.includes('FETCH') && l.includes('\\Recent')).length;

describe('\\Recent', () => {
  it('EXAMINE reports and shows \\Recent without claiming it; a later SELECT still gets it', async () => {
    const a = await login('fred');
    await append(a, 2);
    const examined = await a.command('e', 'EXAMINE INBOX');
    expect(examined).toContain('* 2 RECENT');
    expect(recentInFetch(await a.command('f', 'FETCH 1:* (FLAGS)'))).toBe(2);
    const b = await login('fred');
    const selected = await b.command('s', 'SELECT INBOX');
    expect(selected).toContain('* 2 RECENT');
    expect(recentInFetch(await b.command('f', 'FETCH 1:* (FLAGS)'))).toBe(2);
    // The EXAMINE session keeps what it saw; another EXAMINE after the claim sees none.
    const c = await login('fred');
    expect(await c.command('e', 'EXAMINE INBOX')).toContain('* 0 RECENT');
    expect(recentInFetch(await c.command('f', 'FETCH 1:* (FLAGS)'))).toBe(0);
    for (const x of [a, b, c]) x.close();
  });

  it('an EXAMINE session sees new arrivals as \\Recent and leaves them to a SELECTing one', async () => {
    const a = await login('wilma');
    await a.command('e', 'EXAMINE INBOX');
    const writer = await login('wilma');
    await append(writer, 1);
    const noop = await a.command('n', 'NOOP');
    expect(noop).toContain('* 1 EXISTS');
    expect(noop).toContain('* 1 RECENT');
    expect(recentInFetch(await a.command('f', 'FETCH 1 (FLAGS)'))).toBe(1);
    const b = await login('wilma');
    expect(await b.command('s', 'SELECT INBOX')).toContain('* 1 RECENT');
    for (const x of [a, b, writer]) x.close();
  });

  it('gives each new message\'s \\Recent to exactly one of two live SELECTing sessions', async () => {
    const a = await login('barney');
    const b = await login('barney');
    expect(recentCount(await a.command('s', 'SELECT INBOX'))).toBe(0);
    expect(recentCount(await b.command('s', 'SELECT INBOX'))).toBe(0);
    const writer = await login('barney');
    await append(writer, 3);
    expect(await a.command('n', 'NOOP')).toContain('* 3 EXISTS');
    expect(await b.command('n', 'NOOP')).toContain('* 3 EXISTS');
    const seenByA = recentInFetch(await a.command('f', 'FETCH 1:* (FLAGS)'));
    const seenByB = recentInFetch(await b.command('f', 'FETCH 1:* (FLAGS)'));
    expect(seenByA + seenByB).toBe(3);
    expect([seenByA, seenByB]).toEqual([3, 0]);
    await append(writer, 1);
    const second = [await b.command('n', 'NOOP'), await a.command('n', 'NOOP')].map(recentCount);
    // b synced first this time: it claims the fourth message; a keeps its three.
    expect(second).toEqual([1, 3]);
    for (const x of [a, b, writer]) x.close();
  });
});
