// Murder frontend IMAP: a real client (imapflow) through the frontend works on mailboxes that live
// on backends of ours; what it does is seen on the backend, and what is done there it hears.
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGE, startMurder, type Murder } from './proxy-murder.js';

let murder: Murder;
beforeAll(async () => {
  murder = await startMurder();
  murder.mailbox('127.0.0.2', 'user.fred');
  murder.mailbox('127.0.0.2', 'user.fred.Work');
  murder.mailbox('127.0.0.3', 'user.fred.Archive');
});
afterAll(async () => {
  await murder?.close();
});

function client(host: string, port: number): ImapFlow {
  return new ImapFlow({ host, port, secure: false, auth: { user: 'fred', pass: 'pass' }, logger: false });
}

function frontendClient(): ImapFlow {
  return client(murder.frontend.host, murder.frontend.port);
}

function backendClient(server: string): ImapFlow {
  return client(server, murder.port);
}

describe('IMAP proxy: a remote mailbox selected', () => {
  it('lists, selects and fetches a message appended on the backend; STORE is seen there', async () => {
    const direct = backendClient('127.0.0.2');
    await direct.connect();
    await direct.append('Work', MESSAGE('first'), ['\\Draft']);

    const c = frontendClient();
    await c.connect();
    try {
      const names = (await c.list()).map((m) => m.path).sort();
      expect(names).toEqual(['Archive', 'INBOX', 'Work']);
      const box = await c.mailboxOpen('Work');
      expect(box.exists).toBe(1);
      const msg = await c.fetchOne('1', { envelope: true, source: true, flags: true });
      expect(msg && msg.envelope?.subject).toBe('first');
      expect(msg && msg.source?.toString()).toBe(MESSAGE('first'));
      expect(msg && [...msg.flags!]).toContain('\\Draft');
      await c.messageFlagsAdd('1', ['\\Flagged']);
      await c.mailboxClose();
    } finally {
      await c.logout();
    }
    const lock = await direct.getMailboxLock('Work');
    try {
      const seen = await direct.fetchOne('1', { flags: true });
      expect(seen && [...seen.flags!]).toContain('\\Flagged');
    } finally {
      lock.release();
      await direct.logout();
    }
  });

  it('IDLE through the frontend hears an append made on the backend', async () => {
    const c = frontendClient();
    await c.connect();
    const direct = backendClient('127.0.0.2');
    await direct.connect();
    try {
      await c.mailboxOpen('INBOX');
      const before = (c.mailbox as { exists: number }).exists;
      const heard = new Promise<number>((resolve) => c.on('exists', (data: { count: number }) => resolve(data.count)));
      const idling = c.idle();
      await direct.append('INBOX', MESSAGE('while idle'));
      expect(await heard).toBe(before + 1);
      // A command ends the IDLE (imapflow sends DONE): the session goes on on the backend.
      const msg = await c.fetchOne(String(before + 1), { envelope: true });
      expect(msg && msg.envelope?.subject).toBe('while idle');
      await idling;
    } finally {
      await c.logout();
      await direct.logout();
    }
  });

  it('APPEND through the frontend lands on the backend; two backends in one session', async () => {
    const c = frontendClient();
    await c.connect();
    try {
      const appended = await c.append('Archive', MESSAGE('archived'), ['\\Seen']);
      expect(appended && appended.uid).toBe(1);
      const status = await c.status('Archive', { messages: true, unseen: true });
      expect(status).toMatchObject({ messages: 1, unseen: 0 });
      // One session, both backends: select on one, then the other.
      await c.mailboxOpen('Work');
      const onFirst = await c.fetchOne('1', { envelope: true });
      expect(onFirst && onFirst.envelope?.subject).toBe('first');
      await c.mailboxOpen('Archive');
      const onSecond = await c.fetchOne('1', { envelope: true, flags: true });
      expect(onSecond && onSecond.envelope?.subject).toBe('archived');
    } finally {
      await c.logout();
    }
    const store = murder.backends.get('127.0.0.3')!.imap.deps.store;
    const mailbox = store.openMailbox('user.fred.Archive');
    try {
      expect(mailbox.status().messages).toBe(1);
    } finally {
      mailbox.close();
    }
  });

  it('COPY and MOVE to a mailbox on another backend: fetched there, appended here, flags and date kept', async () => {
    const direct = backendClient('127.0.0.2');
    await direct.connect();
    await direct.mailboxCreate('Outbox');
    murder.mailbox('127.0.0.2', 'user.fred.Outbox');
    const date = new Date('2020-05-06T07:08:09Z');
    await direct.append('Outbox', MESSAGE('one'), ['\\Flagged', 'custom'], date);
    await direct.append('Outbox', MESSAGE('two'), [], date);
    await direct.logout();
    const c = frontendClient();
    await c.connect();
    try {
      await c.mailboxOpen('Outbox');
      const copied = await c.messageCopy('1', 'Archive');
      expect(copied && copied.uidMap?.size).toBe(1);
      const moved = await c.messageMove('2', 'Archive', {});
      expect(moved && moved.uidMap?.size).toBe(1);
      expect((c.mailbox as { exists: number }).exists).toBe(1);
      await c.mailboxOpen('Archive');
      const all = [];
      for await (const m of c.fetch('1:*', { envelope: true, flags: true, internalDate: true, source: true })) all.push(m);
      const one = all.find((m) => m.envelope?.subject === 'one')!;
      expect([...one.flags!].filter((f) => f !== '\\Recent').sort()).toEqual(['\\Flagged', 'custom']);
      expect((one.internalDate as Date).getTime()).toBe(date.getTime());
      expect(one.source!.toString()).toBe(MESSAGE('one'));
      expect(all.some((m) => m.envelope?.subject === 'two')).toBe(true);
    } finally {
      await c.logout();
    }
  });
});
