// Group commit with fsync on: concurrent deliveries are committed without the event loop waiting
// for the disk and fsynced (directory and WAL) on the thread pool before each caller is answered;
// the index connection stays at synchronous=NORMAL for the next group commit and is at FULL again
// for any other writer; a group whose commit
// went through but whose fsync failed is never stored a second time member by member; the copies
// of one message for many mailboxes are stored at once, the same mailbox twice still suppressed.
import { statSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { MailError, silentLogger } from '../../src/common/index.js';
import { Intake, type DeliveryRecipient } from '../../src/intake/index.js';
import { DeliveryBatches } from '../../src/intake/delivery-batches.js';
import type { OpenMailboxes } from '../../src/intake/open-mailboxes.js';
import type { MailboxEntry, MailStore } from '../../src/store/index.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
let intake: Intake;
beforeEach(() => {
  env = makeEnv(); // fsync on, as shipped
  store = env.open();
  store.createMailbox('user.fred', { partition: 'default' });
  intake = new Intake({ store, config: env.config, logger: silentLogger() });
});
afterEach(() => {
  intake.close();
  env.cleanup();
});

const fred: DeliveryRecipient = { mailbox: 'user.fred', userid: 'fred' };
const text = (i: number) => Buffer.from(`Message-ID: <m${i}@x>\r\nSubject: m${i}\r\n\r\nbody ${i}\r\n`);

/** PRAGMA synchronous of the index connection this process shares for `name` (2 = FULL). */
function indexSynchronous(name: string): number {
  const box = store.openMailbox(name);
  try {
    const { db } = (box as unknown as { index: { db: { pragma(p: string, o: { simple: true }): unknown } } }).index;
    return db.pragma('synchronous', { simple: true }) as number;
  } finally {
    box.close();
  }
}

it('stores concurrent deliveries durably, and any other write of the index after them at synchronous=FULL', async () => {
  const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => intake.deliver(intake.prepare({ bytes: text(i) }), [fred])));
  expect(outcomes.map((o) => o[0]!.status)).toEqual(Array(12).fill('delivered'));
  expect(indexSynchronous('user.fred')).toBe(1);
  const box = store.openMailbox('user.fred');
  try {
    box.setFlags([1], 'add', ['\\Flagged']);
    expect(indexSynchronous('user.fred')).toBe(2);
    const uids = box.snapshot().uids;
    expect([...uids]).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  } finally {
    box.close();
  }
});

it('fails a group whose fsync after the commit failed as a whole, without storing its members again', async () => {
  let appends = 0;
  const mailbox = {
    append: async () => {
      appends++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new MailError('Temp', 'append: fsync failed: EIO', { afterCommit: true, uids: [1] });
    },
    close: () => undefined,
  };
  const mailboxes = { open: () => mailbox, drop: () => undefined } as unknown as OpenMailboxes;
  const batches = new DeliveryBatches(mailboxes);
  const entry = { name: 'user.fred', uniqueId: 'u1', partition: 'default' } as MailboxEntry;
  const results = await Promise.allSettled(Array.from({ length: 4 }, () => batches.append(entry, { content: text(0) }, 'fred', 'delivery')));
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
  // The first alone, then the three that waited as one group: two appends, no member retried alone.
  expect(appends).toBe(2);
});

it('stores one message into many mailboxes at once, in recipient order, linked; the same mailbox twice stays a duplicate', async () => {
  for (const name of ['user.joe', 'user.ann']) store.createMailbox(name, { partition: 'default' });
  const delivered = new Set<string>();
  const withDuplicates = new Intake({
    store,
    config: env.config,
    logger: silentLogger(),
    hooks: {
      isDuplicate: (id, r) => delivered.has(`${id} ${r.mailbox}`),
      recordDelivery: (id, r) => void delivered.add(`${id} ${r.mailbox}`),
    },
  });
  try {
    const targets = ['user.fred', 'user.joe', 'user.ann', 'user.joe'].map((mailbox) => ({ mailbox, userid: mailbox.split('.')[1]! }));
    const outcomes = await withDuplicates.deliver(withDuplicates.prepare({ bytes: text(7) }), targets);
    expect(outcomes.map((o) => [o.recipient.mailbox, o.status])).toEqual([
      ['user.fred', 'delivered'], ['user.joe', 'delivered'], ['user.ann', 'delivered'], ['user.joe', 'duplicate'],
    ]);
    const inodes = new Set(['user.fred', 'user.joe', 'user.ann'].map((name) => {
      const box = store.openMailbox(name);
      try {
        expect(box.snapshot().uids.length).toBe(1);
        return statSync(box.messagePath(box.snapshot().uids[0]!)).ino;
      } finally {
        box.close();
      }
    }));
    expect(inodes.size).toBe(1);
  } finally {
    withDuplicates.close();
  }
});
