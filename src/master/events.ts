import type { ChildProcess } from 'node:child_process';
import type { EventEntry } from '../config/cyrus-conf.js';
import { runToCompletion, type RunnerContext } from './runner.js';

const MINUTE = 60_000;

/**
 * When an EVENTS entry runs next after `now` (epoch ms, local time for at=). A period entry runs
 * every `period` minutes; an at= entry once a day at that local time; with both, whichever is first.
 */
export function nextRunAfter(entry: Pick<EventEntry, 'period' | 'at'>, now: number, lastRun: number | null): number | null {
  const candidates: number[] = [];
  if (entry.period > 0) candidates.push(lastRun === null ? now : lastRun + entry.period * MINUTE);
  if (entry.at !== null) {
    const day = new Date(now);
    day.setHours(Math.floor(entry.at / 60), entry.at % 60, 0, 0);
    let at = day.getTime();
    if (at <= now) {
      day.setDate(day.getDate() + 1);
      day.setHours(Math.floor(entry.at / 60), entry.at % 60, 0, 0);
      at = day.getTime();
    }
    candidates.push(at);
  }
  return candidates.length === 0 ? null : Math.min(...candidates);
}

/**
 * Runs the EVENTS section: each periodic entry at once on start and then every period; at= entries
 * at their time of day; an entry with neither runs once at start (as in Cyrus). An entry still
 * running when it is due again is skipped that time.
 */
export class EventScheduler {
  private timers = new Map<string, NodeJS.Timeout>();
  private running = new Map<string, Promise<number | null>>();
  private children = new Set<ChildProcess>();
  private stopped = false;

  constructor(
    private readonly events: readonly EventEntry[],
    private readonly ctx: RunnerContext,
  ) {}

  start(): void {
    const now = Date.now();
    for (const entry of this.events) {
      if (entry.period === 0 && entry.at === null) this.runNow(entry, now);
      else this.schedule(entry, null, now);
    }
  }

  private schedule(entry: EventEntry, lastRun: number | null, now: number): void {
    const next = nextRunAfter(entry, now, lastRun);
    if (next === null || this.stopped) return;
    // setTimeout holds at most ~24.8 days; re-check long waits in steps.
    const wait = Math.max(0, Math.min(next - now, 6 * 3600_000));
    const timer = setTimeout(() => {
      const at = Date.now();
      if (at + 50 < next) return this.schedule(entry, lastRun, at);
      this.runNow(entry, at);
      this.schedule(entry, at, at + 1);
    }, wait);
    this.timers.set(entry.name, timer);
  }

  private runNow(entry: EventEntry, now: number): void {
    if (this.stopped) return;
    if (this.running.has(entry.name)) {
      this.ctx.logger.warn({ section: 'EVENTS', entry: entry.name, at: now }, 'event still running from last time, skipped');
      return;
    }
    let spawned: ChildProcess | null = null;
    const run = runToCompletion(entry, 'EVENTS', this.ctx, (child) => this.children.add((spawned = child))).finally(() => {
      this.running.delete(entry.name);
      if (spawned) this.children.delete(spawned);
    });
    this.running.set(entry.name, run);
  }

  /** Stop scheduling; runs under way may finish until `deadlineMs`, then they are killed. */
  async stop(deadlineMs: number): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    const kill = setTimeout(() => {
      for (const child of this.children) child.kill('SIGKILL');
    }, Math.max(0, deadlineMs - Date.now()));
    await Promise.all(this.running.values());
    clearTimeout(kill);
  }
}
