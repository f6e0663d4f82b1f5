import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { last, loggedIn, uidValidityOf } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  const c = await loggedIn(server);
  for (const cmd of ['CREATE Fruit/Apple', 'CREATE Fruit/Banana', 'CREATE "Tofu/Firm"', 'CREATE Sent (USE (\\Sent))', 'CREATE "Caf&AOk-"', 'CREATE "with space"', 'CREATE INBOX/Sub']) {
    await c.command('c', cmd);
  }
  await c.command('d', 'DELETE Tofu');
  await c.command('s', 'SUBSCRIBE Fruit/Banana');
  await c.command('s', 'SUBSCRIBE Tofu/Firm');
  c.close();
  server.imap.deps.store.createMailbox('news', { acl: 'admin\tlrswipkxtecdan\tanyone\tlr\t' });
  server.imap.deps.store.createMailbox('news.local', { acl: 'admin\tlrswipkxtecdan\tanyone\tlr\t' });
  server.imap.deps.store.createMailbox('hidden', { acl: 'admin\tlrswipkxtecdan\t' });
}, 60_000);
afterAll(async () => {
  await server.close();
});

describe('LIST', () => {
  it('gives the delimiter for an empty pattern', async () => {
    const c = await loggedIn(server);
    expect(await c.command('l', 'LIST "" ""')).toEqual(['* LIST (\\Noselect) "/" ""', 'l OK LIST completed']);
    c.close();
  });

  it('lists with "*": children attributes, special use, names quoted or not as needed', async () => {
    const c = await loggedIn(server);
    expect(await c.command('l', 'LIST "" *')).toEqual([
      '* LIST (\\HasChildren) "/" INBOX',
      '* LIST (\\HasNoChildren) "/" INBOX/Sub',
      '* LIST (\\HasNoChildren) "/" Caf&AOk-',
      '* LIST (\\HasChildren) "/" Fruit',
      '* LIST (\\HasNoChildren) "/" Fruit/Apple',
      '* LIST (\\HasNoChildren) "/" Fruit/Banana',
      '* LIST (\\HasNoChildren \\Sent) "/" Sent',
      '* LIST (\\HasNoChildren) "/" Tofu/Firm',
      '* LIST (\\HasNoChildren) "/" "with space"',
      '* LIST (\\HasChildren) "/" "Shared Folders/news"',
      '* LIST (\\HasNoChildren) "/" "Shared Folders/news/local"',
      'l OK LIST completed',
    ]);
    c.close();
  });

  it('lists with "%": parents that are not mailboxes are \\Noselect (\\NonExistent when extended)', async () => {
    const c = await loggedIn(server);
    const plain = await c.command('l1', 'LIST "" %');
    expect(plain).toContain('* LIST (\\Noselect \\HasChildren) "/" Tofu');
    expect(plain).toContain('* LIST (\\Noselect \\HasChildren) "/" "Shared Folders"');
    expect(plain).not.toContain('* LIST (\\HasNoChildren) "/" Fruit/Apple');
    const extended = await c.command('l2', 'LIST () "" % RETURN (CHILDREN)');
    expect(extended).toContain('* LIST (\\NonExistent \\HasChildren) "/" Tofu');
    expect(await c.command('l3', 'LIST "Fruit/" %')).toEqual(['* LIST (\\HasNoChildren) "/" Fruit/Apple', '* LIST (\\HasNoChildren) "/" Fruit/Banana', 'l3 OK LIST completed']);
    expect(await c.command('l4', 'LIST "" "Shared Folders/%"')).toEqual(['* LIST (\\HasChildren) "/" "Shared Folders/news"', 'l4 OK LIST completed']);
    c.close();
  });

  it('matches INBOX in any case and lists it for its owner', async () => {
    const c = await loggedIn(server);
    for (const p of ['inbox', 'InBox', 'INBOX']) expect((await c.command('l', `LIST "" ${p}`))[0]).toBe('* LIST (\\HasChildren) "/" INBOX');
    expect((await c.command('l', 'LIST "" inbox/%'))[0]).toBe('* LIST (\\HasNoChildren) "/" INBOX/Sub');
    c.close();
  });

  it('never shows what the user may not look up', async () => {
    const c = await loggedIn(server);
    expect((await c.command('l', 'LIST "" *')).join('\n')).not.toMatch(/hidden/);
    expect(await c.command('l', 'LIST "" "Other Users/*"')).toEqual(['l OK LIST completed']);
    c.close();
  });

  it('LIST-EXTENDED: SUBSCRIBED selection, RECURSIVEMATCH with CHILDINFO, several patterns, SPECIAL-USE', async () => {
    const c = await loggedIn(server);
    expect(await c.command('e1', 'LIST (SUBSCRIBED) "" *')).toEqual([
      '* LIST (\\Subscribed \\HasChildren) "/" INBOX',
      '* LIST (\\Subscribed \\HasNoChildren) "/" Fruit/Banana',
      '* LIST (\\Subscribed \\HasNoChildren) "/" Tofu/Firm',
      'e1 OK LIST completed',
    ]);
    expect(await c.command('e2', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" %')).toEqual([
      '* LIST (\\Subscribed \\HasChildren) "/" INBOX',
      '* LIST (\\HasChildren) "/" Fruit ("CHILDINFO" ("SUBSCRIBED"))',
      '* LIST (\\NonExistent \\HasChildren) "/" Tofu ("CHILDINFO" ("SUBSCRIBED"))',
      'e2 OK LIST completed',
    ]);
    expect(await c.command('e3', 'LIST "" (Fruit Sent) RETURN (SUBSCRIBED)')).toEqual([
      '* LIST (\\HasChildren) "/" Fruit',
      '* LIST (\\HasNoChildren \\Sent) "/" Sent',
      'e3 OK LIST completed',
    ]);
    expect(await c.command('e4', 'LIST (SPECIAL-USE) "" *')).toEqual(['* LIST (\\HasNoChildren \\Sent) "/" Sent', 'e4 OK LIST completed']);
    expect(await c.command('e5', 'LIST (REMOTE) "" Fruit')).toEqual(['* LIST (\\HasChildren) "/" Fruit', 'e5 OK LIST completed']);
    expect(last(await c.command('e6', 'LIST (RECURSIVEMATCH) "" *'))).toMatch(/^e6 BAD/);
    expect(last(await c.command('e7', 'LIST (BOGUS) "" *'))).toMatch(/^e7 BAD/);
    c.close();
  });

  it('LIST-STATUS: a STATUS after each selectable mailbox only', async () => {
    const c = await loggedIn(server);
    await c.command('a', 'APPEND Fruit/Apple (\\Seen) {3+}\r\nabc');
    await c.command('a', 'APPEND Fruit/Apple {4+}\r\nabcd');
    const v = uidValidityOf(server, 'user.fred.Fruit.Apple');
    expect(await c.command('s', 'LIST "" (Fruit/% Tofu) RETURN (STATUS (MESSAGES UNSEEN UIDVALIDITY SIZE))')).toEqual([
      '* LIST (\\HasNoChildren) "/" Fruit/Apple',
      `* STATUS Fruit/Apple (MESSAGES 2 UNSEEN 1 UIDVALIDITY ${v} SIZE 7)`,
      '* LIST (\\HasNoChildren) "/" Fruit/Banana',
      `* STATUS Fruit/Banana (MESSAGES 0 UNSEEN 0 UIDVALIDITY ${uidValidityOf(server, 'user.fred.Fruit.Banana')} SIZE 0)`,
      '* LIST (\\NonExistent \\HasChildren) "/" Tofu',
      's OK LIST completed',
    ]);
    const tofu = await c.command('t', 'LIST "" % RETURN (STATUS (MESSAGES))');
    expect(tofu).toContain('* LIST (\\NonExistent \\HasChildren) "/" Tofu');
    expect(tofu.join('\n')).not.toMatch(/STATUS Tofu /);
    c.close();
  });
});

