import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../common/log.js';
import type { EntryBase } from '../config/cyrus-conf.js';
import { planCommand, type CommandPlan } from './programs.js';

/** What the master needs to turn a START / EVENTS / DAEMON cmd into a process. */
export interface RunnerContext {
  cliPath: string;
  imapdConf: string;
  /** Our own subcommand names (the programs cmd= may name). */
  subcommands: ReadonlySet<string>;
  logger: Logger;
}

/** The process for a plan, or null when there is nothing to run (logged). */
export function spawnPlan(plan: CommandPlan, entry: EntryBase, section: string, ctx: RunnerContext): ChildProcess | null {
  const where = { section, entry: entry.name, cmd: entry.cmd, at: `${entry.file}:${entry.line}` };
  switch (plan.kind) {
    case 'subcommand':
      return spawn(process.execPath, [ctx.cliPath, plan.name, '-C', ctx.imapdConf, ...plan.args], { stdio: ['ignore', 'inherit', 'inherit'] });
    case 'external':
      return spawn(plan.path, plan.args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CYRUS_CONF: ctx.imapdConf } });
    case 'builtin':
      ctx.logger.info({ ...where, reason: plan.reason }, 'nothing to run for this entry');
      return null;
    case 'service':
      ctx.logger.error(where, `${plan.program} serves connections: it belongs in SERVICES`);
      return null;
    case 'missing':
      ctx.logger.error({ ...where, reason: plan.reason }, 'cannot run this entry');
      return null;
  }
}

/** Run a cmd to completion; resolves with its exit code (null when nothing ran). */
export function runToCompletion(entry: EntryBase, section: string, ctx: RunnerContext, onSpawn?: (child: ChildProcess) => void): Promise<number | null> {
  const plan = planCommand(entry.cmd, ctx.subcommands);
  const child = spawnPlan(plan, entry, section, ctx);
  if (!child) return Promise.resolve(null);
  onSpawn?.(child);
  const started = Date.now();
  return new Promise((resolvePromise) => {
    child.on('error', (err) => {
      ctx.logger.error({ section, entry: entry.name, err: err.message }, 'could not start command');
      resolvePromise(null);
    });
    child.on('exit', (code, signal) => {
      const fields = { section, entry: entry.name, cmd: entry.cmd, code, signal, ms: Date.now() - started };
      if (code === 0) ctx.logger.info(fields, 'command finished');
      else ctx.logger.warn(fields, 'command failed');
      resolvePromise(code ?? -1);
    });
  });
}
