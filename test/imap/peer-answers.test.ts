// Answers where a differential run against Cyrus 3.6 and Dovecot 2.3 (test/imap/peer-diff/run.ts)
// found ours differing and the RFC deciding against ours: each test pins the RFC's answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ users: ['fred'] });
});
afterAll(async () => {
  await server?.close();
});

async function login(): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('L', 'LOGIN fred pass')).at(-1)).toMatch(/^L OK/);
  return c;
}

const closed = (lines: string[]): string[] => lines.filter((l) => l.includes('[CLOSED]'));

describe('[CLOSED] (RFC 7162 3.2.11, RFC 9051 6.3.2)', () => {
  // "A server implementing [CONDSTORE/QRESYNC] MUST return the CLOSED response code when the currently
  // selected mailbox is closed implicitly using the SELECT/EXAMINE command on another mailbox",
  // whether or not the client enabled anything. Cyrus 3.6 and Dovecot 2.3 send it, also for a
  // SELECT of the same mailbox and for a SELECT that fails (the old selection is closed all the same).
  it('is sent, without ENABLE, when SELECT or EXAMINE closes the selected mailbox', async () => {
    const c = await login();
    try {
      await c.command('c', 'CREATE Other');
      expect(closed(await c.command('s1', 'SELECT INBOX'))).toEqual([]);
      const again = await c.command('s2', 'SELECT INBOX');
      expect(again[0]).toBe('* OK [CLOSED] Ok');
      expect(closed(again)).toHaveLength(1);
      expect((await c.command('s3', 'EXAMINE Other'))[0]).toBe('* OK [CLOSED] Ok');
      const failed = await c.command('s4', 'SELECT Nonexistent');
      expect(failed).toEqual(['* OK [CLOSED] Ok', 's4 NO [NONEXISTENT] Mailbox does not exist']);
      // Nothing was selected any more: no CLOSED; nor for CLOSE / UNSELECT, which close on purpose.
      expect(closed(await c.command('s5', 'SELECT INBOX'))).toEqual([]);
      expect(closed(await c.command('u', 'UNSELECT'))).toEqual([]);
      expect(closed(await c.command('s6', 'SELECT INBOX'))).toEqual([]);
      expect(closed(await c.command('x', 'CLOSE'))).toEqual([]);
    } finally {
      c.close();
    }
  });
});
