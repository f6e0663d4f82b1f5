import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from '../harness.js';
import { last, uidValidityOf } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(async () => {
  await server.close();
});

async function connect(): Promise<ImapFlow> {
  const client = new ImapFlow({ host: server.host, port: server.port, secure: false, auth: { user: 'fred', pass: 'pass' }, logger: false });
  await client.connect();
  return client;
}

const raw = (subject: string) => Buffer.from(`From: a@example.com\r\nTo: fred@example.com\r\nSubject: ${subject}\r\n\r\nHello ${subject}\r\n`);

describe('mailbox commands through imapflow', () => {
  it('creates, lists, renames, subscribes and deletes', async () => {
    const client = await connect();
    try {
      expect((await client.mailboxCreate('Projects/Alpha')).created).toBe(true);
      await client.mailboxCreate('Archive');
      const listed = await client.list();
      const paths = listed.map((m) => m.path);
      expect(paths).toEqual(expect.arrayContaining(['INBOX', 'Projects', 'Projects/Alpha', 'Archive']));
      expect(listed.find((m) => m.path === 'Projects')!.flags.has('\\HasChildren')).toBe(true);
      expect(listed.find((m) => m.path === 'INBOX')!.delimiter).toBe('/');

      await client.mailboxRename('Projects', 'Work');
      expect((await client.list()).map((m) => m.path)).toEqual(expect.arrayContaining(['Work', 'Work/Alpha']));

      await client.mailboxSubscribe('Work/Alpha');
      const subscribed = (await client.list({ statusQuery: { messages: true } })).filter((m) => m.subscribed).map((m) => m.path);
      expect(subscribed).toContain('Work/Alpha');
      await client.mailboxUnsubscribe('Work/Alpha');

      await client.mailboxDelete('Work/Alpha');
      await client.mailboxDelete('Work');
      expect((await client.list()).map((m) => m.path)).not.toContain('Work');
      await expect(client.mailboxDelete('INBOX')).rejects.toThrow();
    } finally {
      await client.logout();
    }
  });

  it('appends with flags and a date, then reads STATUS', async () => {
    const client = await connect();
    try {
      await client.mailboxCreate('Sent');
      const date = new Date(Date.UTC(2022, 6, 14, 8, 30, 0));
      const appended = await client.append('Sent', raw('first'), ['\\Seen', '\\Flagged'], date);
      expect(appended).toMatchObject({ destination: 'Sent', uid: 1, uidValidity: BigInt(uidValidityOf(server, 'user.fred.Sent')) });
      await client.append('Sent', raw('second'));
      const status = await client.status('Sent', { messages: true, unseen: true, uidNext: true, recent: true });
      expect(status).toMatchObject({ path: 'Sent', messages: 2, unseen: 1, uidNext: 3, recent: 2 });
      const lock = await client.getMailboxLock('Sent');
      try {
        const first = await client.fetchOne('1', { flags: true, internalDate: true, envelope: true });
        expect(first && [...first.flags!].sort()).toEqual(['\\Flagged', '\\Recent', '\\Seen']);
        expect(first && new Date(first.internalDate!).getTime()).toBe(date.getTime());
        expect(first && first.envelope!.subject).toBe('first');
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
  });

  it('MULTIAPPEND over a raw socket, seen by imapflow', async () => {
    const c = await RawClient.connect(server.port);
    await c.command('l', 'LOGIN fred pass');
    await c.command('c', 'CREATE Batch');
    const parts = ['a', 'b', 'c'].map((s) => raw(s).toString());
    const answer = await c.command('m', `APPEND Batch ${parts.map((p) => `{${p.length}+}\r\n${p}`).join(' ')}`);
    expect(last(answer)).toBe(`m OK [APPENDUID ${uidValidityOf(server, 'user.fred.Batch')} 1:3] Completed`);
    c.close();
    const client = await connect();
    try {
      expect((await client.status('Batch', { messages: true })).messages).toBe(3);
    } finally {
      await client.logout();
    }
  });
});
