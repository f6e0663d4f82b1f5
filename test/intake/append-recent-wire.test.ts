/**
 * Issue 16: APPEND into the mailbox the session has selected read-write takes \Recent in the
 * append's own transaction. On the wire nothing changes (RFC 3501: exactly one session sees a new
 * message as \Recent): the appending session gets it, other sessions see the message without it,
 * and an APPEND from a session that has another mailbox selected, or this one only EXAMINEd,
 * leaves it to whoever selects or syncs first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from '../imap/harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ users: ['fred', 'wilma', 'betty'] });
});
afterAll(async () => {
  await server.close();
});

async function login(user: string): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', `LOGIN ${user} pass`)).at(-1)).toMatch(/^l OK/);
  return c;
}

async function append(c: RawClient, subject: string, mailbox = 'INBOX'): Promise<string[]> {
  const body = `Subject: ${subject}\r\n\r\nbody\r\n`;
  c.write(`ap APPEND ${mailbox} {${body.length}+}\r\n${body}\r\n`);
  const lines = await c.readUntil((l) => l.startsWith('ap '));
  expect(lines.at(-1)).toMatch(/^ap OK/);
  return lines;
}

const recentInFetch = (lines: string[]) => lines.filter((l) => l.includes('FETCH') && l.includes('\\Recent')).length;

describe('APPEND into the selected mailbox and \\Recent', () => {
  it('the appending session holds \\Recent; another selected session sees the message without it', async () => {
    const a = await login('fred');
    const b = await login('fred');
    await a.command('s', 'SELECT INBOX');
    await b.command('s', 'SELECT INBOX');
    const reply = await append(a, 'one');
    expect(reply).toContain('* 1 EXISTS');
    expect(reply).toContain('* 1 RECENT');
    expect(recentInFetch(await a.command('f', 'FETCH 1 (FLAGS)'))).toBe(1);
    const noop = await b.command('n', 'NOOP');
    expect(noop).toContain('* 1 EXISTS');
    expect(noop).toContain('* 0 RECENT');
    expect(recentInFetch(await b.command('f', 'FETCH 1 (FLAGS)'))).toBe(0);
    // A second append: the appender now holds both.
    expect(await append(a, 'two')).toContain('* 2 RECENT');
    const c = await login('fred');
    expect(await c.command('s', 'SELECT INBOX')).toContain('* 0 RECENT');
    for (const x of [a, b, c]) x.close();
  });

  it('an APPEND from a session with another mailbox selected claims nothing', async () => {
    const a = await login('wilma');
    expect((await a.command('c', 'CREATE Other')).at(-1)).toMatch(/^c OK/);
    await a.command('s', 'SELECT Other');
    await append(a, 'one', 'INBOX');
    const b = await login('wilma');
    expect(await b.command('s', 'SELECT INBOX')).toContain('* 1 RECENT');
    for (const x of [a, b]) x.close();
  });

  it('an APPEND from a session that only EXAMINEd the mailbox claims nothing', async () => {
    const a = await login('betty');
    await a.command('e', 'EXAMINE INBOX');
    const reply = await append(a, 'one');
    expect(reply).toContain('* 1 EXISTS');
    // Shown as \Recent (not claimed: a read-only view only looks), and still there for a SELECT.
    expect(reply).toContain('* 1 RECENT');
    const b = await login('betty');
    expect(await b.command('s', 'SELECT INBOX')).toContain('* 1 RECENT');
    for (const x of [a, b]) x.close();
  });
});
