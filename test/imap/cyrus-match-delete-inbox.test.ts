/**
 * DELETE of an INBOX, as Cyrus 3.6.1 answers it (checked against Debian's 3.6.1 with
 * unixhierarchysep): a user deleting its own INBOX and an administrator deleting its own INBOX are
 * both refused ("NO Operation is not supported on mailbox"); an administrator deleting user/fred is
 * refused ("NO Permission denied": its implicit rights are only `la`) until it holds `x` there, and
 * then the whole user goes; a plain user holding `x` on someone else's INBOX is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';
import { last, loggedIn } from './mailbox/helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ users: ['fred', 'admin', 'bob'] });
  const store = server.imap.deps.store;
  store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  store.createMailbox('user.fred.Sub', { acl: 'fred\tlrswipkxtecdan\t' });
  store.createMailbox('user.admin', { acl: 'admin\tlrswipkxtecdan\t' });
  store.createMailbox('user.bob', { acl: 'bob\tlrswipkxtecdan\tfred\tlrx\t' });
}, 60_000);
afterAll(async () => {
  await server.close();
});

const exists = (name: string): boolean => server.imap.deps.store.lookup(name) !== null;

describe('DELETE of an INBOX', () => {
  it('refuses a user its own INBOX, by any spelling, and keeps it', async () => {
    const c = await loggedIn(server, 'fred');
    for (const inbox of ['INBOX', 'inbox', '"InBox"']) {
      expect(last(await c.command('d1', `DELETE ${inbox}`))).toBe('d1 NO [CANNOT] The INBOX cannot be deleted');
    }
    expect(exists('user.fred')).toBe(true);
    expect(exists('user.fred.Sub')).toBe(true);
    c.close();
  });

  it('refuses a plain user another user\'s INBOX even with the x right', async () => {
    const c = await loggedIn(server, 'fred');
    expect(last(await c.command('d2', 'DELETE "Other Users/bob"'))).toBe('d2 NO [NOPERM] Only administrators may delete a user');
    expect(exists('user.bob')).toBe(true);
    c.close();
  });

  it('refuses an administrator its own INBOX, by INBOX and by its full name', async () => {
    const c = await loggedIn(server, 'admin');
    expect(last(await c.command('d3', 'DELETE INBOX'))).toBe('d3 NO [CANNOT] The INBOX cannot be deleted');
    expect(last(await c.command('d4', 'DELETE user/admin'))).toBe('d4 NO [CANNOT] The INBOX cannot be deleted');
    expect(exists('user.admin')).toBe(true);
    c.close();
  });

  it('lets an administrator delete a user only once it holds x there, and then deletes all of it', async () => {
    const c = await loggedIn(server, 'admin');
    expect(last(await c.command('d5', 'DELETE user/fred'))).toMatch(/^d5 NO \[NOPERM\]/);
    expect(exists('user.fred')).toBe(true);
    server.imap.deps.store.setAcl('user.fred', 'fred\tlrswipkxtecdan\tadmin\tlrx\t');
    expect(last(await c.command('d6', 'DELETE user/fred'))).toBe('d6 OK DELETE completed');
    expect(exists('user.fred')).toBe(false);
    expect(exists('user.fred.Sub')).toBe(false);
    c.close();
  });
});
