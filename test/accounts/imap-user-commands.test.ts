// IMAP goes through the accounts layer: login autocreates (never for an admin), an admin's RENAME of
// one user's INBOX to another's renames the user (Sieve scripts included), an admin's DELETE of a
// user's INBOX deletes the user (and the scripts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../imap/harness.js';
import { last, loggedIn } from '../imap/mailbox/helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ users: ['fred', 'bob', 'admin'], conf: ['autocreate_inbox_folders: Sent', 'delete_mode: immediate', 'sievedir: {configdirectory}/sieve'] });
});
afterAll(async () => server?.close());

const store = () => server.imap.deps.store;

describe('IMAP through the accounts layer', () => {
  it('a login autocreates for a user, never for an admin', async () => {
    (await loggedIn(server, 'fred')).close();
    (await loggedIn(server, 'admin')).close();
    expect(store().list('*').map((e) => e.name)).toEqual(['user.fred', 'user.fred.Sent']);
  });

  it('RENAME user/fred user/frank by an admin renames the user with its ACL entries and subscriptions', async () => {
    (await loggedIn(server, 'bob')).close();
    store().setAcl('user.bob', 'bob\tlrswipkxtecdan\tfred\tlr\t');
    store().sieveScripts.put('fred', 'main', Buffer.from('keep;'));
    store().sieveScripts.setActive('fred', 'main');
    const a = await loggedIn(server, 'admin');
    expect(last(await a.command('r1', 'RENAME user/fred user/frank'))).toBe('r1 OK RENAME completed');
    a.close();
    expect(store().list('user.f*').map((e) => e.name)).toEqual(['user.frank', 'user.frank.Sent']);
    expect(store().lookup('user.frank')?.acl).toBe('frank\tlrswipkxtecdan\t');
    expect(store().lookup('user.bob')?.acl).toBe('bob\tlrswipkxtecdan\tfrank\tlr\t');
    expect(store().subscriptions('frank')).toEqual(['user.frank']);
    expect(store().subscriptions('fred')).toEqual([]);
    expect(store().sieveScripts.list('fred')).toEqual([]);
    expect(store().sieveScripts.list('frank')).toEqual([{ name: 'main', active: true }]);
  });

  it('DELETE user/frank by an admin holding x deletes the user and its ACL entries elsewhere', async () => {
    store().setAcl('user.frank', 'frank\tlrswipkxtecdan\tadmin\tlrx\t');
    const a = await loggedIn(server, 'admin');
    expect(last(await a.command('d1', 'DELETE user/frank'))).toBe('d1 OK DELETE completed');
    a.close();
    expect(store().list('user.f*')).toEqual([]);
    expect(store().lookup('user.bob')?.acl).toBe('bob\tlrswipkxtecdan\t');
    expect(store().subscriptions('frank')).toEqual([]);
    expect(store().sieveScripts.list('frank')).toEqual([]);
  });
});
