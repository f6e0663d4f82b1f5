// Issue 17 item 1: LIST patterns that a backtracking matcher never finishes must answer, and the
// worker must go on serving. (The matcher's step counts are in test/names/pattern.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { last, loggedIn } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  const c = await loggedIn(server);
  expect(last(await c.command('c', `CREATE ${'a'.repeat(30)}/b`))).toMatch(/^c OK/);
  c.close();
}, 60_000);
afterAll(async () => {
  await server.close();
});

describe('hostile LIST patterns', () => {
  it.each([
    ['30 × "%" (the same as "%")', '%'.repeat(30), ['* LIST (\\HasNoChildren) "/" INBOX', `* LIST (\\HasChildren) "/" ${'a'.repeat(30)}`]],
    ['30 × "%" below INBOX', `INBOX/${'%'.repeat(30)}`, []],
    ['"*a" 30 times then "b"', `${'*a'.repeat(30)}b`, []],
    ['"*a" 30 times then "*b"', `${'*a'.repeat(30)}*b`, [`* LIST (\\HasNoChildren) "/" ${'a'.repeat(30)}/b`]],
    ['10,000 × "%"', '%'.repeat(10_000), ['* LIST (\\HasNoChildren) "/" INBOX', `* LIST (\\HasChildren) "/" ${'a'.repeat(30)}`]],
  ] as Array<[string, string, string[]]>)('%s answers', async (_label, pattern, expected) => {
    const c = await loggedIn(server);
    const lines = await c.command('l', `LIST "" "${pattern}"`);
    expect(lines).toEqual([...expected, 'l OK LIST completed']);
    expect(last(await c.command('n', 'NOOP'))).toMatch(/^n OK/);
    c.close();
  });
});
