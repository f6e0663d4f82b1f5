// Storing: single-instance store (one file, hard links), duplicate suppression by Message-ID and
// mailbox in deliver.db, and the same with the switches off.
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateStore, duplicateDbPath } from '../../src/store/index.js';
import { LmtpClient, message, startTestLmtp, storedMessages, type TestLmtp } from './harness.js';

const USERS = ['u1', 'u2', 'u3', 'u4', 'u5'];

async function deliver(server: TestLmtp, rcpts: string[], text: string): Promise<string[]> {
  const c = await LmtpClient.connect({ path: server.socketPath });
  await c.command('LHLO x');
  await c.command('MAIL FROM:<s@x>');
  for (const r of rcpts) expect(await c.command(`RCPT TO:<${r}>`)).toMatch(/^250 /);
  await c.command('DATA');
  c.write(`${text}.\r\n`);
  const replies = await c.replies(rcpts.length);
  c.close();
  return replies;
}

function fileOf(server: TestLmtp, mailbox: string): { ino: number; nlink: number } {
  const box = server.store.openMailbox(mailbox);
  try {
    const uids = box.snapshot().uids;
    const st = statSync(box.messagePath(uids[uids.length - 1]!));
    return { ino: st.ino, nlink: st.nlink };
  } finally {
    box.close();
  }
}

describe('with singleinstancestore and duplicatesuppression on (the defaults)', () => {
  let server: TestLmtp;
  beforeAll(async () => {
    server = await startTestLmtp({ users: USERS });
  });
  afterAll(async () => server.close());

  it('writes one file for five recipients on one partition: five links to one inode', async () => {
    const replies = await deliver(server, USERS, message('five@x'));
    expect(replies.every((r) => r.startsWith('250 2.1.5'))).toBe(true);
    const files = USERS.map((u) => fileOf(server, `user.${u}`));
    expect(new Set(files.map((f) => f.ino)).size).toBe(1);
    expect(files.every((f) => f.nlink === 5)).toBe(true);
  });

  it('does not store a redelivered message twice in the same mailbox, and records it in deliver.db', async () => {
    await deliver(server, ['u1'], message('again@x'));
    const replies = await deliver(server, ['u1', 'u2'], message('again@x'));
    expect(replies).toEqual([expect.stringMatching(/^250 2\.1\.5 /), expect.stringMatching(/^250 2\.1\.5 /)]);
    const u1 = (await storedMessages(server.store, 'user.u1')).filter((m) => m.includes('<again@x>'));
    const u2 = (await storedMessages(server.store, 'user.u2')).filter((m) => m.includes('<again@x>'));
    expect([u1.length, u2.length]).toEqual([1, 1]);
    const db = DuplicateStore.open(duplicateDbPath(server.config), { durable: false });
    expect(db.isDelivered('<again@x>', 'user.u1')).toBe(true);
    expect(db.isDelivered('<again@x>', 'user.u3')).toBe(false);
    db.close();
  });

  it("stores every copy in a mailbox whose duplicatedeliver annotation is true (cyradm mboxcfg), and only there", async () => {
    const set = (mailbox: string, value: string): void =>
      server.store.annotations.apply(server.store.lookup(mailbox)!.uniqueId, [{ entry: '/vendor/cmu/cyrus-imapd/duplicatedeliver', userid: '', value: Buffer.from(value) }], { maxEntries: 100 });
    set('user.u4', 'true');
    set('user.u5', 'false');
    for (let i = 0; i < 2; i++) await deliver(server, ['u4', 'u5'], message('dupes@x'));
    const count = async (mailbox: string): Promise<number> => (await storedMessages(server.store, mailbox)).filter((m) => m.includes('<dupes@x>')).length;
    expect([await count('user.u4'), await count('user.u5')]).toEqual([2, 1]);
  });

  it('forgets deliveries when pruned, so the message is stored again', async () => {
    await deliver(server, ['u3'], message('pruned@x'));
    const db = DuplicateStore.open(duplicateDbPath(server.config), { durable: false });
    expect(db.prune(0, { dryRun: true, now: Date.now() + 1000 })).toBeGreaterThan(0);
    db.prune(0, { now: Date.now() + 1000 });
    db.close();
    await deliver(server, ['u3'], message('pruned@x'));
    expect((await storedMessages(server.store, 'user.u3')).filter((m) => m.includes('<pruned@x>'))).toHaveLength(2);
  });

  it('a delivery begun but never recorded (its process died) is a duplicate only when the mailbox holds it', async () => {
    // Died after the commit: the mailbox has the message, deliver.db only the pending mark.
    await deliver(server, ['u5'], message('died-after@x'));
    const raw = new Database(duplicateDbPath(server.config));
    raw.prepare("UPDATE deliveries SET pending = 1 WHERE message_id = '<died-after@x>'").run();
    await deliver(server, ['u5'], message('died-after@x'));
    expect((await storedMessages(server.store, 'user.u5')).filter((m) => m.includes('<died-after@x>'))).toHaveLength(1);
    // Died before the commit: only the pending mark; the retry is stored.
    const db = DuplicateStore.open(duplicateDbPath(server.config), { durable: false });
    db.markPending('<died-before@x>', 'user.u5');
    expect(db.deliveryState('<died-before@x>', 'user.u5')).toBe('pending');
    db.close();
    await deliver(server, ['u5'], message('died-before@x'));
    expect((await storedMessages(server.store, 'user.u5')).filter((m) => m.includes('<died-before@x>'))).toHaveLength(1);
    expect(raw.prepare("SELECT pending FROM deliveries WHERE message_id = '<died-before@x>'").get()).toEqual({ pending: 0 });
    raw.close();
  });

  it('delivers messages without a Message-ID every time', async () => {
    const text = 'From: a@b\r\nSubject: no id\r\n\r\nbody\r\n';
    await deliver(server, ['u4'], text);
    await deliver(server, ['u4'], text);
    expect((await storedMessages(server.store, 'user.u4')).filter((m) => m.includes('Subject: no id'))).toHaveLength(2);
  });
});

describe('with both switches off', () => {
  let server: TestLmtp;
  beforeAll(async () => {
    server = await startTestLmtp({ users: ['a', 'b'], conf: ['singleinstancestore: no', 'duplicatesuppression: no'] });
  });
  afterAll(async () => server.close());

  it('writes a file per mailbox and stores a redelivery again', async () => {
    await deliver(server, ['a', 'b'], message('off@x'));
    expect(fileOf(server, 'user.a').ino).not.toBe(fileOf(server, 'user.b').ino);
    expect(fileOf(server, 'user.a').nlink).toBe(1);
    await deliver(server, ['a'], message('off@x'));
    expect(await storedMessages(server.store, 'user.a')).toHaveLength(2);
  });
});
