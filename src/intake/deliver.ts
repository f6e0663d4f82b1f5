/**
 * One prepared message into several mailboxes (LMTP), each recipient on its own: Sieve seam →
 * duplicate seam → quota seam → store → record. Single-instance store: the first copy on a
 * partition is written, the others on that partition are hard links to it, stored at once into
 * their mailboxes. The copies go through DeliveryBatches, which stores concurrent deliveries into
 * one mailbox in one append.
 */
import { MailError } from '../common/index.js';
import type { AppendItem } from '../mailbox/index.js';
import type { QuotaMode } from '../store/index.js';
import type { DeliveryBatches } from './delivery-batches.js';
import type { DeliveryOutcome, DeliveryRecipient, IntakeHooks, IntakeOptions, IntakeSettings, PreparedMessage } from './types.js';

type LinkSource = NonNullable<AppendItem['linkFrom']>;

interface DeliveryRun {
  deps: IntakeOptions;
  batches: DeliveryBatches;
  settings: IntakeSettings;
  hooks: IntakeHooks;
  message: PreparedMessage;
  internalDate: Date;
  /** Per partition: the copy already written, to link the others to. */
  written: Map<string, LinkSource>;
}

interface StoredCopy {
  mailbox: string;
  uidValidity: number;
  uid: number;
}

/** A bug (not a MailError) fails one recipient as a temporary failure, logged in full. */
function asMailError(run: DeliveryRun, err: unknown, recipient: DeliveryRecipient): MailError {
  if (err instanceof MailError) return err;
  run.deps.logger.error({ err, mailbox: recipient.mailbox }, 'delivery failed');
  return new MailError('Temp', 'internal error during delivery', { internal: true });
}

/**
 * Store one copy into `target`: a link to the partition's first copy when there is one. `edited`:
 * this recipient's own version of the message (Sieve editheader), written apart and never linked.
 */
async function storeCopy(run: DeliveryRun, target: DeliveryRecipient, edited?: Buffer): Promise<StoredCopy> {
  const entry = run.deps.store.lookup(target.mailbox);
  if (!entry) throw new MailError('NotFound', `no mailbox ${target.mailbox}`);
  const content = edited ?? run.message.content;
  const quota: QuotaMode = target.quota ?? (run.deps.config.bool('lmtp_strict_quota') ? 'strict' : 'delivery');
  run.hooks.chargeQuota(entry, content.length, 1, quota, 'delivery');
  const base = { flags: target.flags ?? [], internalDate: target.internalDate ?? run.internalDate };
  if (edited !== undefined) {
    const stored = await run.batches.append(entry, { ...base, content: edited }, target.userid, quota);
    return { mailbox: entry.name, uidValidity: stored.uidValidity, uid: stored.uid };
  }
  const { message } = run;
  const source = run.settings.singleInstance ? run.written.get(entry.partition) : undefined;
  let stored;
  if (source) {
    try {
      stored = await run.batches.append(entry, { ...base, linkFrom: source }, target.userid, quota);
    } catch (err) {
      // The first copy went away meanwhile (expunged): write this one instead.
      run.deps.logger.warn({ err, mailbox: entry.name }, 'single-instance link failed; writing a copy');
      run.written.delete(entry.partition);
    }
  }
  stored ??= await run.batches.append(entry, { ...base, content: message.content }, target.userid, quota);
  if (!run.written.has(entry.partition)) run.written.set(entry.partition, stored.source);
  return { mailbox: entry.name, uidValidity: stored.uidValidity, uid: stored.uid };
}

/** Whether one of the latest messages of the target mailbox has this Message-ID (see IntakeHooks.isDuplicate). */
function storedRecently(run: DeliveryRun, target: DeliveryRecipient, messageId: string): boolean {
  const entry = run.deps.store.lookup(target.mailbox);
  if (!entry) return false;
  const mailbox = run.batches.mailboxes.open(entry);
  try {
    return mailbox.fields.recentlyHolds(messageId);
  } finally {
    mailbox.close();
  }
}

/** Everything for one recipient; never throws. */
async function deliverTo(run: DeliveryRun, recipient: DeliveryRecipient): Promise<DeliveryOutcome> {
  try {
    const verdict = run.hooks.sieve(run.message, recipient);
    if (verdict.reject !== undefined) {
      await verdict.after?.();
      return { status: 'rejected', recipient, reason: verdict.reject };
    }
    const targets = verdict.fileInto;
    if (targets.length === 0) {
      await verdict.after?.();
      return { status: 'discarded', recipient };
    }
    const messageId = run.message.messageId;
    let first: StoredCopy | null = null;
    for (const target of targets) {
      if (messageId !== null && run.hooks.isDuplicate(messageId, target, () => storedRecently(run, target, messageId))) continue;
      if (messageId !== null) run.hooks.beginDelivery(messageId, target);
      const copy = await storeCopy(run, target, verdict.content);
      if (messageId !== null) run.hooks.recordDelivery(messageId, target);
      first ??= copy;
    }
    await verdict.after?.();
    if (first === null) return { status: 'duplicate', recipient };
    return { status: 'delivered', recipient, ...first };
  } catch (err) {
    return { status: 'failed', recipient, error: asMailError(run, err, recipient) };
  }
}

/**
 * Recipients one by one until a copy is written (the file the others on its partition link to);
 * then every recipient into a mailbox not taken yet at once: separate appends, whose fsyncs overlap
 * on the thread pool. A recipient into a mailbox taken before waits for those (duplicate
 * suppression then sees their records). Outcomes in recipient order.
 */
export async function deliver(deps: IntakeOptions, settings: IntakeSettings, hooks: IntakeHooks, batches: DeliveryBatches, message: PreparedMessage, recipients: readonly DeliveryRecipient[]): Promise<DeliveryOutcome[]> {
  const run: DeliveryRun = { deps, settings, hooks, batches, message, internalDate: new Date(), written: new Map() };
  const outcomes: DeliveryOutcome[] = new Array(recipients.length);
  const taken = new Set<string>();
  let next = 0;
  for (; next < recipients.length && run.written.size === 0; next++) {
    taken.add(recipients[next]!.mailbox);
    outcomes[next] = await deliverTo(run, recipients[next]!);
  }
  const together: number[] = [];
  const after: number[] = [];
  for (let i = next; i < recipients.length; i++) {
    const name = recipients[i]!.mailbox;
    if (taken.has(name)) after.push(i);
    else {
      taken.add(name);
      together.push(i);
    }
  }
  await Promise.all(together.map(async (i) => {
    outcomes[i] = await deliverTo(run, recipients[i]!);
  }));
  for (const i of after) outcomes[i] = await deliverTo(run, recipients[i]!);
  return outcomes;
}