describe('LSUB, SUBSCRIBE, UNSUBSCRIBE', () => {
  it('lists subscriptions with \\Noselect parents for "%"', async () => {
    const c = await loggedIn(server);
    expect(await c.command('l1', 'LSUB "" *')).toEqual(['* LSUB () "/" INBOX', '* LSUB () "/" Fruit/Banana', '* LSUB () "/" Tofu/Firm', 'l1 OK LSUB completed']);
    expect(await c.command('l2', 'LSUB "" %')).toEqual(['* LSUB () "/" INBOX', '* LSUB (\\Noselect) "/" Fruit', '* LSUB (\\Noselect) "/" Tofu', 'l2 OK LSUB completed']);
    expect(await c.command('l3', 'LSUB "" ""')).toEqual(['* LSUB (\\Noselect) "/" ""', 'l3 OK LSUB completed']);
    c.close();
  });

  it('subscribes to visible mailboxes only; unsubscribing is always fine', async () => {
    const c = await loggedIn(server);
    expect(last(await c.command('s1', 'SUBSCRIBE Nope'))).toBe('s1 NO [NONEXISTENT] Mailbox does not exist');
    expect(last(await c.command('s2', 'SUBSCRIBE "Shared Folders/hidden"'))).toBe('s2 NO [NONEXISTENT] Mailbox does not exist');
    expect(last(await c.command('s3', 'SUBSCRIBE "Shared Folders/news"'))).toBe('s3 OK SUBSCRIBE completed');
    expect((await c.command('s4', 'LSUB "" "Shared*"'))[0]).toBe('* LSUB () "/" "Shared Folders/news"');
    expect(last(await c.command('s5', 'UNSUBSCRIBE "Shared Folders/news"'))).toBe('s5 OK UNSUBSCRIBE completed');
    expect(last(await c.command('s6', 'UNSUBSCRIBE NeverWas'))).toBe('s6 OK UNSUBSCRIBE completed');
    expect(await c.command('s7', 'LSUB "" "Shared*"')).toEqual(['s7 OK LSUB completed']);
    c.close();
  });
});

