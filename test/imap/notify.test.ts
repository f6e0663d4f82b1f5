/**
 * NOTIFY (RFC 5465) on the wire: the command's grammar and refusals, SET STATUS, and events pushed
 * between commands (no command in progress) when another session changes the selected mailbox,
 * another watched mailbox, the mailbox list or the subscriptions; SELECTED-DELAYED, IDLE, NONE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

async function login(user: string): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  expect((await c.command('l', `LOGIN ${user} pass`)).at(-1)).toMatch(/^l OK/);
  return c;
}

async function append(c: RawClient, mailbox: string, subject: string): Promise<void> {
  const body = `Subject: ${subject}\r\n\r\nbody\r\n`;
  c.write(`ap APPEND ${mailbox} {${body.length}+}\r\n${body}\r\n`);
  expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
}

/** Lines pushed to `c` without a command, up to the first matching `last`. */
const pushed = (c: RawClient, last: (line: string) => boolean): Promise<string[]> => c.readUntil(last, 3000);

beforeAll(async () => {
  server = await startTestServer({ users: ['nina', 'olaf', 'piet'] });
});
afterAll(async () => {
  await server.close();
});

describe('NOTIFY command', () => {
  let c: RawClient;
  beforeAll(async () => {
    c = await login('nina');
  });
  afterAll(() => c.close());

  it('refuses what the grammar forbids with BAD', async () => {
    for (const [tag, args] of [
      ['b1', ''], ['b2', 'BOGUS'], ['b3', 'SET'], ['b4', 'SET (nowhere (MessageNew MessageExpunge))'],
      ['b5', 'SET (selected (MailboxName))'], ['b6', 'SET (personal (MessageNew))'], ['b7', 'SET (personal (FlagChange))'],
      ['b8', 'SET (personal (MessageNew (UID) MessageExpunge))'],
      ['b9', 'SET (selected (MessageNew MessageExpunge)) (selected-delayed (MessageNew MessageExpunge))'],
      ['b10', 'SET (personal (MessageNew MessageExpunge MessageNew))'], ['b11', 'SET (personal ())'], ['b12', 'NONE extra'],
      ['b13', 'SET (selected (MessageNew (UID BOGUS) MessageExpunge))'],
    ]) expect((await c.command(tag!, `NOTIFY ${args}`)).at(-1)).toMatch(new RegExp(`^${tag} BAD`));
  });

  it('refuses events it does not offer with NO [BADEVENT], listing those it does', async () => {
    const offered = 'BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange)';
    expect((await c.command('e1', 'NOTIFY SET (personal (MailboxMetadataChange))')).at(-1)).toBe(`e1 NO [${offered}] Unsupported NOTIFY event MailboxMetadataChange`);
    expect((await c.command('e2', 'NOTIFY SET (selected (MessageNew MessageExpunge AnnotationChange))')).at(-1)).toMatch(/^e2 NO \[BADEVENT /);
    expect((await c.command('e3', 'NOTIFY SET (personal (ServerMetadataChange))')).at(-1)).toMatch(/^e3 NO \[BADEVENT /);
    expect((await c.command('e4', 'NOTIFY SET (personal (XFuture))')).at(-1)).toMatch(/^e4 NO \[BADEVENT /);
  });

  it('SET STATUS answers a STATUS for each watched mailbox but the selected one; NONE is accepted', async () => {
    await c.command('c', 'CREATE Lists');
    await append(c, 'Lists', 'one');
    await c.command('s', 'SELECT INBOX');
    const lines = await c.command('n', 'NOTIFY SET STATUS (selected (MessageNew MessageExpunge)) (personal (MessageNew MessageExpunge)) (mailboxes (Missing INBOX) (MessageNew MessageExpunge))');
    expect(lines).toEqual([expect.stringMatching(/^\* STATUS Lists \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+\)$/), 'n OK NOTIFY completed']);
    expect(await c.command('n2', 'NOTIFY SET (subtree Lists (MessageNew MessageExpunge))')).toEqual(['n2 OK NOTIFY completed']);
    expect(await c.command('n3', 'NOTIFY NONE')).toEqual(['n3 OK NOTIFY completed']);
    expect((await c.command('c', 'CAPABILITY'))[0]).toMatch(/ NOTIFY( |$)/);
  });
});

describe('NOTIFY and rights', () => {
  it('a named mailbox the user may list but not read: LIST (\\NoAccess); one it may not list: nothing', async () => {
    const c = await login('nina');
    await c.command('c', 'CREATE Locked');
    expect((await c.command('a', 'SETACL Locked nina l')).at(-1)).toMatch(/^a OK/);
    expect(await c.command('n', 'NOTIFY SET STATUS (mailboxes (Locked Nowhere) (MessageNew MessageExpunge))')).toEqual([
      '* LIST (\\NoAccess) "/" Locked', 'n OK NOTIFY completed',
    ]);
    c.close();
  });
});

describe('NOTIFY events', () => {
  let a: RawClient;
  let b: RawClient;
  beforeAll(async () => {
    a = await login('olaf');
    b = await login('olaf');
    await b.command('c', 'CREATE Lists');
    await a.command('s', 'SELECT INBOX');
    await b.command('s', 'SELECT INBOX');
    const set = 'NOTIFY SET (selected (MessageNew (UID FLAGS) MessageExpunge FlagChange)) (personal (MessageNew MessageExpunge MailboxName SubscriptionChange))';
    expect(await a.command('n', set)).toEqual(['n OK NOTIFY completed']);
  });
  afterAll(() => {
    a.close();
    b.close();
  });

  it('a new message in the selected mailbox: EXISTS and a FETCH of the asked attributes, with no command', async () => {
    // b appends into the INBOX it has selected: b takes \Recent (RFC 3501: exactly one session), a sees none.
    await append(b, 'INBOX', 'hello');
    expect(await pushed(a, (l) => l.includes('FETCH'))).toEqual(['* 1 EXISTS', '* 0 RECENT', '* 1 FETCH (UID 1 FLAGS ())']);
  });

  it('a flag change and an expunge in the selected mailbox', async () => {
    await b.command('f', 'STORE 1 +FLAGS (\\Deleted)');
    expect(await pushed(a, (l) => l.includes('FETCH'))).toEqual(['* 1 FETCH (UID 1 FLAGS (\\Deleted))']);
    await b.command('x', 'EXPUNGE');
    expect(await pushed(a, (l) => l.includes('EXPUNGE'))).toEqual(['* 1 EXPUNGE']);
  });

  it('a new message elsewhere: STATUS with MESSAGES and UIDNEXT', async () => {
    await append(b, 'Lists', 'news');
    expect(await pushed(a, (l) => l.startsWith('* STATUS'))).toEqual(['* STATUS Lists (MESSAGES 1 UIDNEXT 2)']);
  });

  it('mailboxes created, subscribed, unsubscribed and deleted: LIST responses', async () => {
    await b.command('c', 'CREATE Fresh');
    expect(await pushed(a, (l) => l.startsWith('* LIST'))).toEqual(['* LIST () "/" Fresh']);
    await b.command('u', 'SUBSCRIBE Fresh');
    expect(await pushed(a, (l) => l.startsWith('* LIST'))).toEqual(['* LIST (\\Subscribed) "/" Fresh']);
    await b.command('u', 'UNSUBSCRIBE Fresh');
    expect(await pushed(a, (l) => l.startsWith('* LIST'))).toEqual(['* LIST () "/" Fresh']);
    await b.command('d', 'DELETE Fresh');
    expect(await pushed(a, (l) => l.startsWith('* LIST'))).toEqual(['* LIST (\\NonExistent) "/" Fresh']);
  });

  it('a rename: one LIST with OLDNAME (RFC 5465 5.4), not a removal and a creation', async () => {
    await b.command('c', 'CREATE Before');
    expect(await pushed(a, (l) => l.startsWith('* LIST'))).toEqual(['* LIST () "/" Before']);
    await b.command('r', 'RENAME Before After');
    expect(await pushed(a, (l) => l.startsWith('* LIST'))).toEqual(['* LIST () "/" After ("OLDNAME" (Before))']);
    // Nothing more about either name, and the new name is the one known now.
    expect((await a.command('n', 'NOOP')).filter((l) => l.startsWith('* LIST'))).toEqual([]);
    await b.command('d', 'DELETE After');
    expect(await pushed(a, (l) => l.startsWith('* LIST'))).toEqual(['* LIST (\\NonExistent) "/" After']);
  });

  it('during IDLE the same events arrive', async () => {
    a.write('i IDLE\r\n');
    await a.readUntil((l) => l.startsWith('+'));
    await append(b, 'Lists', 'more');
    expect(await pushed(a, (l) => l.startsWith('* STATUS'))).toEqual(['* STATUS Lists (MESSAGES 2 UIDNEXT 3)']);
    await append(b, 'INBOX', 'again');
    expect(await pushed(a, (l) => l.includes('FETCH'))).toEqual(['* 1 EXISTS', '* 0 RECENT', '* 1 FETCH (UID 2 FLAGS ())']);
    a.write('DONE\r\n');
    expect((await a.readUntil((l) => l.startsWith('i '))).at(-1)).toMatch(/^i OK/);
  });

  it('NOTIFY NONE: back to updates at the end of commands only', async () => {
    expect(await a.command('nn', 'NOTIFY NONE')).toEqual(['nn OK NOTIFY completed']);
    await append(b, 'INBOX', 'quiet');
    await append(b, 'Lists', 'quiet');
    expect(await a.command('p', 'NOOP')).toEqual(['* 2 EXISTS', '* 0 RECENT', 'p OK NOOP completed']);
  });
});

describe('NOTIFY SET (selected-delayed ...)', () => {
  it('holds expunges back until a command allows them', async () => {
    const a = await login('piet');
    const b = await login('piet');
    await append(b, 'INBOX', 'one');
    await a.command('s', 'SELECT INBOX');
    await b.command('s', 'SELECT INBOX');
    expect(await a.command('n', 'NOTIFY SET (selected-delayed (MessageNew MessageExpunge FlagChange))')).toEqual(['n OK NOTIFY completed']);
    await b.command('f', 'STORE 1 +FLAGS (\\Deleted)');
    expect(await pushed(a, (l) => l.includes('FETCH'))).toEqual(['* 1 FETCH (UID 1 FLAGS (\\Deleted \\Recent))']);
    await b.command('x', 'EXPUNGE');
    // Not pushed, nor sent during a FETCH by number (message 1 keeps its number); NOOP brings it.
    expect(await a.command('g', 'FETCH 1 (UID)')).toEqual(['g OK [EXPUNGEISSUED] Some of the requested messages no longer exist']);
    expect(await a.command('p', 'NOOP')).toEqual(['* 1 EXPUNGE', 'p OK NOOP completed']);
    a.close();
    b.close();
  });
});
