import type { ChildProcess } from 'node:child_process';
import type { DaemonEntry } from '../config/cyrus-conf.js';
import { RestartBackoff } from './backoff.js';
import { planCommand } from './programs.js';
import { spawnPlan, type RunnerContext } from './runner.js';

/** One DAEMON entry, kept running: restarted with back-off whenever it exits. */
export class DaemonKeeper {
  private child: ChildProcess | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private startedAt = 0;
  private readonly backoff: RestartBackoff;

  constructor(
    readonly entry: DaemonEntry,
    private readonly ctx: RunnerContext,
    restartBackoffMaxMs: number,
  ) {
    this.backoff = new RestartBackoff(restartBackoffMaxMs);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.stopped) return;
    const plan = planCommand(this.entry.cmd, this.ctx.subcommands);
    const child = spawnPlan(plan, this.entry, 'DAEMON', this.ctx);
    if (!child) return;
    this.child = child;
    this.startedAt = Date.now();
    this.ctx.logger.info({ section: 'DAEMON', entry: this.entry.name, pid: child.pid }, 'daemon started');
    child.on('error', (err) => this.ctx.logger.error({ section: 'DAEMON', entry: this.entry.name, err: err.message }, 'daemon could not start'));
    child.on('exit', (code, signal) => {
      this.child = null;
      if (this.stopped) return;
      const now = Date.now();
      const delay = this.backoff.nextDelay(now - this.startedAt);
      this.ctx.logger.warn({ section: 'DAEMON', entry: this.entry.name, code, signal, restartInMs: delay }, 'daemon exited, restarting');
      if (this.backoff.shouldReportLoop(now)) this.ctx.logger.error({ section: 'DAEMON', entry: this.entry.name }, 'daemon crash loop: restarts are being slowed down');
      this.timer = setTimeout(() => this.start(), delay);
    });
  }

  /** SIGTERM, then SIGKILL at the deadline; resolves once it has exited. */
  async stop(deadlineMs: number): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolvePromise) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), Math.max(0, deadlineMs - Date.now()));
      child.once('exit', () => {
        clearTimeout(kill);
        resolvePromise();
      });
      child.kill('SIGTERM');
    });
  }
}
