// A first login autocreates INBOX and autocreate_inbox_folders; `xlist-FLAG: folder` gives a folder its
// special use (as CREATE (USE ...) would) and autocreate_subscribe_folders says which are subscribed
// (the INBOX always is), as Cyrus 3.6 does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer({
    users: ['fred', 'wilma', 'betty', 'barney', 'admin'],
    conf: [
      'autocreate_inbox_folders: Sent|Drafts|Trash|Spam|Archive',
      'autocreate_subscribe_folders: Sent Drafts Trash',
      'xlist-sent: Sent',
      'xlist-drafts: Drafts',
      'xlist-trash: Trash',
      'xlist-junk: Spam',
      'xlist-bogus: Archive', // not a special-use attribute: a warning, and Archive gets none
    ],
  });
});
afterAll(async () => {
  await srv?.close();
});

async function login(user: string): Promise<RawClient> {
  const c = await RawClient.connect(srv.port);
  expect((await c.command('a0', `LOGIN ${user} pass`)).at(-1)).toMatch(/^a0 OK/);
  return c;
}

describe('autocreate with xlist-FLAG and autocreate_subscribe_folders', () => {
  it('the configuration warned about the unknown flag with its line and kept the others', () => {
    const line = readFileSync(join(srv.dir, 'imapd.conf'), 'utf8').split('\n').indexOf('xlist-bogus: Archive') + 1;
    expect(srv.config.warnings).toEqual([{ file: join(srv.dir, 'imapd.conf'), line, message: expect.stringContaining('xlist-bogus: "\\bogus" is not a special-use attribute') }]);
    expect([...srv.config.family('xlist').keys()]).toEqual(['sent', 'drafts', 'trash', 'junk']);
  });

  it('a first login creates the folders with their special use, and LIST shows it', async () => {
    const c = await login('fred');
    expect(await c.command('l1', 'LIST "" "*"')).toEqual([
      '* LIST (\\HasNoChildren) "/" INBOX',
      '* LIST (\\HasNoChildren) "/" Archive',
      '* LIST (\\HasNoChildren \\Drafts) "/" Drafts',
      '* LIST (\\HasNoChildren \\Sent) "/" Sent',
      '* LIST (\\HasNoChildren \\Junk) "/" Spam',
      '* LIST (\\HasNoChildren \\Trash) "/" Trash',
      'l1 OK LIST completed',
    ]);
    expect(await c.command('l2', 'LIST (SPECIAL-USE) "" "*"')).toEqual([
      '* LIST (\\HasNoChildren \\Drafts) "/" Drafts',
      '* LIST (\\HasNoChildren \\Sent) "/" Sent',
      '* LIST (\\HasNoChildren \\Junk) "/" Spam',
      '* LIST (\\HasNoChildren \\Trash) "/" Trash',
      'l2 OK LIST completed',
    ]);
    c.close();
  });

  it('LSUB shows INBOX and the folders of autocreate_subscribe_folders only', async () => {
    const c = await login('wilma');
    expect(await c.command('s1', 'LSUB "" "*"')).toEqual([
      '* LSUB () "/" INBOX',
      '* LSUB () "/" Drafts',
      '* LSUB () "/" Sent',
      '* LSUB () "/" Trash',
      's1 OK LSUB completed',
    ]);
    c.close();
  });

  it('the special use is stored with the mailbox, as CREATE (USE ...) stores it', async () => {
    expect(srv.imap.deps.store.lookup('user.betty')).toBeNull();
    (await login('betty')).close();
    const store = srv.imap.deps.store;
    expect(['user.betty', 'user.betty.Sent', 'user.betty.Drafts', 'user.betty.Trash', 'user.betty.Spam', 'user.betty.Archive'].map((name) => store.lookup(name)?.specialUse)).toEqual([
      null,
      '\\Sent',
      '\\Drafts',
      '\\Trash',
      '\\Junk',
      null,
    ]);
  });

  it('a later login creates nothing again and keeps a special use the user changed', async () => {
    const first = await login('barney');
    expect((await first.command('d1', 'DELETE Spam')).at(-1)).toMatch(/^d1 OK/);
    expect((await first.command('c1', 'CREATE Junk (USE (\\Junk))')).at(-1)).toMatch(/^c1 OK/);
    first.close();
    const again = await login('barney');
    expect(await again.command('l3', 'LIST (SPECIAL-USE) "" "*"')).toEqual([
      '* LIST (\\HasNoChildren \\Drafts) "/" Drafts',
      '* LIST (\\HasNoChildren \\Junk) "/" Junk',
      '* LIST (\\HasNoChildren \\Sent) "/" Sent',
      '* LIST (\\HasNoChildren \\Trash) "/" Trash',
      'l3 OK LIST completed',
    ]);
    again.close();
  });
});
