/**
 * A user's rights on its own mailboxes come from their ACLs, with `implicit_owner_rights` (Cyrus
 * 3.6 default `lkxan`) on top: an ACL that grants the owner less (as SETACL on one's own folder
 * would) takes effect, while lookup, create, delete and administer stay with the owner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';
import { last, loggedIn } from './mailbox/helpers.js';

const FULL = 'fred\tlrswipkxtecdan\t';

function fredsMailboxes(server: TestServer): void {
  const store = server.imap.deps.store;
  store.createMailbox('user.fred', { acl: FULL });
  store.createMailbox('user.fred.Reduced', { acl: 'fred\tlr\t' });
  store.createMailbox('user.fred.Nothing', { acl: '' });
  store.createMailbox('user.fred.NoInsert', { acl: `${FULL}-fred\ti\t` });
}

describe('implicit owner rights (default lkxan)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: ['fred', 'admin'] });
    fredsMailboxes(server);
  }, 60_000);
  afterAll(async () => {
    await server.close();
  });

  it('keeps every right where the ACL grants them', async () => {
    const c = await loggedIn(server);
    expect(last(await c.command('s1', 'SELECT INBOX'))).toMatch(/^s1 OK \[READ-WRITE\]/);
    c.close();
  });

  it('gives the owner only what a reduced ACL grants, plus lkxan', async () => {
    const c = await loggedIn(server);
    expect(last(await c.command('s2', 'SELECT Reduced'))).toMatch(/^s2 OK \[READ-ONLY\]/);
    expect(last(await c.command('s3', 'STORE 1:* +FLAGS (\\Seen)'))).toMatch(/^s3 NO/);
    expect(last(await c.command('a1', 'APPEND Reduced {3+}\r\nx\r\n'))).toMatch(/^a1 NO \[NOPERM\]/);
    expect(last(await c.command('a2', 'APPEND NoInsert {3+}\r\nx\r\n'))).toMatch(/^a2 NO \[NOPERM\]/);
    expect(last(await c.command('c1', 'CREATE Reduced/Child'))).toMatch(/^c1 OK/);
    c.close();
  });

  it('lets the owner see and delete a mailbox whose ACL grants it nothing, but not read it', async () => {
    const c = await loggedIn(server);
    expect((await c.command('l1', 'LIST "" Nothing')).some((line) => line.endsWith(' Nothing'))).toBe(true);
    expect(last(await c.command('s4', 'EXAMINE Nothing'))).toMatch(/^s4 NO \[NOPERM\]/);
    expect(last(await c.command('d1', 'DELETE Nothing'))).toMatch(/^d1 OK/);
    expect(server.imap.deps.store.lookup('user.fred.Nothing')).toBeNull();
    c.close();
  });
});

describe('implicit_owner_rights set in imapd.conf', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ users: ['fred', 'admin'], conf: ['implicit_owner_rights: lkxanrs'] });
    fredsMailboxes(server);
  }, 60_000);
  afterAll(async () => {
    await server.close();
  });

  it('adds its rights to every mailbox of the owner', async () => {
    const c = await loggedIn(server);
    expect(last(await c.command('s1', 'SELECT Nothing'))).toMatch(/^s1 OK \[READ-WRITE\]/);
    expect(last(await c.command('a1', 'APPEND Nothing {3+}\r\nx\r\n'))).toMatch(/^a1 NO \[NOPERM\]/);
    c.close();
  });
});
