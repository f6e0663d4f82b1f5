/**
 * The ACL commands on the wire (RFC 4314, RFC 8440) and the ACL defaults of Cyrus (issue 13):
 * GETACL, SETACL with + and -, DELETEACL, LISTRIGHTS, MYRIGHTS, LIST RETURN (MYRIGHTS); a changed
 * ACL reaches a session that has the mailbox selected; new mailboxes copy their parent's ACL or get
 * `defaultacl`; identifiers of another domain are refused; a mailbox without `l` answers as one
 * that does not exist; the admin's own INBOX is never made; no user.X.sub without user.X.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailStore } from '../../src/store/index.js';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let store: MailStore;
const clients: RawClient[] = [];

async function login(user: string): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  clients.push(c);
  expect((await c.command('l', `LOGIN "${user}" pass`)).at(-1)).toMatch(/^l OK/);
  return c;
}

const last = (lines: string[]) => lines.at(-1)!;

beforeAll(async () => {
  server = await startTestServer({
    users: ['fred', 'bob', 'admin', 'joe@example.com', 'dadmin@example.com'],
    conf: ['unixhierarchysep: yes', 'altnamespace: no', 'virtdomains: userid', 'defaultdomain: main.test', 'admins: admin dadmin@example.com', 'autocreate_quota: 0', 'delete_mode: immediate'],
  });
  store = server.imap.deps.store;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.close();
});

describe('ACL commands', () => {
  it('advertises ACL, RIGHTS=kxten and LIST-MYRIGHTS', async () => {
    const c = await login('fred');
    const caps = (await c.command('c', 'CAPABILITY'))[0]!;
    expect(caps.split(' ')).toEqual(expect.arrayContaining(['ACL', 'RIGHTS=kxten', 'LIST-MYRIGHTS']));
  });

  it('SETACL replaces, adds (+) and removes (-); GETACL shows the ACL; DELETEACL drops an entry', async () => {
    const c = await login('fred');
    expect(last(await c.command('a1', 'CREATE INBOX/Team'))).toMatch(/^a1 OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
    expect(last(await c.command('a2', 'SETACL INBOX/Team bob lr'))).toMatch(/^a2 OK/);
    expect(await c.command('a3', 'GETACL INBOX/Team')).toEqual(['* ACL INBOX/Team fred lrswipkxtecdan bob lr', 'a3 OK GETACL completed']);
    await c.command('a4', 'SETACL INBOX/Team bob +sw');
    await c.command('a5', 'SETACL INBOX/Team bob -r');
    expect((await c.command('a6', 'GETACL INBOX/Team'))[0]).toBe('* ACL INBOX/Team fred lrswipkxtecdan bob lsw');
    await c.command('a7', 'SETACL INBOX/Team -bob w');
    expect((await c.command('a8', 'GETACL INBOX/Team'))[0]).toBe('* ACL INBOX/Team fred lrswipkxtecdan bob lsw -bob w');
    expect(last(await c.command('a9', 'DELETEACL INBOX/Team -bob'))).toMatch(/^a9 OK/);
    await c.command('a10', 'SETACL INBOX/Team bob -lsw');
    expect((await c.command('a11', 'GETACL INBOX/Team'))[0]).toBe('* ACL INBOX/Team fred lrswipkxtecdan');
    // c and d are Cyrus's macros: kx and te.
    await c.command('a12', 'SETACL INBOX/Team bob lrcd');
    expect((await c.command('a13', 'GETACL INBOX/Team'))[0]).toBe('* ACL INBOX/Team fred lrswipkxtecdan bob lrkxtecd');
    expect(store.lookup('user.fred.Team')!.acl).toBe('fred\tlrswipkxtecdan\tbob\tlrkxtecd\t');
    expect(last(await c.command('a14', 'SETACL INBOX/Team bob lrZ'))).toMatch(/^a14 BAD/);
  });

  it('LISTRIGHTS names what an identifier always has; MYRIGHTS what the caller has', async () => {
    const fred = await login('fred');
    await fred.command('b1', 'CREATE INBOX/Lists');
    expect((await fred.command('b2', 'LISTRIGHTS INBOX/Lists fred'))[0]).toBe('* LISTRIGHTS INBOX/Lists fred lkxcan r s w i p t e');
    expect((await fred.command('b3', 'LISTRIGHTS INBOX/Lists bob'))[0]).toBe('* LISTRIGHTS INBOX/Lists bob "" l r s w i p k x t e a n');
    expect((await fred.command('b4', 'MYRIGHTS INBOX/Lists'))[0]).toBe('* MYRIGHTS INBOX/Lists lrswipkxtecdan');
    await fred.command('b5', 'SETACL INBOX/Lists bob lrs');
    const bob = await login('bob');
    expect((await bob.command('b6', 'MYRIGHTS user/fred/Lists'))[0]).toBe('* MYRIGHTS user/fred/Lists lrs');
    expect(last(await bob.command('b7', 'GETACL user/fred/Lists'))).toBe('b7 NO [NOPERM] Permission denied');
    expect(last(await bob.command('b8', 'LISTRIGHTS user/fred/Lists bob'))).toBe('b8 NO [NOPERM] Permission denied');
  });

  it('LIST RETURN (MYRIGHTS) follows each listed mailbox with its rights (RFC 8440)', async () => {
    const fred = await login('fred');
    await fred.command('c1', 'CREATE INBOX/Shown');
    await fred.command('c2', 'SETACL INBOX/Shown bob lr');
    const bob = await login('bob');
    const lines = await bob.command('c3', 'LIST "" "user/fred/Shown" RETURN (MYRIGHTS)');
    expect(lines).toEqual(['* LIST (\\HasNoChildren) "/" user/fred/Shown', '* MYRIGHTS user/fred/Shown lr', 'c3 OK LIST completed']);
  });

  it('a changed ACL reaches a session that has the mailbox selected', async () => {
    const fred = await login('fred');
    await fred.command('d1', 'CREATE INBOX/Live');
    await fred.command('d2', 'SETACL INBOX/Live bob lrsw');
    await server.imap.deps.intake.append('user.fred.Live', [{ bytes: Buffer.from('Subject: x\r\n\r\nx\r\n') }]);
    const bob = await login('bob');
    expect(last(await bob.command('d3', 'SELECT user/fred/Live'))).toMatch(/^d3 OK \[READ-WRITE\]/);
    expect(last(await bob.command('d4', 'STORE 1 +FLAGS (\\Flagged)'))).toMatch(/^d4 OK/);
    await fred.command('d5', 'SETACL INBOX/Live bob -w');
    expect(last(await bob.command('d6', 'STORE 1 -FLAGS (\\Flagged)'))).toBe('d6 NO [NOPERM] Permission denied');
    await fred.command('d7', 'DELETEACL INBOX/Live bob');
    expect(last(await bob.command('d8', 'FETCH 1 (FLAGS)'))).toMatch(/^d8 (OK|NO)/);
    expect(last(await bob.command('d9', 'MYRIGHTS user/fred/Live'))).toBe('d9 NO [NONEXISTENT] Mailbox does not exist');
  });
});

describe('ACL defaults', () => {
  it('a new mailbox copies its closest parent\'s ACL', async () => {
    const fred = await login('fred');
    await fred.command('e1', 'CREATE INBOX/Parent');
    await fred.command('e2', 'SETACL INBOX/Parent bob lrs');
    await fred.command('e3', 'CREATE INBOX/Parent/a/b');
    expect(store.lookup('user.fred.Parent.a.b')!.acl).toBe(store.lookup('user.fred.Parent')!.acl);
    expect(store.lookup('user.fred.Parent.a')!.acl).toBe('fred\tlrswipkxtecdan\tbob\tlrs\t');
  });

  it('a new top-level shared mailbox gets defaultacl (anyone lrs); a user sees it', async () => {
    const admin = await login('admin');
    expect(last(await admin.command('f1', 'CREATE news'))).toMatch(/^f1 OK/);
    expect((await admin.command('f2', 'GETACL news'))[0]).toBe('* ACL news anyone lrs');
    const bob = await login('bob');
    expect(await bob.command('f3', 'LIST "" news')).toEqual(['* LIST (\\HasNoChildren) "/" news', 'f3 OK LIST completed']);
    expect(last(await bob.command('f4', 'EXAMINE news'))).toMatch(/^f4 OK/);
  });

  it('CREATE of user/X/sub needs user/X, administrators included', async () => {
    const admin = await login('admin');
    expect(last(await admin.command('g1', 'CREATE user/carol/Work'))).toBe('g1 NO [NOPERM] Permission denied');
    expect(store.lookup('user.carol.Work')).toBeNull();
    expect(last(await admin.command('g2', 'CREATE user/carol'))).toMatch(/^g2 OK/);
    expect(last(await admin.command('g3', 'CREATE user/carol/Work'))).toMatch(/^g3 OK/);
    expect(store.lookup('user.carol.Work')!.acl).toBe('carol\tlrswipkxtecdan\t');
  });

  it('the admin\'s own INBOX is never autocreated; a user\'s is', async () => {
    await login('admin');
    expect(store.lookup('user.admin')).toBeNull();
    await login('bob');
    expect(store.lookup('user.bob')!.acl).toBe('bob\tlrswipkxtecdan\t');
  });
});

describe('identifiers and domains', () => {
  it('qualifies a userid with the mailbox\'s domain and refuses another domain\'s user', async () => {
    const joe = await login('joe@example.com');
    await joe.command('h1', 'CREATE INBOX/Share');
    expect(last(await joe.command('h2', 'SETACL INBOX/Share ann lr'))).toMatch(/^h2 OK/);
    expect(last(await joe.command('h3', 'SETACL INBOX/Share bob@main.test lr'))).toBe('h3 NO [CANNOT] Invalid identifier: bob@main.test is not in the mailbox\'s domain');
    expect(last(await joe.command('h4', 'SETACL INBOX/Share lukecage@hisdomain.com lr'))).toMatch(/^h4 NO \[CANNOT\]/);
    expect(store.lookup('example.com!user.joe.Share')!.acl).toBe('joe@example.com\tlrswipkxtecdan\tann@example.com\tlr\t');
    const admin = await login('admin');
    expect(last(await admin.command('h5', 'SETACL user/fred@example.com joe lr'))).toMatch(/^h5 NO/);
    expect(last(await admin.command('h6', 'SETACL user/joe/Share@example.com bob lr'))).toMatch(/^h6 OK/);
    expect(store.lookup('example.com!user.joe.Share')!.acl).toContain('bob@example.com\tlr\t');
  });

  it('a domain admin administers its own domain only', async () => {
    const dadmin = await login('dadmin@example.com');
    expect((await dadmin.command('i1', 'MYRIGHTS user/joe/Share'))[0]).toBe('* MYRIGHTS user/joe/Share la');
    expect(last(await dadmin.command('i2', 'SETACL user/joe/Share dadmin lrx'))).toMatch(/^i2 OK/);
    expect(last(await dadmin.command('i3', 'GETACL user/fred@main.test'))).toMatch(/^i3 NO/);
  });
});

describe('a mailbox without l answers as one that does not exist', () => {
  it('every command gives the same answer for a hidden and for a missing mailbox', async () => {
    const fred = await login('fred');
    await fred.command('j1', 'CREATE INBOX/Hidden');
    await fred.command('j2', 'SETACL INBOX/Hidden bob p');
    const bob = await login('bob');
    const commands = (box: string) => [
      `SELECT ${box}`, `EXAMINE ${box}`, `STATUS ${box} (MESSAGES)`, `DELETE ${box}`, `RENAME ${box} INBOX/Took`, `GETACL ${box}`,
      `SETACL ${box} bob lrswipkxtean`, `DELETEACL ${box} fred`, `LISTRIGHTS ${box} bob`, `MYRIGHTS ${box}`, `SUBSCRIBE ${box}`,
      `CREATE ${box}/below`, 'APPEND ' + box + ' {3+}\r\nx\r\n', `LIST "" ${box}`,
    ];
    const hidden = commands('user/fred/Hidden');
    const missing = commands('user/fred/Missing');
    for (let i = 0; i < hidden.length; i++) {
      const a = await bob.command('k', hidden[i]!);
      const b = await bob.command('k', missing[i]!);
      expect(a.map((l) => l.replace('Hidden', 'X')), hidden[i]).toEqual(b.map((l) => l.replace('Missing', 'X')));
      if (!hidden[i]!.startsWith('LIST')) expect(last(a), hidden[i]).toMatch(/^k NO /);
    }
    expect(store.lookup('user.fred.Hidden')!.acl).toBe('fred\tlrswipkxtecdan\tbob\tp\t');
  });
});
