/**
 * When usage figures must be read (again). By default they are read once, before the first
 * selection, and kept for the life of the process; with `usageReinit` N > 0 they are read again
 * after every N selections (before selections N+1, 2N+1, ...), as the *_select_usage_reinit
 * options say.
 */
export class UsageRefresh {
  private selections = 0;

  constructor(readonly usageReinit: number) {}

  /** Count one selection; true when the usage must be read before making it. */
  beforeSelection(): boolean {
    const due = this.selections === 0 || (this.usageReinit > 0 && this.selections % this.usageReinit === 0);
    this.selections += 1;
    return due;
  }

  /** Forget the figures: the next selection reads usage first. */
  invalidate(): void {
    this.selections = 0;
  }
}
