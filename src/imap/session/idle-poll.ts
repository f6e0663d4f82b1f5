/**
 * The IDLE safety poll of one process (limits.idlePollMs): one timer for every idling session
 * instead of an interval each. The period is cut into SLOTS ticks and each session joins the slot
 * woken a full period after it started idling, so the sessions stay spread over the period as
 * their own intervals were, never all woken in one turn of the event loop.
 */
const SLOTS = 16;

export class IdlePoller {
  private readonly slots: Array<Set<() => void>> = Array.from({ length: SLOTS }, () => new Set());
  /** The slot the next tick wakes. */
  private next = 0;
  private waiting = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly periodMs: () => number) {}

  /** Call `wake` about every period until the returned function is called. */
  add(wake: () => void): () => void {
    const slot = this.slots[(this.next + SLOTS - 1) % SLOTS]!;
    slot.add(wake);
    this.waiting++;
    if (this.timer === null) {
      this.timer = setInterval(() => this.tick(), Math.max(1, Math.round(this.periodMs() / SLOTS)));
      this.timer.unref();
    }
    return () => {
      if (!slot.delete(wake) || --this.waiting > 0 || this.timer === null) return;
      clearInterval(this.timer);
      this.timer = null;
    };
  }

  /** Sessions waiting for the poll. */
  get size(): number {
    return this.waiting;
  }

  private tick(): void {
    const slot = this.slots[this.next]!;
    this.next = (this.next + 1) % SLOTS;
    for (const wake of slot) wake();
  }
}
