/**
 * The virtual-domain examples of the seed page "Virtual Domains" on the wire: three domains
 * (exampleisp.net the default, hisdomain.com, herdomain.net), a global admin and two domain admins;
 * and the growing delay after failed logins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from '../imap/harness.js';

const USERS = [
  'admin',
  'fred',
  'lukecage@hisdomain.com',
  'lukecage.admin@hisdomain.com',
  'mercedesknight@herdomain.net',
  'mercedesknight.admin@herdomain.net',
];

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    users: USERS,
    conf: [
      'virtdomains: userid',
      'defaultdomain: exampleisp.net',
      'admins: admin lukecage.admin@hisdomain.com mercedesknight.admin@herdomain.net',
      'auth_failure_delay: 0',
    ],
  });
}, 60_000);
afterAll(() => server.close());

const last = (lines: string[]) => lines.at(-1)!;
const listed = (lines: string[]) => lines.filter((l) => l.startsWith('* LIST')).map((l) => l.replace(/^\* LIST \([^)]*\) "\/" /, '')).sort();

async function login(user: string, password = 'pass'): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  const answer = last(await c.command('l', `LOGIN "${user}" ${password}`));
  if (!answer.startsWith('l OK')) throw new Error(`login ${user}: ${answer}`);
  return c;
}

const store = () => server.imap.deps.store;

describe('a global admin', () => {
  it('creates users\' mailboxes in two domains (and in the default one), with a partition', async () => {
    const admin = await login('admin');
    try {
      expect(last(await admin.command('c1', 'CREATE user/jessica@hisdomain.com'))).toMatch(/^c1 OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
      expect(last(await admin.command('c2', 'CREATE user/jessica@herdomain.net default'))).toMatch(/^c2 OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
      expect(last(await admin.command('c3', 'CREATE user/jessica/Work@herdomain.net'))).toMatch(/^c3 OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
      expect(last(await admin.command('c4', 'CREATE user/joe'))).toMatch(/^c4 OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
      expect(last(await admin.command('c5', 'CREATE user/joe@exampleisp.net'))).toBe('c5 NO [ALREADYEXISTS] Mailbox already exists');
      expect(store().lookup('hisdomain.com!user.jessica')?.acl).toBe('jessica@hisdomain.com\tlrswipkxtecdan\t');
      expect(store().lookup('herdomain.net!user.jessica')).not.toBeNull();
      expect(store().lookup('herdomain.net!user.jessica.Work')).not.toBeNull();
      expect(store().lookup('user.joe')?.acl).toBe('joe\tlrswipkxtecdan\t');
    } finally {
      admin.close();
    }
  });

  it('lists one domain with LIST "" "*@herdomain.net"', async () => {
    (await login('mercedesknight@herdomain.net')).close(); // autocreates herdomain.net!user.mercedesknight
    (await login('lukecage@hisdomain.com')).close();
    const admin = await login('admin');
    try {
      const lines = await admin.command('l1', 'LIST "" "*@herdomain.net"');
      expect(last(lines)).toBe('l1 OK LIST completed');
      expect(listed(lines)).toEqual(['user/jessica/Work@herdomain.net', 'user/jessica@herdomain.net', 'user/mercedesknight@herdomain.net'].sort());
    } finally {
      admin.close();
    }
  });

  it('sees other users\' mailboxes (l and a) but reads them only when the ACL grants it', async () => {
    const admin = await login('admin');
    try {
      expect(listed(await admin.command('l1', 'LIST "" "user/lukecage@hisdomain.com"'))).toEqual(['user/lukecage@hisdomain.com']);
      expect(last(await admin.command('s1', 'SELECT user/lukecage@hisdomain.com'))).toMatch(/^s1 NO /);
      expect(last(await admin.command('s2', 'STATUS user/lukecage@hisdomain.com (MESSAGES)'))).toMatch(/^s2 NO /);
      expect(last(await admin.command('d1', 'DELETE user/jessica@hisdomain.com'))).toMatch(/^d1 NO \[NOPERM\]/);
      // an admin may rename without the x right (Cyrus's isadmin)
      expect(last(await admin.command('r1', 'RENAME user/jessica/Work@herdomain.net user/jessica/Old@herdomain.net'))).toBe('r1 OK RENAME completed');
      // with rights in the ACL (what SETACL will do), it reads and deletes
      const inbox = 'hisdomain.com!user.lukecage';
      store().setAcl(inbox, `${store().lookup(inbox)!.acl}admin\tlrx\t`);
      expect(last(await admin.command('s3', 'EXAMINE user/lukecage@hisdomain.com'))).toMatch(/^s3 OK \[READ-ONLY\]/);
      store().setAcl('hisdomain.com!user.jessica', 'jessica@hisdomain.com\tlrswipkxtecdan\tadmin\tx\t');
      expect(last(await admin.command('d2', 'DELETE user/jessica@hisdomain.com'))).toBe('d2 OK DELETE completed');
      expect(store().lookup('hisdomain.com!user.jessica')).toBeNull();
    } finally {
      admin.close();
    }
  });
});

describe('a domain admin', () => {
  it('creates in its own domain only and sees nothing of the other', async () => {
    const herAdmin = await login('mercedesknight.admin@herdomain.net');
    try {
      expect(last(await herAdmin.command('c1', 'CREATE user/danny'))).toMatch(/^c1 OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
      expect(store().lookup('herdomain.net!user.danny')).not.toBeNull();
      expect(last(await herAdmin.command('c2', 'CREATE user/danny@hisdomain.com'))).toMatch(/^c2 NO /);
      expect(store().lookup('hisdomain.com!user.danny')).toBeNull();
      expect(listed(await herAdmin.command('l1', 'LIST "" "*@hisdomain.com"'))).toEqual([]);
      const all = listed(await herAdmin.command('l2', 'LIST "" "*"'));
      expect(all).toContain('user/mercedesknight');
      expect(all).toContain('user/danny');
      expect(all.some((name) => /lukecage|hisdomain|joe/.test(name))).toBe(false);
      expect(last(await herAdmin.command('s1', 'SELECT user/lukecage@hisdomain.com'))).toMatch(/^s1 NO /);
    } finally {
      herAdmin.close();
    }
  });
});

describe('users', () => {
  it('lukecage%hisdomain.com logs in to its own INBOX and sees only its domain', async () => {
    const luke = await login('lukecage%hisdomain.com');
    try {
      expect(last(await luke.command('s1', 'SELECT INBOX'))).toMatch(/^s1 OK \[READ-WRITE\]/);
      expect(listed(await luke.command('l1', 'LIST "" "*"'))).toEqual(['INBOX']);
      expect(listed(await luke.command('l2', 'LIST "" "*@herdomain.net"'))).toEqual([]);
    } finally {
      luke.close();
    }
    expect(store().lookup('hisdomain.com!user.lukecage')).not.toBeNull();
  });

  it('an unqualified user is in the default domain', async () => {
    for (const name of ['fred', 'fred@exampleisp.net', 'fred%exampleisp.net']) {
      const fred = await login(name);
      try {
        expect(last(await fred.command('s1', 'SELECT INBOX'))).toMatch(/^s1 OK \[READ-WRITE\]/);
      } finally {
        fred.close();
      }
    }
    expect(store().lookup('user.fred')).not.toBeNull();
    expect(store().lookup('exampleisp.net!user.fred')).toBeNull();
    const wrong = await RawClient.connect(server.port);
    expect(last(await wrong.command('l', 'LOGIN fred@hisdomain.com pass'))).toBe('l NO [AUTHENTICATIONFAILED] Authentication failed');
    wrong.close();
  });
});

describe('login penalty', () => {
  let slow: TestServer;
  beforeAll(async () => {
    slow = await startTestServer({ users: ['fred'], conf: ['auth_failure_delay: 1s', 'auth_failure_delay_max: 2s', 'auth_max_failures: 2'] });
  }, 60_000);
  afterAll(() => slow.close());

  it('failures grow the penalty; after auth_max_failures the connection is closed; a success forgives its account only', async () => {
    const from = { service: 'imap', tls: false, unixSocket: false, remoteAddress: '127.0.0.1' };
    const auth = slow.imap.deps.auth;
    const c = await RawClient.connect(slow.port);
    expect(auth.failureDelay(from)).toBe(0);
    expect(last(await c.command('a', 'LOGIN fred wrong'))).toBe('a NO [AUTHENTICATIONFAILED] Authentication failed');
    expect(auth.failureDelay(from)).toBe(1000);
    expect(c.closed).toBe(false);
    const second = await c.command('b', 'LOGIN ghost wrong');
    expect(last(second)).toBe('b NO [AUTHENTICATIONFAILED] Authentication failed');
    expect(auth.failureDelay(from)).toBe(2000);
    await c.readUntil(() => false, 2000).catch((err: Error) => expect(err.message).toMatch(/connection closed/));
    expect(c.closed).toBe(true);
    // a new connection from the address keeps the address's count; fred's success forgives fred's failure only
    const again = await RawClient.connect(slow.port);
    expect(auth.failureDelay(from)).toBe(2000);
    expect(last(await again.command('c', 'LOGIN fred pass'))).toMatch(/^c OK /);
    expect(auth.failureDelay(from)).toBe(1000);
    again.close();
  }, 15_000);
});
