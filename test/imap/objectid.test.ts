/** OBJECTID (RFC 8474) on the wire: MAILBOXID, EMAILID, THREADID (always NIL here). */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let c: RawClient;
const BODY = 'Subject: one\r\nMessage-ID: <one@x>\r\n\r\nbody\r\n';
const OTHER = 'Subject: two\r\n\r\nother body\r\n';
/** Cyrus's EMAILID: "M" and the first 24 hex digits of the SHA-1 of the message (checked against Cyrus 3.6). */
const emailId = (text: string) => `M${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;

async function append(box: string, body: string): Promise<void> {
  c.write(`ap APPEND ${box} {${body.length}+}\r\n${body}\r\n`);
  expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
}

beforeAll(async () => {
  server = await startTestServer({ users: ['obj', 'empty'] });
  c = await RawClient.connect(server.port);
  await c.command('l', 'LOGIN obj pass');
  await append('INBOX', BODY);
  await append('INBOX', OTHER);
});
afterAll(async () => {
  c.close();
  await server.close();
});

describe('OBJECTID', () => {
  it('CREATE answers the new MAILBOXID; STATUS, LIST-STATUS and SELECT report the same one', async () => {
    expect((await c.command('cap', 'CAPABILITY'))[0]).toMatch(/ OBJECTID( |$)/);
    const created = (await c.command('c', 'CREATE Work')).at(-1)!;
    const id = /^c OK \[MAILBOXID \(([A-Za-z0-9_-]{1,255})\)\] CREATE completed$/.exec(created)?.[1];
    expect(id).toBeDefined();
    expect(await c.command('st', 'STATUS Work (MAILBOXID MESSAGES)')).toEqual([`* STATUS Work (MAILBOXID (${id}) MESSAGES 0)`, 'st OK STATUS completed']);
    const listed = await c.command('ls', 'LIST "" "Work" RETURN (STATUS (MAILBOXID))');
    expect(listed).toContain(`* STATUS Work (MAILBOXID (${id}))`);
    expect(await c.command('ex', 'EXAMINE Work')).toContain(`* OK [MAILBOXID (${id})] Ok`);
    // Another mailbox has another id; a rename keeps it (the uniqueid follows the mailbox).
    const inbox = (await c.command('si', 'STATUS INBOX (MAILBOXID)'))[0]!;
    expect(inbox).toMatch(/^\* STATUS INBOX \(MAILBOXID \([A-Za-z0-9_-]+\)\)$/);
    expect(inbox).not.toContain(id);
    await c.command('un', 'UNSELECT');
    expect((await c.command('r', 'RENAME Work Play')).at(-1)).toMatch(/^r OK/);
    expect((await c.command('st2', 'STATUS Play (MAILBOXID)'))[0]).toBe(`* STATUS Play (MAILBOXID (${id}))`);
  });

  it('FETCH EMAILID is the same for the same message in every mailbox; THREADID is NIL', async () => {
    await c.command('s', 'SELECT INBOX');
    expect(await c.command('f', 'FETCH 1:2 (EMAILID THREADID)')).toEqual([
      `* 1 FETCH (EMAILID (${emailId(BODY)}) THREADID NIL)`,
      `* 2 FETCH (EMAILID (${emailId(OTHER)}) THREADID NIL)`,
      'f OK FETCH completed',
    ]);
    await c.command('cp', 'COPY 1 Play');
    await c.command('s2', 'SELECT Play');
    expect((await c.command('f2', 'UID FETCH 1 (EMAILID)'))[0]).toBe(`* 1 FETCH (UID 1 EMAILID (${emailId(BODY)}))`);
    await c.command('s3', 'SELECT INBOX');
  });

  it('SEARCH EMAILID finds the message; THREADID finds nothing', async () => {
    expect((await c.command('a', `SEARCH EMAILID ${emailId(OTHER)}`))[0]).toBe('* SEARCH 2');
    expect((await c.command('b', `UID SEARCH NOT EMAILID ${emailId(OTHER)}`))[0]).toBe('* SEARCH 1');
    expect((await c.command('d', 'SEARCH EMAILID M000000000000000000000000'))[0]).toBe('* SEARCH');
    expect((await c.command('e', 'SEARCH THREADID T123'))[0]).toBe('* SEARCH');
  });

  it('refuses malformed ids and items, unknown STATUS items; works on an empty mailbox; needs the right state', async () => {
    for (const [tag, command] of [['m1', 'SEARCH EMAILID'], ['m2', 'SEARCH EMAILID M!x'], ['m3', 'SEARCH THREADID "T 1"'], ['m4', 'FETCH 1 (EMAILID[])'], ['m5', 'STATUS INBOX (MAILBOXID'], ['m6', 'STATUS INBOX (EMAILID)']]) {
      expect((await c.command(tag!, command!)).at(-1)).toMatch(new RegExp(`^${tag} BAD`));
    }
    const e = await RawClient.connect(server.port);
    expect((await e.command('s0', 'STATUS INBOX (MAILBOXID)')).at(-1)).toMatch(/^s0 BAD/);
    await e.command('l', 'LOGIN empty pass');
    expect((await e.command('f0', 'FETCH 1 (EMAILID)')).at(-1)).toMatch(/^f0 BAD/);
    await e.command('s', 'SELECT INBOX');
    expect(await e.command('s1', 'SEARCH EMAILID M000000000000000000000000')).toEqual(['* SEARCH', 's1 OK SEARCH completed']);
    expect(await e.command('s2', 'UID FETCH 1:* (EMAILID THREADID)')).toEqual(['s2 OK FETCH completed']);
    e.close();
  });
});
