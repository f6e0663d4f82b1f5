/**
 * XLIST (the Gmail/Apple command from before SPECIAL-USE that Cyrus 3.6 still answers), as the
 * Cyrus peer answered the same commands: LIST's answer with every special-use attribute, `* XLIST`
 * lines and `\Inbox` on the user's INBOX in the plain form; `* LIST` lines without `\Inbox` once
 * any LIST-EXTENDED syntax is used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';
import { last, loggedIn } from './mailbox/helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  server.imap.deps.store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  const c = await loggedIn(server, 'fred');
  for (const create of ['CREATE Sent (USE (\\Sent))', 'CREATE Drafts (USE (\\Drafts))', 'CREATE Plain', 'CREATE Plain/Child', 'SUBSCRIBE Sent']) {
    const answer = last(await c.command('c', create));
    if (!answer.startsWith('c OK')) throw new Error(`${create}: ${answer}`);
  }
  c.close();
}, 60_000);
afterAll(async () => {
  await server.close();
});

async function run(command: string): Promise<string[]> {
  const c = await loggedIn(server, 'fred');
  try {
    const lines = await c.command('t', command);
    expect(last(lines)).toMatch(/^t OK/);
    return lines.slice(0, -1);
  } finally {
    c.close();
  }
}

describe('XLIST', () => {
  it('answers LIST with special uses, as XLIST lines, INBOX marked \\Inbox', async () => {
    expect(await run('XLIST "" "*"')).toEqual([
      '* XLIST (\\HasNoChildren \\Inbox) "/" INBOX',
      '* XLIST (\\HasNoChildren \\Drafts) "/" Drafts',
      '* XLIST (\\HasChildren) "/" Plain',
      '* XLIST (\\HasNoChildren) "/" Plain/Child',
      '* XLIST (\\HasNoChildren \\Sent) "/" Sent',
    ]);
    expect(await run('xlist "" INBOX')).toEqual(['* XLIST (\\HasNoChildren \\Inbox) "/" INBOX']);
    expect(await run('XLIST Plain/ %')).toEqual(['* XLIST (\\HasNoChildren) "/" Plain/Child']);
    expect(await run('XLIST "" %')).toEqual([
      '* XLIST (\\HasNoChildren \\Inbox) "/" INBOX',
      '* XLIST (\\HasNoChildren \\Drafts) "/" Drafts',
      '* XLIST (\\HasChildren) "/" Plain',
      '* XLIST (\\HasNoChildren \\Sent) "/" Sent',
    ]);
  });

  it('gives the hierarchy delimiter for an empty pattern', async () => {
    expect(await run('XLIST "" ""')).toEqual(['* XLIST (\\Noselect) "/" ""']);
  });

  it('with LIST-EXTENDED syntax: LIST lines, special uses kept, no \\Inbox', async () => {
    expect(await run('XLIST "" "*" RETURN (CHILDREN)')).toEqual([
      '* LIST (\\HasNoChildren) "/" INBOX',
      '* LIST (\\HasNoChildren \\Drafts) "/" Drafts',
      '* LIST (\\HasChildren) "/" Plain',
      '* LIST (\\HasNoChildren) "/" Plain/Child',
      '* LIST (\\HasNoChildren \\Sent) "/" Sent',
    ]);
    expect(await run('XLIST (SUBSCRIBED) "" "*"')).toEqual(['* LIST (\\Subscribed \\HasNoChildren \\Sent) "/" Sent']);
    expect(await run('XLIST "" (Sent INBOX)')).toEqual(['* LIST (\\HasNoChildren) "/" INBOX', '* LIST (\\HasNoChildren \\Sent) "/" Sent']);
  });

  it('plain LIST is unchanged beside it', async () => {
    expect(await run('LIST "" INBOX')).toEqual(['* LIST (\\HasNoChildren) "/" INBOX']);
    expect(await run('LIST "" Sent')).toEqual(['* LIST (\\HasNoChildren \\Sent) "/" Sent']);
  });

  it('is advertised, needs a login, and refuses bad arguments as LIST does', async () => {
    const c = await RawClient.connect(server.port);
    expect((await c.command('c', 'CAPABILITY'))[0]).toMatch(/ XLIST( |$)/);
    expect(last(await c.command('x', 'XLIST "" "*"'))).toMatch(/^x BAD/);
    expect(last(await c.command('l', 'LOGIN fred pass'))).toMatch(/^l OK/);
    expect((await c.command('c2', 'CAPABILITY'))[0]).toMatch(/ XLIST( |$)/);
    expect(last(await c.command('b1', 'XLIST ""'))).toMatch(/^b1 BAD/);
    expect(last(await c.command('b2', 'XLIST (BOGUS) "" "*"'))).toMatch(/^b2 BAD/);
    c.close();
  });
});

describe('XLIST with specialusealways off', () => {
  it('still gives the special uses, which LIST then leaves out', async () => {
    const quiet = await startTestServer({ conf: ['specialusealways: no'] });
    try {
      quiet.imap.deps.store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
      const c = await loggedIn(quiet, 'fred');
      expect(last(await c.command('c', 'CREATE Sent (USE (\\Sent))'))).toMatch(/^c OK/);
      expect(await c.command('l', 'LIST "" Sent')).toEqual(['* LIST (\\HasNoChildren) "/" Sent', 'l OK LIST completed']);
      expect((await c.command('x', 'XLIST "" Sent'))[0]).toBe('* XLIST (\\HasNoChildren \\Sent) "/" Sent');
      c.close();
    } finally {
      await quiet.close();
    }
  });
});
