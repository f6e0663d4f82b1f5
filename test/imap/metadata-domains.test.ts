/**
 * METADATA with virtual domains: a domain's administrator administers its domain's mailboxes
 * (every entry, as a global administrator does) but not the server's /shared entries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

async function login(user: string): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', `LOGIN ${user} pass`)).at(-1)).toMatch(/^l OK/);
  return c;
}

const status = async (c: RawClient, command: string) => (await c.command('t', command)).at(-1)!;

describe('METADATA and domain administrators', () => {
  beforeAll(async () => {
    server = await startTestServer({
      users: ['admin', 'fred', 'joe@example.com', 'dadmin@example.com'],
      conf: ['unixhierarchysep: yes', 'altnamespace: no', 'virtdomains: userid', 'defaultdomain: main.test', 'admins: admin dadmin@example.com', 'autocreate_quota: -1'],
    });
    const admin = await login('admin');
    for (const name of ['user/fred', 'user/joe@example.com']) expect(await status(admin, `CREATE ${name}`)).toMatch(/^t OK/);
    admin.close();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("writes its domain's mailbox entries, not the server's shared ones nor another domain's mailboxes", async () => {
    const dadmin = await login('dadmin@example.com');
    expect(await status(dadmin, 'SETMETADATA user/joe (/shared/vendor/cmu/cyrus-imapd/expire "9" /shared/comment "joe\'s")')).toMatch(/^t OK/);
    expect((await dadmin.command('t', 'GETMETADATA user/joe /shared/comment'))[0]).toBe('* METADATA user/joe ("/shared/comment" "joe\'s")');
    expect(await status(dadmin, 'SETMETADATA "" (/shared/comment "domain admin")')).toMatch(/^t NO \[NOPERM\]/);
    expect(await status(dadmin, 'SETMETADATA "" (/private/comment "mine")')).toMatch(/^t OK/);
    // Another domain's mailbox is out of its reach (the name itself is refused).
    expect(await status(dadmin, 'GETMETADATA user/fred@main.test /shared/comment')).toMatch(/^t NO /);
    const admin = await login('admin');
    expect(await status(admin, 'SETMETADATA "" (/shared/comment "global admin")')).toMatch(/^t OK/);
    expect((await dadmin.command('t', 'GETMETADATA "" (/shared/comment /private/comment)'))[0]).toBe('* METADATA "" ("/private/comment" "mine" "/shared/comment" "global admin")');
    const joe = await login('joe@example.com');
    expect((await joe.command('t', 'GETMETADATA "" /private/comment'))[0]).toBe('* METADATA "" ("/private/comment" NIL)');
    for (const c of [dadmin, admin, joe]) c.close();
  });
});
