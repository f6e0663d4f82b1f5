import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { last, loggedIn } from './helpers.js';

let server: TestServer;
const otherPartition = mkdtempSync(join(tmpdir(), 'cyrusts-partition-'));
beforeAll(async () => {
  server = await startTestServer({ users: ['fred', 'admin', 'bob'], conf: [`partition-other: ${otherPartition}`] });
}, 60_000);
afterAll(async () => {
  await server.close();
  rmSync(otherPartition, { recursive: true, force: true });
});

const names = async (c: Awaited<ReturnType<typeof loggedIn>>, pattern = '*'): Promise<string[]> =>
  (await c.command('ls', `LIST "" "${pattern}"`)).filter((l) => l.startsWith('* LIST'));

describe('CREATE', () => {
  it('creates, with intermediate names and a trailing separator dropped', async () => {
    const c = await loggedIn(server);
    expect(last(await c.command('c1', 'CREATE Work/2024/Q1'))).toMatch(/^c1 OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
    expect(last(await c.command('c2', 'CREATE Trail/'))).toMatch(/^c2 OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
    expect(await names(c, 'Work*')).toEqual(['* LIST (\\HasChildren) "/" Work', '* LIST (\\HasChildren) "/" Work/2024', '* LIST (\\HasNoChildren) "/" Work/2024/Q1']);
    expect(server.imap.deps.store.lookup('user.fred.Trail')).not.toBeNull();
    expect(server.imap.deps.store.lookup('user.fred.Work.2024')?.acl).toBe('fred\tlrswipkxtecdan\t');
    c.close();
  });

  it('refuses existing names with ALREADYEXISTS, INBOX in any case included', async () => {
    const c = await loggedIn(server);
    await c.command('c0', 'CREATE Dup');
    expect(last(await c.command('c1', 'CREATE Dup'))).toBe('c1 NO [ALREADYEXISTS] Mailbox already exists');
    for (const inbox of ['INBOX', 'inbox', 'InBoX']) expect(last(await c.command('c2', `CREATE ${inbox}`))).toBe('c2 NO [ALREADYEXISTS] Mailbox already exists');
    c.close();
  });

  it('refuses bad names: "%", empty components, 8-bit bytes, broken modified UTF-7', async () => {
    const c = await loggedIn(server);
    for (const bad of ['"a%b"', '"a//b"', '"/a"', '"&Jjo"', '"&AGE-"', '"a&b"', '"\u00e9t\u00e9"', '"Shared Folders"', '"Other Users"']) {
      expect(last(await c.command('b', `CREATE ${bad}`)), bad).toMatch(/^b NO /);
    }
    expect(last(await c.command('u1', 'CREATE "&Jjo-"'))).toMatch(/^u1 OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
    expect(last(await c.command('u2', 'CREATE "a&-b"'))).toMatch(/^u2 OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
    expect(last(await c.command('u3', 'CREATE "dots.ok"'))).toMatch(/^u3 OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
    expect(server.imap.deps.store.lookup('user.fred.dots^ok')).not.toBeNull();
    expect((await names(c, '&Jjo-'))[0]).toBe('* LIST (\\HasNoChildren) "/" &Jjo-');
    c.close();
  });

  it('takes "*" in a name as Cyrus 3.6 does: created, listed by patterns as a plain character, renamed and deleted by name', async () => {
    const c = await loggedIn(server);
    expect(last(await c.command('s1', 'CREATE "st*r"'))).toMatch(/^s1 OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
    await c.command('s2', 'CREATE stxr');
    expect(await names(c, 'st*r')).toEqual(['* LIST (\\HasNoChildren) "/" "st*r"', '* LIST (\\HasNoChildren) "/" stxr']);
    expect(await names(c, 'st%')).toEqual(['* LIST (\\HasNoChildren) "/" "st*r"', '* LIST (\\HasNoChildren) "/" stxr']);
    expect(last(await c.command('s3', 'RENAME "st*r" "c*d"'))).toBe('s3 OK RENAME completed');
    expect(server.imap.deps.store.lookup('user.fred.c*d')).not.toBeNull();
    expect(last(await c.command('s4', 'DELETE "c*d"'))).toBe('s4 OK DELETE completed');
    expect(server.imap.deps.store.lookup('user.fred.c*d')).toBeNull();
    expect(server.imap.deps.store.lookup('user.fred.stxr')).not.toBeNull();
    c.close();
  });

  it('applies CREATE-SPECIAL-USE and refuses unknown uses with USEATTR', async () => {
    const c = await loggedIn(server);
    expect(last(await c.command('s1', 'CREATE Spam (USE (\\Junk))'))).toMatch(/^s1 OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
    expect(await names(c, 'Spam')).toEqual(['* LIST (\\HasNoChildren \\Junk) "/" Spam']);
    expect(last(await c.command('s2', 'CREATE Odd (USE (\\Bogus))'))).toMatch(/^s2 NO \[USEATTR\]/);
    expect(server.imap.deps.store.lookup('user.fred.Odd')).toBeNull();
    c.close();
  });

  it('lets only admins create shared folders, other users and name a partition', async () => {
    const c = await loggedIn(server);
    expect(last(await c.command('p1', 'CREATE "Shared Folders/news"'))).toBe('p1 NO [NOPERM] Permission denied');
    expect(last(await c.command('p2', 'CREATE "Other Users/bob/x"'))).toBe('p2 NO [NOPERM] Permission denied');
    expect(last(await c.command('p3', 'CREATE Mine default'))).toBe('p3 NO [NOPERM] Only administrators may choose a partition');
    const a = await loggedIn(server, 'admin');
    expect(last(await a.command('a1', 'CREATE news default'))).toMatch(/^a1 OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
    expect(last(await a.command('a2', 'CREATE news2 nosuchpartition'))).toBe('a2 NO [CANNOT] Unknown partition');
    expect(last(await a.command('a3', 'CREATE user/carol'))).toMatch(/^a3 OK \[MAILBOXID \([\w-]+\)\] CREATE completed$/);
    expect(server.imap.deps.store.lookup('user.carol')?.acl).toBe('carol\tlrswipkxtecdan\t');
    a.close();
    c.close();
  });
});

describe('DELETE', () => {
  it('deletes a mailbox; one with children leaves a \\Noselect name that cannot be deleted again', async () => {
    const c = await loggedIn(server);
    await c.command('d0', 'CREATE Tree/Leaf');
    expect(last(await c.command('d1', 'DELETE Tree'))).toBe('d1 OK DELETE completed');
    expect(await names(c, 'Tree%')).toEqual(['* LIST (\\Noselect \\HasChildren) "/" Tree']);
    expect(last(await c.command('d2', 'DELETE Tree'))).toBe('d2 NO [HASCHILDREN] Mailbox has inferior hierarchical names and is not selectable');
    expect(last(await c.command('d3', 'DELETE Tree/Leaf'))).toBe('d3 OK DELETE completed');
    expect(last(await c.command('d4', 'DELETE Tree'))).toBe('d4 NO [NONEXISTENT] Mailbox does not exist');
    expect(last(await c.command('d5', 'DELETE Nowhere'))).toBe('d5 NO [NONEXISTENT] Mailbox does not exist');
    c.close();
  });

  it('refuses INBOX for its owner in any case', async () => {
    const c = await loggedIn(server);
    for (const inbox of ['INBOX', 'inbox', 'Inbox']) expect(last(await c.command('i', `DELETE ${inbox}`))).toBe('i NO [CANNOT] The INBOX cannot be deleted');
    c.close();
  });

  it('needs the x right, and hides mailboxes the user cannot see', async () => {
    server.imap.deps.store.createMailbox('public', { acl: 'admin\tlrswipkxtecdan\tanyone\tlr\t' });
    server.imap.deps.store.createMailbox('secret', { acl: 'admin\tlrswipkxtecdan\t' });
    const c = await loggedIn(server);
    expect(last(await c.command('x1', 'DELETE "Shared Folders/public"'))).toMatch(/^x1 NO \[NOPERM\]/);
    expect(last(await c.command('x2', 'DELETE "Shared Folders/secret"'))).toMatch(/^x2 NO \[NONEXISTENT\]/);
    c.close();
  });

  it('deselects the selected mailbox it deletes', async () => {
    const c = await loggedIn(server);
    await c.command('s0', 'CREATE Gone');
    await c.command('s1', 'SELECT Gone');
    expect(last(await c.command('s2', 'DELETE Gone'))).toBe('s2 OK DELETE completed');
    expect(last(await c.command('s3', 'FETCH 1 FLAGS'))).toMatch(/^s3 BAD/);
    c.close();
  });
});

describe('RENAME', () => {
  it('renames a subtree, its subscriptions following', async () => {
    const c = await loggedIn(server);
    await c.command('r0', 'CREATE Old/Kid');
    await c.command('r1', 'SUBSCRIBE Old/Kid');
    expect(last(await c.command('r2', 'RENAME Old New'))).toBe('r2 OK RENAME completed');
    expect(await names(c, 'New*')).toEqual(['* LIST (\\HasChildren) "/" New', '* LIST (\\HasNoChildren) "/" New/Kid']);
    expect(await names(c, 'Old*')).toEqual([]);
    expect((await c.command('r3', 'LSUB "" "*Kid"')).slice(0, -1)).toEqual(['* LSUB () "/" New/Kid']);
    c.close();
  });

  it('refuses missing sources, existing targets, INBOX as target and moves into itself', async () => {
    const c = await loggedIn(server);
    await c.command('r0', 'CREATE RA');
    await c.command('r1', 'CREATE RB');
    expect(last(await c.command('r2', 'RENAME Missing X'))).toBe('r2 NO [NONEXISTENT] Mailbox does not exist');
    expect(last(await c.command('r3', 'RENAME RA RB'))).toBe('r3 NO [ALREADYEXISTS] Mailbox already exists');
    expect(last(await c.command('r4', 'RENAME RA inbox'))).toBe('r4 NO [ALREADYEXISTS] Mailbox already exists');
    expect(last(await c.command('r5', 'RENAME RA RA/Sub'))).toBe('r5 NO [CANNOT] Cannot rename a mailbox into itself');
    expect(last(await c.command('r6', 'RENAME RA "&Jjo"'))).toBe('r6 NO [CANNOT] Invalid mailbox name');
    expect(last(await c.command('r7', 'RENAME RA RC default'))).toBe('r7 NO [NOPERM] Only administrators may choose a partition');
    c.close();
  });

  it('RENAME INBOX moves its messages to the new mailbox and leaves INBOX empty', async () => {
    const c = await loggedIn(server, 'bob');
    await c.command('i0', 'CREATE INBOX/child');
    for (const text of ['one', 'two']) await c.command('a', `APPEND INBOX (\\Flagged) {${text.length}+}\r\n${text}`);
    // The messages leave INBOX in one store step: no commit ever shows them \Deleted, one modseq.
    const store = server.imap.deps.store;
    const inboxModseq = (): number => {
      const inbox = store.openMailbox('user.bob');
      try {
        return inbox.status().highestModseq;
      } finally {
        inbox.close();
      }
    };
    const flaggedSeen: string[] = [];
    const stop = store.onChange((name) => {
      if (name !== 'user.bob') return;
      const inbox = store.openMailbox(name);
      try {
        for (const r of inbox.records(Array.from(inbox.snapshot().uids))) if (r.flags.includes('\\Deleted')) flaggedSeen.push(`${r.uid}`);
      } finally {
        inbox.close();
      }
    });
    const before = inboxModseq();
    const renamed = await c.command('i1', 'RENAME inbox Saved');
    stop();
    expect(last(renamed)).toBe('i1 OK RENAME completed');
    expect(flaggedSeen).toEqual([]);
    expect(inboxModseq()).toBe(before + 1);
    expect((await c.command('i2', 'STATUS INBOX (MESSAGES)'))[0]).toBe('* STATUS INBOX (MESSAGES 0)');
    expect((await c.command('i3', 'STATUS Saved (MESSAGES)'))[0]).toBe('* STATUS Saved (MESSAGES 2)');
    expect(await names(c, 'INBOX*')).toEqual(['* LIST (\\HasChildren) "/" INBOX', '* LIST (\\HasNoChildren) "/" INBOX/child']);
    await c.command('i4', 'EXAMINE Saved');
    expect((await c.command('i5', 'FETCH 1:* (FLAGS)')).slice(0, 2)).toEqual(['* 1 FETCH (FLAGS (\\Flagged \\Recent))', '* 2 FETCH (FLAGS (\\Flagged \\Recent))']);
    c.close();
  });

  it('lets an admin move a mailbox to another partition', async () => {
    const a = await loggedIn(server, 'admin');
    await a.command('m0', 'CREATE tomove');
    // A new top-level mailbox gets defaultacl (anyone lrs): the admin grants itself the rest, as in Cyrus.
    await a.command('m0', 'SETACL tomove admin lrswipkxtean');
    await a.command('m0', 'APPEND tomove {5+}\r\nhello');
    expect(last(await a.command('m1', 'RENAME tomove tomove default'))).toMatch(/^m1 NO \[CANNOT\]/);
    expect(last(await a.command('m2', 'RENAME tomove tomove other'))).toBe('m2 OK RENAME completed');
    expect(server.imap.deps.store.lookup('tomove')?.partition).toBe('other');
    expect(last(await a.command('m3', 'RENAME tomove moved default'))).toBe('m3 OK RENAME completed');
    expect(server.imap.deps.store.lookup('moved')?.partition).toBe('default');
    expect((await a.command('m4', 'STATUS moved (MESSAGES)'))[0]).toBe('* STATUS moved (MESSAGES 1)');
    a.close();
  });
});
