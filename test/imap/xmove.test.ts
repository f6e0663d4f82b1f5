/**
 * XMOVE: Cyrus's name for MOVE from before RFC 6851, which Cyrus 3.6 still advertises and takes
 * (checked on the peer: `XMOVE 1 box` answered `* OK [COPYUID ...]`, `* 1 EXPUNGE`, OK), in its
 * plain and UID forms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';
import { last, loggedIn } from './mailbox/helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ users: ['cap', 'ann', 'bob', 'cyd'] });
}, 60_000);
afterAll(async () => {
  await server.close();
});

/** A fresh mailbox of `user` (its own name) holding two messages, selected on a new session. */
async function withTwoMessages(user: string) {
  server.imap.deps.store.createMailbox(`user.${user}`, { acl: `${user}\tlrswipkxtecdan\t` });
  const c = await loggedIn(server, user);
  for (const line of ['CREATE Target', 'APPEND INBOX {14+}\r\nSubject: one\r\n', 'APPEND INBOX {14+}\r\nSubject: two\r\n', 'SELECT INBOX']) {
    const answer = last(await c.command('p', line));
    if (!answer.startsWith('p OK')) throw new Error(`${line}: ${answer}`);
  }
  return c;
}

describe('XMOVE', () => {
  it('is advertised', async () => {
    const c = await loggedIn(server, 'cap');
    try {
      expect((await c.command('c', 'CAPABILITY'))[0]).toMatch(/ XMOVE( |$)/);
    } finally {
      c.close();
    }
  });

  it('moves as MOVE does: COPYUID, EXPUNGE, the message in the target', async () => {
    const c = await withTwoMessages('ann');
    try {
      const lines = await c.command('m', 'XMOVE 1 Target');
      expect(lines).toEqual([expect.stringMatching(/^\* OK \[COPYUID \d+ 1 1\]/), '* 1 EXPUNGE', expect.stringMatching(/^m OK/)]);
      expect((await c.command('s', 'STATUS Target (MESSAGES)'))[0]).toBe('* STATUS Target (MESSAGES 1)');
      expect((await c.command('f', 'FETCH 1:* (UID)'))).toEqual(['* 1 FETCH (UID 2)', expect.stringMatching(/^f OK/)]);
    } finally {
      c.close();
    }
  });

  it('UID XMOVE moves by UID', async () => {
    const c = await withTwoMessages('bob');
    try {
      const lines = await c.command('m', 'UID XMOVE 2 Target');
      expect(lines).toEqual([expect.stringMatching(/^\* OK \[COPYUID \d+ 2 1\]/), '* 2 EXPUNGE', expect.stringMatching(/^m OK/)]);
      expect((await c.command('s', 'STATUS Target (MESSAGES)'))[0]).toBe('* STATUS Target (MESSAGES 1)');
    } finally {
      c.close();
    }
  });

  it('outside the selected state, or without a mailbox, it is refused and nothing moves', async () => {
    const c = await withTwoMessages('cyd');
    try {
      expect(last(await c.command('b', 'XMOVE 1'))).toMatch(/^b BAD/);
      expect(last(await c.command('n', 'XMOVE 1 Nosuch'))).toMatch(/^n NO \[TRYCREATE\]/);
      expect(last(await c.command('u', 'UNSELECT'))).toMatch(/^u OK/);
      expect(last(await c.command('w', 'XMOVE 1 Target'))).toMatch(/^w BAD/);
      expect((await c.command('s', 'STATUS INBOX (MESSAGES)'))[0]).toBe('* STATUS INBOX (MESSAGES 2)');
    } finally {
      c.close();
    }
  });
});