describe('STATUS', () => {
  it('answers every item, for the selected mailbox too', async () => {
    const c = await loggedIn(server);
    await c.command('a', 'APPEND INBOX (\\Seen \\Deleted) {3+}\r\nabc');
    await c.command('a', 'APPEND INBOX {5+}\r\nabcde');
    const v = uidValidityOf(server, 'user.fred');
    const all = await c.command('s1', 'STATUS inbox (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE DELETED)');
    expect(all).toEqual([`* STATUS INBOX (MESSAGES 2 RECENT 2 UIDNEXT 3 UIDVALIDITY ${v} UNSEEN 1 SIZE 8 DELETED 1)`, 's1 OK STATUS completed']);
    await c.command('sel', 'SELECT INBOX');
    // The selected mailbox's RECENT counts the messages \Recent to this session (as Cyrus and Dovecot do).
    expect((await c.command('s2', 'STATUS INBOX (MESSAGES RECENT)'))[0]).toBe('* STATUS INBOX (MESSAGES 2 RECENT 2)');
    expect(await c.command('f', 'FETCH 1:* (FLAGS)')).toEqual(['* 1 FETCH (FLAGS (\\Deleted \\Seen \\Recent))', '* 2 FETCH (FLAGS (\\Recent))', 'f OK FETCH completed']);
    // ...and those no session claimed yet; another session (INBOX not selected) counts only those.
    const other = await loggedIn(server);
    await other.command('a', 'APPEND INBOX {2+}\r\nxy');
    expect((await other.command('o1', 'STATUS INBOX (RECENT)'))[0]).toBe('* STATUS INBOX (RECENT 1)');
    expect((await c.command('s2b', 'STATUS INBOX (MESSAGES RECENT)'))[0]).toBe('* STATUS INBOX (MESSAGES 3 RECENT 3)');
    expect(await c.command('l2', 'LIST "" INBOX RETURN (STATUS (RECENT))')).toContain('* STATUS INBOX (RECENT 3)');
    // The sync after that STATUS claimed the third for this session: nobody else sees it \Recent.
    expect((await other.command('o2', 'STATUS INBOX (RECENT)'))[0]).toBe('* STATUS INBOX (RECENT 0)');
    other.close();
    expect((await c.command('s3', 'STATUS "with space" (UIDNEXT)'))[0]).toBe('* STATUS "with space" (UIDNEXT 1)');
    expect(last(await c.command('s4', 'STATUS Nope (MESSAGES)'))).toBe('s4 NO [NONEXISTENT] Mailbox does not exist');
    expect(last(await c.command('s5', 'STATUS "Shared Folders/hidden" (MESSAGES)'))).toMatch(/^s5 NO \[NONEXISTENT\]/);
    c.close();
  });

  it('counts DELETED as flags change and after EXPUNGE, in STATUS and LIST-STATUS', async () => {
    const c = await loggedIn(server);
    await c.command('c', 'CREATE Bin');
    for (let i = 0; i < 4; i++) await c.command('a', 'APPEND Bin {3+}\r\nabc');
    const status = async (): Promise<string> => (await c.command('s', 'STATUS Bin (DELETED MESSAGES)'))[0]!;
    expect(await status()).toBe('* STATUS Bin (DELETED 0 MESSAGES 4)');
    await c.command('sel', 'SELECT Bin');
    await c.command('st', 'STORE 1:3 +FLAGS.SILENT (\\Deleted)');
    expect(await status()).toBe('* STATUS Bin (DELETED 3 MESSAGES 4)');
    await c.command('st', 'STORE 2 -FLAGS.SILENT (\\Deleted)');
    expect(await c.command('l', 'LIST "" Bin RETURN (STATUS (MESSAGES DELETED))')).toEqual([
      '* LIST (\\HasNoChildren) "/" Bin',
      '* STATUS Bin (MESSAGES 4 DELETED 2)',
      'l OK LIST completed',
    ]);
    await c.command('e', 'EXPUNGE');
    expect(await status()).toBe('* STATUS Bin (DELETED 0 MESSAGES 2)');
    c.close();
  });
});
