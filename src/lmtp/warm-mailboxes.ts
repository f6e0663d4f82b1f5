/**
 * Mailboxes that just received mail, kept open for a few seconds. A mailbox's index is a SQLite
 * database: opening it and closing it (which checkpoints the WAL, with its fsyncs) for every
 * delivery cost more than the delivery itself. While a handle is held here, the intake's
 * openMailbox/close for each message is only a reference count. A handle is checked against
 * mailboxes.db at every RCPT (a mailbox renamed or deleted by another process, and another made
 * under its name, has a new uniqueid) and closed after `idleMs` without mail, or when more than
 * `capacity` are open (the least recently used goes).
 */
import type { Logger } from '../common/index.js';
import type { MailboxEntry, MailStore } from '../store/index.js';

type Mailbox = ReturnType<MailStore['openMailbox']>;

interface Warm {
  readonly mailbox: Mailbox;
  readonly uniqueId: string;
  readonly timer: NodeJS.Timeout;
}

export class WarmMailboxes {
  private readonly warm = new Map<string, Warm>();

  constructor(
    private readonly store: MailStore,
    private readonly logger: Logger,
    private readonly capacity = 64,
    private readonly idleMs = 5000,
  ) {}

  /** Keep the mailbox of `entry` (just looked up in mailboxes.db) open for the coming delivery. */
  touch(entry: MailboxEntry): void {
    const known = this.warm.get(entry.name);
    if (known !== undefined && known.uniqueId === entry.uniqueId) {
      known.timer.refresh();
      this.warm.delete(entry.name);
      this.warm.set(entry.name, known); // most recently used last
      return;
    }
    if (known !== undefined) this.drop(entry.name);
    let mailbox: Mailbox;
    try {
      mailbox = this.store.openMailbox(entry.name);
    } catch (err) {
      // Only a speed-up: the delivery itself will meet (and report) the same problem.
      this.logger.debug({ err, mailbox: entry.name }, 'cannot keep mailbox open');
      return;
    }
    const timer = setTimeout(() => this.drop(entry.name), this.idleMs);
    timer.unref();
    this.warm.set(entry.name, { mailbox, uniqueId: entry.uniqueId, timer });
    while (this.warm.size > this.capacity) this.drop(this.warm.keys().next().value!);
  }

  private drop(name: string): void {
    const known = this.warm.get(name);
    if (known === undefined) return;
    this.warm.delete(name);
    clearTimeout(known.timer);
    known.mailbox.close();
  }

  closeAll(): void {
    for (const name of [...this.warm.keys()]) this.drop(name);
  }
}
