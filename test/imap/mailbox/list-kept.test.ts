// A session's LIST answer is used again while it is made of the same things (list-cache.ts): a
// repeated LIST must still follow every change — a mailbox created or deleted by another session
// or by another process (a second store: its own mailboxes.db connection), an ACL that lets the
// user see another user's mailbox or no longer, a subscription — and a different command is
// never answered with the kept one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailStore } from '../../../src/store/index.js';
import { startTestServer, type TestServer } from '../harness.js';
import { loggedIn } from './helpers.js';

let server: TestServer;
let elsewhere: MailStore;
beforeAll(async () => {
  server = await startTestServer({ users: ['fred', 'joe', 'admin'] });
  const c = await loggedIn(server);
  for (const cmd of ['CREATE Fruit', 'CREATE Fruit/Apple']) await c.command('c', cmd);
  c.close();
  server.imap.deps.store.createMailbox('user.joe', { acl: 'joe\tlrswipkxtecdan\t' });
  server.imap.deps.store.createMailbox('user.joe.Shared', { acl: 'joe\tlrswipkxtecdan\t' });
  elsewhere = MailStore.open({ config: server.config });
}, 60_000);
afterAll(async () => {
  elsewhere.close();
  await server.close();
});

const names = (lines: string[]) => lines.filter((l) => l.startsWith('* LIST ')).map((l) => l.replace(/^\* LIST \(([^)]*)\) "\/" /, '$1 '));

describe('LIST repeated in one session', () => {
  it('follows mailboxes created and deleted by another session and another process', async () => {
    const c = await loggedIn(server);
    const other = await loggedIn(server);
    try {
      const first = names(await c.command('a', 'LIST "" "*"'));
      expect(first).toEqual(['\\HasNoChildren INBOX', '\\HasChildren Fruit', '\\HasNoChildren Fruit/Apple']);
      expect(names(await c.command('b', 'LIST "" "*"'))).toEqual(first);
      await other.command('c', 'CREATE Fruit/Banana');
      expect(names(await c.command('d', 'LIST "" "*"'))).toEqual([...first, '\\HasNoChildren Fruit/Banana']);
      elsewhere.createMailbox('user.fred.Notes');
      expect(names(await c.command('e', 'LIST "" "*"'))).toEqual([...first, '\\HasNoChildren Fruit/Banana', '\\HasNoChildren Notes']);
      elsewhere.deleteMailbox('user.fred.Fruit.Apple');
      expect(names(await c.command('f', 'LIST "" "*"'))).toEqual(['\\HasNoChildren INBOX', '\\HasChildren Fruit', '\\HasNoChildren Fruit/Banana', '\\HasNoChildren Notes']);
      // another command of the same session: its own answer
      expect(names(await c.command('g', 'LIST "" "%"'))).toEqual(['\\HasNoChildren INBOX', '\\HasChildren Fruit', '\\HasNoChildren Notes']);
      expect(names(await c.command('h', 'LIST "" "F*"'))).toEqual(['\\HasChildren Fruit', '\\HasNoChildren Fruit/Banana']);
    } finally {
      c.close();
      other.close();
    }
  });

  it("follows another user's ACL and the session's subscriptions", async () => {
    const c = await loggedIn(server);
    const joe = await loggedIn(server, 'joe');
    try {
      const before = names(await c.command('a', 'LIST "" "Other Users/*"'));
      expect(before).toEqual([]);
      expect(names(await c.command('b', 'LIST "" "Other Users/*"'))).toEqual([]);
      expect((await joe.command('s', 'SETACL Shared fred lr')).at(-1)).toMatch(/^s OK/);
      expect(names(await c.command('c', 'LIST "" "Other Users/*"'))).toEqual(['\\HasNoChildren "Other Users/joe/Shared"']);
      expect((await joe.command('s', 'DELETEACL Shared fred')).at(-1)).toMatch(/^s OK/);
      expect(names(await c.command('d', 'LIST "" "Other Users/*"'))).toEqual([]);
      const inbox = '\\Subscribed \\HasNoChildren INBOX';
      expect(names(await c.command('e', 'LIST (SUBSCRIBED) "" "*"'))).toEqual([inbox]);
      await c.command('s', 'SUBSCRIBE Fruit');
      expect(names(await c.command('f', 'LIST (SUBSCRIBED) "" "*"'))).toEqual([inbox, '\\Subscribed \\HasChildren Fruit']);
      await c.command('s', 'UNSUBSCRIBE Fruit');
      expect(names(await c.command('g', 'LIST (SUBSCRIBED) "" "*"'))).toEqual([inbox]);
    } finally {
      c.close();
      joe.close();
    }
  });
});
