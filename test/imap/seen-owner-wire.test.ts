/**
 * On the wire: the mailbox owner's \Seen is the records' bit (seen.db holds only other users'),
 * and a user with rights on the owner's mailbox keeps his own: STORE, FETCH BODY[], APPEND,
 * STATUS UNSEEN, UID SEARCH UNSEEN, and the FETCH FLAGS news other sessions hear.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';
import { PLAIN, MULTIPART } from './message/fixtures.js';

let server: TestServer;
const clients: RawClient[] = [];

beforeAll(async () => {
  server = await startTestServer({
    users: ['fred', 'joe', 'wilma@example.com', 'admin'],
    conf: ['unixhierarchysep: yes', 'altnamespace: no', 'virtdomains: userid', 'defaultdomain: main.test', 'delete_mode: immediate'],
  });
  const store = server.imap.deps.store;
  store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\tjoe\tlrswi\t' });
  const box = store.openMailbox('user.fred');
  try {
    await box.append([PLAIN, MULTIPART, PLAIN, MULTIPART].map((content) => ({ content })), { userid: 'fred' });
  } finally {
    box.close();
  }
  store.createMailbox('example.com!user.wilma', { acl: 'wilma@example.com\tlrswipkxtecdan\t' });
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.close();
});

async function login(user: string, select?: string): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  clients.push(c);
  expect((await c.command('l1', `LOGIN ${user} pass`)).at(-1)).toMatch(/^l1 OK/);
  if (select) expect((await c.command('l2', `SELECT ${select}`)).at(-1)).toMatch(/^l2 OK/);
  return c;
}

function seenRows(): Array<[string, string]> {
  const db = new Database(join(server.dir, 'conf', 'seen.db'), { readonly: true });
  try {
    return db.prepare<[], [string, string]>('SELECT userid, uids FROM seen ORDER BY userid').raw(true).all();
  } finally {
    db.close();
  }
}

/** `seq:seen` for each FETCH line carrying FLAGS (\\Recent aside). */
const fetchLines = (lines: string[]) =>
  lines.filter((l) => / FETCH .*FLAGS/.test(l)).map((l) => `${/^\* (\d+) /.exec(l)![1]}:${l.includes('\\Seen') ? 'seen' : 'unseen'}`);

describe("the owner's \\Seen and another user's", () => {
  it('keeps them apart through STORE, FETCH BODY[], STATUS UNSEEN, UID SEARCH UNSEEN and the news of other sessions', async () => {
    const fred = await login('fred', 'INBOX');
    const fred2 = await login('fred', 'INBOX');
    const joe = await login('joe', 'user/fred');

    expect(fetchLines(await fred.command('s1', 'UID STORE 1:2 +FLAGS (\\Seen)'))).toEqual(['1:seen', '2:seen']);
    expect(seenRows()).toEqual([]);
    // fred's other session hears his \Seen; joe's hears no \Seen of his own.
    expect(fetchLines(await fred2.command('n1', 'NOOP'))).toEqual(['1:seen', '2:seen']);
    expect((await joe.command('n2', 'NOOP')).join('\n')).not.toContain('\\Seen');

    // joe reads message 3: his \Seen, in seen.db; fred's stays as it was.
    expect((await joe.command('f1', 'FETCH 3 (BODY[])')).join('\n')).toContain('\\Seen');
    expect(seenRows()).toEqual([['joe', '3']]);
    expect((await fred2.command('n3', 'NOOP')).join('\n')).not.toContain('\\Seen');

    expect((await fred.command('q1', 'UID SEARCH UNSEEN'))[0]).toBe('* SEARCH 3 4');
    expect((await joe.command('q2', 'UID SEARCH UNSEEN'))[0]).toBe('* SEARCH 1 2 4');
    expect((await fred.command('q3', 'SEARCH SEEN'))[0]).toBe('* SEARCH 1 2');
    expect((await joe.command('q4', 'SEARCH SEEN'))[0]).toBe('* SEARCH 3');

    const admin = await login('admin');
    expect((await admin.command('a1', 'SETACL user/fred admin lrs')).at(-1)).toMatch(/^a1 OK/);
    const fredStatus = await login('fred');
    expect((await fredStatus.command('t1', 'STATUS INBOX (MESSAGES UNSEEN)'))[0]).toBe('* STATUS INBOX (MESSAGES 4 UNSEEN 2)');
    const joeStatus = await login('joe');
    expect((await joeStatus.command('t2', 'STATUS user/fred (MESSAGES UNSEEN)'))[0]).toBe('* STATUS user/fred (MESSAGES 4 UNSEEN 3)');

    // FLAGS replace by the owner takes \Seen away from the record; joe's stays.
    await fred.command('s2', 'STORE 1:3 FLAGS (\\Flagged)');
    expect((await fred.command('q5', 'UID SEARCH UNSEEN'))[0]).toBe('* SEARCH 1 2 3 4');
    expect((await joe.command('q6', 'UID SEARCH SEEN'))[0]).toBe('* SEARCH 3');
  });

  it('an APPEND with \\Seen by a virtual-domain owner sets the bit and writes no seen.db row', async () => {
    const before = seenRows();
    const wilma = await login('wilma@example.com');
    const literal = PLAIN.toString('latin1');
    wilma.write(`a1 APPEND INBOX (\\Seen) {${PLAIN.length}+}\r\n${literal}\r\n`);
    expect((await wilma.readUntil((l) => l.startsWith('a1 '))).at(-1)).toMatch(/^a1 OK/);
    expect(seenRows()).toEqual(before);
    expect((await wilma.command('t1', 'STATUS INBOX (MESSAGES UNSEEN)'))[0]).toBe('* STATUS INBOX (MESSAGES 1 UNSEEN 0)');
    const box = server.imap.deps.store.openMailbox('example.com!user.wilma');
    try {
      expect(box.records([1], 'wilma@example.com')[0]!.flags).toEqual(['\\Seen']);
      expect(box.records([1], 'joe')[0]!.flags).toEqual([]);
    } finally {
      box.close();
    }
  });
});
