/**
 * Group concurrent deliveries into one mailbox into one Mailbox.append: one index transaction and
 * one index fsync for the group instead of one each. A delivery that arrives while an append into
 * its mailbox is in flight waits and joins the next group (at most `maxBatch`); the first one of a
 * quiet mailbox goes at once. Each caller gets its own result, only once the group is durable.
 *
 * Deliveries are grouped only when they are stored alike: same mailbox (and uniqueid), same userid
 * (whose \Seen a flag sets) and same quota mode. A group is all or nothing in Mailbox.append, so
 * when it fails every member is appended again on its own, in arrival order, and gets its own
 * answer: one member's failure (quota, a vanished link source) never fails another.
 *
 * Quota: a group of 'delivery' members is first tried as 'strict' (the whole group must fit);
 * when it fits, every member would have been accepted one after the other too. When it does not,
 * the members go one by one under 'delivery', exactly as without grouping.
 */
import { MailError } from '../common/index.js';
import type { AppendItem } from '../mailbox/index.js';
import type { MailboxEntry, QuotaMode } from '../store/index.js';
import type { OpenMailboxes } from './open-mailboxes.js';

type Mailbox = ReturnType<OpenMailboxes['open']>;
type LinkSource = NonNullable<AppendItem['linkFrom']>;

/** One stored copy: where it is, and what a hard link to it needs. */
export interface StoredItem {
  uidValidity: number;
  uid: number;
  source: LinkSource;
}

interface Waiting {
  item: AppendItem;
  resolve: (stored: StoredItem) => void;
  reject: (err: unknown) => void;
}

interface Queue {
  readonly entry: MailboxEntry;
  readonly userid: string | null;
  readonly quota: QuotaMode;
  waiting: Waiting[];
}

export class DeliveryBatches {
  private readonly queues = new Map<string, Queue>();

  constructor(
    readonly mailboxes: OpenMailboxes,
    private readonly maxBatch = 32,
  ) {}

  /** Store `item` into the mailbox of `entry`, possibly together with other deliveries there. */
  append(entry: MailboxEntry, item: AppendItem, userid: string | null, quota: QuotaMode): Promise<StoredItem> {
    const key = JSON.stringify([entry.name, entry.uniqueId, entry.partition, userid, quota]);
    return new Promise<StoredItem>((resolve, reject) => {
      const known = this.queues.get(key);
      if (known !== undefined) {
        known.waiting.push({ item, resolve, reject });
        return;
      }
      const queue: Queue = { entry, userid, quota, waiting: [{ item, resolve, reject }] };
      this.queues.set(key, queue);
      void this.drain(key, queue);
    });
  }

  /** Append groups while deliveries keep arriving; the queue goes away when it is empty. */
  private async drain(key: string, queue: Queue): Promise<void> {
    while (queue.waiting.length > 0) {
      const group = queue.waiting.splice(0, this.maxBatch);
      try {
        await this.store(queue, group);
      } catch (err) {
        // Never leave a caller waiting (settling an answered member again does nothing).
        for (const member of group) member.reject(err);
      }
    }
    this.queues.delete(key);
  }

  private async store(queue: Queue, group: Waiting[]): Promise<void> {
    let mailbox: Mailbox;
    try {
      mailbox = this.mailboxes.open(queue.entry);
    } catch (err) {
      for (const member of group) member.reject(err);
      return;
    }
    try {
      if (group.length > 1) {
        const grouped = queue.quota === 'delivery' ? 'strict' : queue.quota;
        try {
          const stored = await appendAll(mailbox, group.map((m) => m.item), queue.userid, grouped);
          group.forEach((member, i) => member.resolve(stored[i]!));
          return;
        } catch (err) {
          // Committed, but the fsync after the commit failed: storing the members again would
          // store them twice; they all fail (temporarily) instead.
          if (err instanceof MailError && err.detail?.afterCommit === true) throw err;
          // Nothing of the group was stored: each member again on its own, for its own answer.
        }
      }
      for (const member of group) {
        try {
          member.resolve((await appendAll(mailbox, [member.item], queue.userid, queue.quota))[0]!);
        } catch (err) {
          if (err instanceof MailError && err.kind === 'NotFound') this.mailboxes.drop(queue.entry.name);
          member.reject(err);
        }
      }
    } finally {
      mailbox.close();
    }
  }
}

async function appendAll(mailbox: Mailbox, items: AppendItem[], userid: string | null, quota: QuotaMode): Promise<StoredItem[]> {
  const result = await mailbox.append(items, { userid, quota });
  const records = new Map(mailbox.records(result.uids).map((r) => [r.uid, r]));
  return result.uids.map((uid) => {
    const record = records.get(uid);
    const source: LinkSource = { path: mailbox.messagePath(uid), summary: mailbox.summary(uid) ?? undefined, guid: record?.guid, size: record?.size };
    return { uidValidity: result.uidValidity, uid, source };
  });
}
