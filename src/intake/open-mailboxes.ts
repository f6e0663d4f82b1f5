/**
 * Mailboxes that just received a delivery, kept open for a short while. Opening a mailbox's index
 * and closing it (a WAL checkpoint, with its fsyncs) for every delivery costs more than the
 * delivery itself. This holds one reference on the store's shared handle; each use takes its own
 * reference (store.openMailbox) and checks it against the mailboxes.db entry just looked up: a
 * mailbox renamed or deleted (and another made under its name) has a new uniqueid, a relocated
 * one a new partition, and a handle this process renamed or deleted is no longer the store's.
 * A handle is closed after `idleMs` without deliveries, or when more than `capacity` are open
 * (the least recently used goes).
 */
import { MailError } from '../common/index.js';
import type { MailboxEntry, MailStore } from '../store/index.js';

type Mailbox = ReturnType<MailStore['openMailbox']>;

interface Held {
  readonly mailbox: Mailbox;
  readonly timer: NodeJS.Timeout;
}

const matches = (mailbox: Mailbox, entry: MailboxEntry) => mailbox.uniqueId === entry.uniqueId && mailbox.partition === entry.partition;

export class OpenMailboxes {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly store: MailStore,
    private readonly capacity = 64,
    private readonly idleMs = 3000,
  ) {}

  /** A reference of its own on the mailbox of `entry` (close() it when done); kept open for later. */
  open(entry: MailboxEntry): Mailbox {
    let mailbox = this.store.openMailbox(entry.name);
    const known = this.held.get(entry.name);
    if (known !== undefined && (known.mailbox !== mailbox || !matches(mailbox, entry))) {
      this.drop(entry.name);
      if (!matches(mailbox, entry)) {
        // A stale handle (the mailbox changed under this name in another process): open afresh.
        mailbox.close();
        mailbox = this.store.openMailbox(entry.name);
      }
    }
    if (!matches(mailbox, entry)) {
      mailbox.close();
      throw new MailError('Temp', `mailbox ${entry.name} changed meanwhile; try again`);
    }
    const still = this.held.get(entry.name);
    if (still !== undefined) {
      still.timer.refresh();
      this.held.delete(entry.name);
      this.held.set(entry.name, still); // most recently used last
      return mailbox;
    }
    const timer = setTimeout(() => this.drop(entry.name), this.idleMs);
    timer.unref();
    this.held.set(entry.name, { mailbox: mailbox.retain(), timer });
    while (this.held.size > this.capacity) this.drop(this.held.keys().next().value!);
    return mailbox;
  }

  /** Stop holding `name` (after an error on it, or when idle). */
  drop(name: string): void {
    const known = this.held.get(name);
    if (known === undefined) return;
    this.held.delete(name);
    clearTimeout(known.timer);
    known.mailbox.close();
  }

  closeAll(): void {
    for (const name of [...this.held.keys()]) this.drop(name);
  }
}
