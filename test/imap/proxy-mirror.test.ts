// Murder frontend IMAP: relayed commands that change the mailbox list (CREATE, DELETE, RENAME,
// SETACL, DELETEACL) leave the frontend's mirror showing the change before the client hears OK;
// subscriptions live on the user's INBOX backend; LIST and LIST-STATUS see remote mailboxes.
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from './harness.js';
import { MESSAGE, startMurder, type Murder } from './proxy-murder.js';

let murder: Murder;
beforeAll(async () => {
  murder = await startMurder({ frontendConf: ['serverlist: 127.0.0.3'] });
  murder.mailbox('127.0.0.2', 'user.fred');
  murder.mailbox('127.0.0.2', 'user.fred.Work');
  murder.mailbox('127.0.0.3', 'user.fred.Archive');
  murder.mailbox('127.0.0.3', 'user.wilma');
  murder.mailbox('127.0.0.3', 'shared');
});
afterAll(async () => {
  await murder?.close();
});

const front = () => murder.frontend.imap.deps.store;
const back = (server: string) => murder.backends.get(server)!.imap.deps.store;

async function login(user = 'fred'): Promise<RawClient> {
  const c = await RawClient.connect(murder.frontend.port);
  expect((await c.command('L', `LOGIN ${user} pass`)).at(-1)).toMatch(/^L OK/);
  return c;
}

