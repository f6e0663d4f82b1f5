/**
 * Where password checks (scrypt, saslauthd) wait their turn, so that a flood of guesses cannot
 * starve honest logins, as one first-come-first-served queue (libuv's thread pool) would:
 *
 * - at most `concurrency` checks run at once in a process (the rest of the thread pool stays
 *   free for file work);
 * - waiting checks are served by client address in turn (round robin), addresses without recent
 *   failures first: a penalised address waits behind everyone else;
 * - one address with recent failures may have at most `perAddress` attempts in progress (penalty wait, queue and check
 *   together); more are refused at once (MailError Temp, detail.busy), before costing anything;
 * - a check whose client has gone by its turn is not run (MailError AuthFailed, detail.abandoned).
 */
import { MailError } from '../common/errors.js';

export interface CheckQueueOptions {
  /** Checks run at once. */
  concurrency: number;
  /** Attempts in progress per client address. */
  perAddress: number;
  /** Checks waiting in all (beyond: refused as busy). */
  maxWaiting?: number;
}

type Waiter = () => void;

/** Addresses in turn, each with its waiting checks in arrival order. */
class Tier {
  private readonly byAddress = new Map<string, Waiter[]>();
  size = 0;

  push(address: string, waiter: Waiter): void {
    const queue = this.byAddress.get(address);
    if (queue) queue.push(waiter);
    else this.byAddress.set(address, [waiter]);
    this.size++;
  }

  /** The next address's first waiter; that address moves to the back of the turn. */
  shift(): Waiter | undefined {
    const next = this.byAddress.entries().next();
    if (next.done) return undefined;
    const [address, queue] = next.value;
    const waiter = queue.shift()!;
    this.byAddress.delete(address);
    if (queue.length > 0) this.byAddress.set(address, queue);
    this.size--;
    return waiter;
  }
}

const DEFAULT_MAX_WAITING = 10_000;

export class CheckQueue {
  private running = 0;
  private readonly inProgress = new Map<string, number>();
  private readonly clean = new Tier();
  private readonly penalised = new Tier();
  private readonly maxWaiting: number;

  constructor(private readonly options: CheckQueueOptions) {
    this.maxWaiting = options.maxWaiting ?? DEFAULT_MAX_WAITING;
  }

  /** Checks running now and waiting now (tests, logs). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.clean.size + this.penalised.size };
  }

  /** Admit one attempt from `address` (release() it when done); throws Temp when a penalised address has too many. */
  admit(address: string, penalised = true): CheckTicket {
    const count = this.inProgress.get(address) ?? 0;
    if (penalised && count >= this.options.perAddress) {
      throw new MailError('Temp', 'too many authentication attempts from this address at once', { busy: true });
    }
    this.inProgress.set(address, count + 1);
    return new CheckTicket(this, address);
  }

  /** @internal CheckTicket's end. */
  release(address: string): void {
    const count = (this.inProgress.get(address) ?? 1) - 1;
    if (count <= 0) this.inProgress.delete(address);
    else this.inProgress.set(address, count);
  }

  /** @internal Run `task` when a slot is free and this address's turn comes. */
  async run<T>(address: string, penalised: boolean, gone: () => boolean, task: () => Promise<T>): Promise<T> {
    if (this.running >= Math.max(1, this.options.concurrency) || this.clean.size + this.penalised.size > 0) {
      if (this.clean.size + this.penalised.size >= this.maxWaiting) {
        throw new MailError('Temp', 'too many authentication attempts waiting', { busy: true });
      }
      await new Promise<void>((resolve) => (penalised ? this.penalised : this.clean).push(address, resolve));
    } else {
      this.running++;
    }
    // A slot is ours now (counted in `running`), handed over by finish() or taken above.
    try {
      if (gone()) throw new MailError('AuthFailed', 'client gone before its password was checked', { abandoned: true });
      return await task();
    } finally {
      this.finish();
    }
  }

  private finish(): void {
    const next = this.clean.shift() ?? this.penalised.shift();
    if (next) next(); // the slot passes on: `running` stays
    else this.running--;
  }
}

/** One admitted attempt: its check goes through the queue, and it is released once, at its end. */
export class CheckTicket {
  private released = false;
  constructor(private readonly queue: CheckQueue, private readonly address: string) {}

  run<T>(penalised: boolean, gone: () => boolean, task: () => Promise<T>): Promise<T> {
    return this.queue.run(this.address, penalised, gone, task);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.queue.release(this.address);
  }
}
