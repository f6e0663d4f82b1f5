/**
 * Restart delays for a child that keeps dying: a child that ran for `stableMs` or longer is
 * restarted at once; each quick death doubles the delay from `firstMs`, up to `maxMs`.
 */
export class RestartBackoff {
  private quickDeaths = 0;
  private lastLoopLog = 0;

  constructor(
    private readonly maxMs: number,
    private readonly firstMs = 250,
    private readonly stableMs = 10_000,
  ) {}

  /** Record a death after `livedMs` of life; returns the delay before the next start. */
  nextDelay(livedMs: number): number {
    if (livedMs >= this.stableMs) this.quickDeaths = 0;
    else this.quickDeaths++;
    if (this.quickDeaths === 0) return 0;
    return Math.min(this.maxMs, this.firstMs * 2 ** Math.min(this.quickDeaths - 1, 30));
  }

  /** Consecutive deaths that came too soon after a start. */
  get consecutiveQuickDeaths(): number {
    return this.quickDeaths;
  }

  /** Whether this is a crash loop worth a log line now (at most one per `everyMs`). */
  shouldReportLoop(now: number, everyMs = 60_000): boolean {
    if (this.quickDeaths < 3) return false;
    if (now - this.lastLoopLog < everyMs) return false;
    this.lastLoopLog = now;
    return true;
  }
}
