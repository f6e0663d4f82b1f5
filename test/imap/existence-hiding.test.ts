/**
 * Issue 17: a mailbox the user cannot see answers exactly as one that does not exist, in every
 * command; a name component over the file system's limit (255 bytes) is refused up front and
 * leaves nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ users: ['fred', 'bob', 'admin'] });
  const bob = await RawClient.connect(server.port);
  expect((await bob.command('l', 'LOGIN bob pass')).at(-1)).toMatch(/^l OK/);
  expect((await bob.command('c', 'CREATE secret')).at(-1)).toMatch(/^c OK/);
  bob.close();
});
afterAll(async () => {
  await server.close();
});

async function fred(): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
  return c;
}

/** The answer to `command` with NAME replaced, tag and untagged lines included, tag removed. */
async function answer(c: RawClient, command: string, name: string): Promise<string[]> {
  const lines = await c.command('t', command.replaceAll('NAME', `"${name}"`));
  return lines.map((l) => l.replace(/^t /, ''));
}

describe('invisible mailboxes answer as nonexistent ones', () => {
  it.each([
    'CREATE NAME',
    'CREATE NAME/child',
    'SELECT NAME',
    'EXAMINE NAME',
    'STATUS NAME (MESSAGES)',
    'DELETE NAME',
    'RENAME NAME mine',
    'APPEND NAME {1+}\r\nx',
    'GETACL NAME',
    'MYRIGHTS NAME',
    'GETQUOTAROOT NAME',
  ])('%s', async (command) => {
    const c = await fred();
    const hidden = await answer(c, command, 'Other Users/bob/secret');
    const missing = await answer(c, command, 'Other Users/bob/nosuch');
    expect(hidden).toEqual(missing);
    c.close();
  });
});

describe('a name component over 255 bytes', () => {
  it('is refused up front, leaving no reservation behind', async () => {
    const c = await fred();
    const long = 'a'.repeat(300);
    const first = await c.command('a', `CREATE ${long}`);
    expect(first.at(-1)).toMatch(/^a NO \[CANNOT\] /);
    expect((await c.command('b', `CREATE ${long}`)).at(-1)).toBe(first.at(-1)!.replace(/^a/, 'b'));
    expect(server.imap.deps.store.lookup(`user.fred.${long}`)).toBeFalsy();
    expect((await c.command('c', `CREATE x/${long}`)).at(-1)).toMatch(/^c NO \[CANNOT\] /);
    expect(server.imap.deps.store.lookup('user.fred.x')).toBeFalsy();
    expect((await c.command('d', `CREATE ${'a'.repeat(255)}`)).at(-1)).toMatch(/^d OK/);
    c.close();
  });
});