describe('IMAP proxy: the mirror follows relayed changes', () => {
  it('CREATE goes to the backend of the nearest ancestor, and LIST sees it at once (imapflow)', async () => {
    const c = new ImapFlow({ host: murder.frontend.host, port: murder.frontend.port, secure: false, auth: { user: 'fred', pass: 'pass' }, logger: false });
    await c.connect();
    try {
      await c.mailboxCreate('Work/Projects');
      await c.mailboxCreate('Archive/2024');
      const names = (await c.list()).map((m) => m.path);
      expect(names).toEqual(expect.arrayContaining(['Work/Projects', 'Archive/2024']));
      const work = (await c.list()).find((m) => m.path === 'Work')!;
      expect(work.flags.has('\\HasChildren')).toBe(true);
    } finally {
      await c.logout();
    }
    expect(back('127.0.0.2').lookup('user.fred.Work.Projects')).not.toBeNull();
    expect(back('127.0.0.3').lookup('user.fred.Archive.2024')).not.toBeNull();
    expect(front().lookup('user.fred.Work.Projects')).toMatchObject({ server: '127.0.0.2', type: ['remote'] });
    expect(front().lookup('user.fred.Archive.2024')).toMatchObject({ server: '127.0.0.3' });
  });

  it('CREATE of a new top-level personal folder goes to the INBOX backend; a shared one by serverlist', async () => {
    const c = await login('admin');
    expect((await c.command('A1', 'CREATE newtop')).at(-1)).toMatch(/^A1 OK/);
    c.close();
    expect(back('127.0.0.3').lookup('newtop')).not.toBeNull();
    expect(front().lookup('newtop')).toMatchObject({ server: '127.0.0.3' });
    const f = await login();
    expect((await f.command('F1', 'CREATE Fresh')).at(-1)).toMatch(/^F1 OK/);
    expect(back('127.0.0.2').lookup('user.fred.Fresh')).not.toBeNull();
    const listed = await f.command('F2', 'LIST "" Fresh');
    expect(listed[0]).toBe('* LIST (\\HasNoChildren) "/" Fresh');
    f.close();
  });

  it('CREATE name server!partition: an administrator picks the backend (and partition); nobody else may', async () => {
    const c = await login('admin');
    expect((await c.command('P1', 'CREATE placed 127.0.0.2!default')).at(-1)).toMatch(/^P1 OK/);
    expect(back('127.0.0.2').lookup('placed')).toMatchObject({ partition: 'default' });
    expect(back('127.0.0.3').lookup('placed')).toBeNull();
    expect(front().lookup('placed')).toMatchObject({ server: '127.0.0.2', partition: 'default' });
    // A bare "server!" leaves the partition to the backend; serverlist (127.0.0.3) is not asked.
    expect((await c.command('P2', 'CREATE "placed two" 127.0.0.2!')).at(-1)).toMatch(/^P2 OK/);
    expect(back('127.0.0.2').lookup('placed two')).not.toBeNull();
    expect(front().lookup('placed two')).toMatchObject({ server: '127.0.0.2' });
    // The backend's own answer for a partition it lacks; the mirror gains nothing.
    expect((await c.command('P3', 'CREATE nowhere 127.0.0.2!nosuch')).at(-1)).toMatch(/^P3 NO/);
    expect(front().lookup('nowhere')).toBeNull();
    expect((await c.command('P4', 'CREATE nowhere !default')).at(-1)).toMatch(/^P4 BAD/);
    c.close();
    const f = await login();
    expect((await f.command('F1', 'CREATE Mine 127.0.0.3!default')).at(-1)).toBe('F1 NO [NOPERM] Only administrators may choose a server or partition');
    expect(back('127.0.0.3').lookup('user.fred.Mine')).toBeNull();
    expect(back('127.0.0.2').lookup('user.fred.Mine')).toBeNull();
    expect(front().lookup('user.fred.Mine')).toBeNull();
    f.close();
  });

  it('RENAME within a backend moves the mirror entries; across backends it is refused', async () => {
    const c = await login();
    expect((await c.command('R1', 'CREATE Work/Old')).at(-1)).toMatch(/^R1 OK/);
    expect((await c.command('R2', 'RENAME Work/Old Work/New')).at(-1)).toMatch(/^R2 OK/);
    expect(front().lookup('user.fred.Work.Old')).toBeNull();
    expect(front().lookup('user.fred.Work.New')).toMatchObject({ server: '127.0.0.2' });
    expect(back('127.0.0.2').lookup('user.fred.Work.New')).not.toBeNull();
    expect((await c.command('R3', 'RENAME Work/New Archive/New')).at(-1)).toMatch(/^R3 NO Cannot rename a mailbox to another server/);
    expect(back('127.0.0.2').lookup('user.fred.Work.New')).not.toBeNull();
    c.close();
  });

  it('DELETE removes the mirror entry before OK', async () => {
    const c = await login();
    expect((await c.command('D0', 'CREATE Scratch')).at(-1)).toMatch(/^D0 OK/);
    expect((await c.command('D1', 'DELETE Scratch')).at(-1)).toMatch(/^D1 OK/);
    expect(front().lookup('user.fred.Scratch')).toBeNull();
    expect(back('127.0.0.2').lookup('user.fred.Scratch')).toBeNull();
    expect(await c.command('D2', 'LIST "" Scratch')).toEqual(['D2 OK LIST completed']);
    c.close();
  });

  it('SETACL and DELETEACL reach the backend and the mirror, so LIST shows the mailbox to the new reader', async () => {
    const c = await login();
    expect((await c.command('S1', 'SETACL Archive wilma lr')).at(-1)).toMatch(/^S1 OK/);
    expect(front().lookup('user.fred.Archive')!.acl).toContain('wilma\tlr\t');
    expect(back('127.0.0.3').lookup('user.fred.Archive')!.acl).toContain('wilma\tlr\t');
    const w = await login('wilma');
    const seen = await w.command('W1', 'LIST "" "Other Users/fred/*"');
    // Archive/2024 got fred's ACL of that moment, without wilma: she sees no children.
    expect(seen).toEqual(['* LIST (\\HasNoChildren) "/" "Other Users/fred/Archive"', 'W1 OK LIST completed']);
    // Found by its ACL too (a LIST of everything wilma may see).
    expect(await w.command('W4', 'LIST "" "*"')).toContain('* LIST (\\HasNoChildren) "/" "Other Users/fred/Archive"');
    const rights = await w.command('W2', 'MYRIGHTS "Other Users/fred/Archive"');
    expect(rights[0]).toBe('* MYRIGHTS "Other Users/fred/Archive" lr');
    expect((await c.command('S2', 'DELETEACL Archive wilma')).at(-1)).toMatch(/^S2 OK/);
    expect(front().lookup('user.fred.Archive')!.acl).not.toContain('wilma');
    expect(await w.command('W3', 'LIST "" "Other Users/fred/*"')).toEqual(['W3 OK LIST completed']);
    c.close();
    w.close();
  });

  it('SUBSCRIBE and LSUB go to the INBOX backend', async () => {
    const c = await login();
    expect((await c.command('U1', 'SUBSCRIBE Archive')).at(-1)).toMatch(/^U1 OK/);
    expect(back('127.0.0.2').subscriptions('fred')).toContain('user.fred.Archive');
    // imapflow's mailboxCreate above subscribed its new mailboxes: on that backend too.
    expect(await c.command('U2', 'LSUB "" "*"')).toEqual(['* LSUB () "/" Archive', '* LSUB () "/" Archive/2024', '* LSUB () "/" Work/Projects', 'U2 OK LSUB completed']);
    // LIST-EXTENDED answers from the subscriptions the INBOX backend keeps (made there directly too).
    back('127.0.0.2').subscribe('fred', 'user.fred.Work');
    const listed = await c.command('U4', 'LIST (SUBSCRIBED) "" "*"');
    expect(listed).toEqual(expect.arrayContaining(['* LIST (\\Subscribed \\HasChildren) "/" Archive', '* LIST (\\Subscribed \\HasChildren) "/" Work']));
    expect((await c.command('U3', 'UNSUBSCRIBE Archive')).at(-1)).toMatch(/^U3 OK/);
    expect(back('127.0.0.2').subscriptions('fred')).not.toContain('user.fred.Archive');
    const after = await c.command('U5', 'LIST "" "*" RETURN (SUBSCRIBED)');
    expect(after).toContain('* LIST (\\HasChildren) "/" Archive');
    c.close();
  });

  it('LIST-STATUS of remote mailboxes asks their backends', async () => {
    const direct = await RawClient.connect(murder.port, '127.0.0.3');
    await direct.command('L', 'LOGIN fred pass');
    const message = MESSAGE('status');
    direct.write(`A APPEND Archive {${message.length}+}\r\n${message}\r\n`);
    await direct.readUntil((l) => l.startsWith('A '));
    direct.close();
    const c = await login();
    const listed = await c.command('T1', 'LIST "" "Archive" RETURN (STATUS (MESSAGES))');
    expect(listed).toEqual(['* LIST (\\HasChildren) "/" Archive', '* STATUS Archive (MESSAGES 1)', 'T1 OK LIST completed']);
    c.close();
  });

  it('an administrator deleting a user through the frontend removes all of the user\'s mirror entries', async () => {
    murder.mailbox('127.0.0.3', 'user.barney');
    murder.mailbox('127.0.0.3', 'user.barney.Sent');
    const admin = await login('admin');
    expect((await admin.command('X1', 'SETACL user/barney admin lrswipkxtecdan')).at(-1)).toMatch(/^X1 OK/);
    expect((await admin.command('X2', 'DELETE user/barney')).at(-1)).toMatch(/^X2 OK/);
    admin.close();
    expect(back('127.0.0.3').lookup('user.barney.Sent')).toBeNull();
    expect(front().lookup('user.barney')).toBeNull();
    expect(front().lookup('user.barney.Sent')).toBeNull();
  });
});
