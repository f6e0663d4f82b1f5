// Concurrent deliveries into one mailbox share one Mailbox.append (seen by the modseq: every append
// is one index transaction with one new modseq), each with its own outcome; the mailboxes kept
// open between deliveries follow a rename made by another process.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/index.js';
import { Intake, type DeliveryOutcome, type DeliveryRecipient } from '../../src/intake/index.js';
import type { MailStore, QuotaMode } from '../../src/store/index.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';
import { NO_LIMITS } from '../quota/helpers.js';

let env: TestEnv;
let store: MailStore;
let intake: Intake;
beforeEach(() => {
  env = makeEnv('fsync_disabled: yes');
  store = env.open();
  for (const name of ['user.fred', 'user.joe']) store.createMailbox(name, { partition: 'default' });
  intake = new Intake({ store, config: env.config, logger: silentLogger() });
});
afterEach(() => {
  intake.close();
  env.cleanup();
});

const text = (subject: string) => Buffer.from(`Message-ID: <${subject}@x>\nSubject: ${subject}\n\nbody\n`);
const to = (mailbox: string, quota?: QuotaMode): DeliveryRecipient => ({ mailbox, userid: mailbox.split('.')[1]!, ...(quota ? { quota } : {}) });

/** `count` deliveries of one message each into `mailbox`, all started at once. */
async function concurrently(count: number, mailbox: string, quota?: QuotaMode): Promise<DeliveryOutcome[]> {
  const runs = Array.from({ length: count }, (_, i) => intake.deliver(intake.prepare({ bytes: text(`m${i}`) }), [to(mailbox, quota)]));
  return (await Promise.all(runs)).map((outcomes) => outcomes[0]!);
}

function modseqsOf(name: string): number[] {
  const box = store.openMailbox(name);
  try {
    return box.records(box.snapshot().uids).map((r) => r.modseq);
  } finally {
    box.close();
  }
}

describe('delivery batches', () => {
  it('stores concurrent deliveries into one mailbox in one append, each with its own uid', async () => {
    const outcomes = await concurrently(10, 'user.fred');
    expect(outcomes.map((o) => o.status)).toEqual(Array(10).fill('delivered'));
    expect(outcomes.map((o) => (o.status === 'delivered' ? o.uid : 0))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The first goes alone at once; the nine that arrived meanwhile go together in the next append.
    expect(new Set(modseqsOf('user.fred')).size).toBe(2);
    // Another mailbox is not held up and not mixed in.
    const [fred, joe] = await Promise.all([concurrently(3, 'user.fred'), concurrently(3, 'user.joe')]);
    expect([...fred, ...joe].map((o) => (o.status === 'delivered' ? o.mailbox : o.status))).toEqual(['user.fred', 'user.fred', 'user.fred', 'user.joe', 'user.joe', 'user.joe']);
  });

  it('answers each member of a failing group on its own: what fits is stored, the rest refused', async () => {
    store.setQuota('user.fred', { ...NO_LIMITS, MESSAGE: 4 });
    const outcomes = await concurrently(10, 'user.fred', 'strict');
    expect(outcomes.map((o) => (o.status === 'failed' ? o.error.kind : o.status))).toEqual([
      'delivered', 'delivered', 'delivered', 'delivered', 'OverQuota', 'OverQuota', 'OverQuota', 'OverQuota', 'OverQuota', 'OverQuota',
    ]);
    expect(modseqsOf('user.fred')).toHaveLength(4);
  });

  it('follows a mailbox renamed by another process and a new one made under its name', async () => {
    await concurrently(1, 'user.fred');
    const other = env.open();
    other.renameMailbox('user.fred', 'user.joe.Old');
    other.createMailbox('user.fred', { partition: 'default' });
    const [outcome] = await concurrently(1, 'user.fred');
    expect(outcome?.status === 'delivered' ? outcome.uid : outcome?.status).toBe(1);
    expect(modseqsOf('user.joe.Old')).toHaveLength(1);
    expect(modseqsOf('user.fred')).toHaveLength(1);
  });
});
