import { spawn } from 'node:child_process';
import { chownSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { LevelWithSilent } from 'pino';
import { createLogger } from '../common/log.js';
import { ConfigError, ImapdConfig } from '../config/index.js';
import { CyrusConfError } from '../config/cyrus-conf.js';
import { Master, PidFileHeldError, ServiceStartError } from './master.js';
import { runAsFor } from './privileges.js';
import { runWorker } from './worker.js';

/** dist/bin/cyrusts.js, the program every child of the master runs. */
export const CLI_PATH = fileURLToPath(new URL('../../bin/cyrusts.js', import.meta.url));

export const DEFAULT_IMAPD_CONF = '/etc/imapd.conf';
export const DEFAULT_CYRUS_CONF = '/etc/cyrus.conf';

interface MasterFlags {
  config: string;
  masterConfig: string;
  debug?: boolean;
  pidfile?: string;
}

/** Set in the environment of the detached master so it reports its start to the parent. */
const REPORT_ENV = 'CYRUSTS_MASTER_REPORT_START';

/** What the detached master tells the process that started it, over the IPC channel. */
type StartReport = { state: 'ready'; announced: string[] } | { state: 'failed'; reason: string; code: number };

/** The exit status for a master that cannot start: 78 bad configuration, 75 pid file held, else 1. */
export function startFailureCode(err: unknown): number {
  if (err instanceof ConfigError || err instanceof CyrusConfError) return 78;
  if (err instanceof PidFileHeldError) return 75;
  if (err instanceof ServiceStartError) return err.exitCode;
  return 1;
}

/**
 * Without -D: start a detached copy with -D, its output in {configdirectory}/log/master.log, and
 * wait until it says it is ready (listeners open, pid file written) or why it is not. Only a
 * ready master makes this exit 0; otherwise the reason goes to stderr with the child's exit status.
 */
async function daemonize(flags: MasterFlags): Promise<void> {
  const config = ImapdConfig.load(flags.config);
  const logDir = join(config.configDirectory, 'log');
  const firstMade = mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, 'master.log');
  const out = openSync(logFile, 'a');
  giveToRunAsUser(config, firstMade ?? null, logDir, logFile);
  const args = [CLI_PATH, 'master', '-C', resolve(flags.config), '-M', resolve(flags.masterConfig), '-D'];
  if (flags.pidfile) args.push('-p', resolve(flags.pidfile));
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', out, out, 'ipc'],
    env: { ...process.env, CYRUSTS_LOG_JSON: '1', [REPORT_ENV]: '1' },
  });
  closeSync(out);
  const report = await new Promise<StartReport>((resolvePromise) => {
    child.once('message', (message: StartReport) => resolvePromise(message));
    child.once('error', (err) => resolvePromise({ state: 'failed', reason: err.message, code: 1 }));
    child.once('exit', (code, signal) =>
      resolvePromise({ state: 'failed', reason: `master exited (${signal ?? `status ${code}`}) before it was ready; see ${logFile}`, code: code || 1 }),
    );
  });
  if (child.connected) child.disconnect();
  child.unref();
  if (report.state === 'ready') {
    for (const line of report.announced) process.stdout.write(`${line}\n`);
    process.stdout.write(`master started in the background, pid ${child.pid}, log in ${logFile}\n`);
    return;
  }
  process.stderr.write(`${report.reason}\n`);
  process.exit(report.code);
}

/**
 * Started as root: the log directory and file made here belong to the user the master will run as
 * (it refuses to start over files another user owns). A problem with that user is the master's to report.
 */
function giveToRunAsUser(config: ImapdConfig, firstMade: string | null, logDir: string, logFile: string): void {
  let runAs;
  try {
    runAs = runAsFor(config);
  } catch {
    return;
  }
  if (!runAs) return;
  const made: string[] = [];
  for (let dir = logDir; firstMade !== null; dir = dirname(dir)) {
    made.push(dir);
    if (dir === firstMade || dir === dirname(dir)) break;
  }
  for (const path of [...made, logDir, logFile]) chownSync(path, runAs.uid, runAs.gid);
}

/** In the detached master: tell the parent how the start went, then let go of the channel. */
function reportStart(report: StartReport): Promise<void> {
  if (!process.send || !process.connected) return Promise.resolve();
  return new Promise((resolvePromise) => {
    process.send!(report, undefined, {}, () => {
      if (process.connected) process.disconnect();
      resolvePromise();
    });
  });
}

async function runMaster(flags: MasterFlags, program: Command): Promise<void> {
  if (!flags.debug) return daemonize(flags);
  const reporting = process.env[REPORT_ENV] === '1';
  // Not for the children of this master.
  delete process.env[REPORT_ENV];
  if (!reporting) {
    await runForeground(flags, program);
    return;
  }
  let announced: string[];
  try {
    announced = await runForeground(flags, program);
  } catch (err) {
    await reportStart({ state: 'failed', reason: (err as Error).message, code: startFailureCode(err) });
    throw err;
  }
  await reportStart({ state: 'ready', announced });
}

/** Run the master in this process; resolves with the lines it announced once it is up. */
async function runForeground(flags: MasterFlags, program: Command): Promise<string[]> {
  let announced: string[] | null = [];
  const config = ImapdConfig.load(flags.config);
  const logger = createLogger({ name: 'master', level: config.enum<LevelWithSilent>('loglevel') });
  const master = new Master({
    imapdConf: resolve(flags.config),
    cyrusConf: resolve(flags.masterConfig),
    pidFile: flags.pidfile ? resolve(flags.pidfile) : undefined,
    cliPath: CLI_PATH,
    subcommands: new Set(program.commands.map((c) => c.name())),
    logger,
    announce: (line) => {
      announced?.push(line);
      process.stdout.write(`${line}\n`);
    },
  });
  let exiting = false;
  const shutdown = (signal: string) => {
    if (exiting) return;
    exiting = true;
    logger.info({ signal }, 'signal received');
    master.stop().then(
      () => {
        logger.flush();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => {
    logger.info({ signal: 'SIGHUP' }, 'reloading configuration');
    void master.reload();
  });
  try {
    await master.start();
  } catch (err) {
    logger.fatal({ err: (err as Error).message }, 'master cannot start');
    await master.stop().catch(() => undefined);
    logger.flush();
    throw err;
  }
  const lines = announced;
  announced = null;
  return lines;
}

function configErrorExit(err: unknown): never {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(startFailureCode(err));
}

/** `cyrusts master -C imapd.conf -M cyrus.conf [-D] [-p pidfile]` and the internal `worker`. */
export function registerMaster(program: Command): void {
  program
    .command('master')
    .description('start the server: run START, listen for SERVICES, schedule EVENTS, keep DAEMON entries running')
    .option('-C, --config <file>', 'imapd.conf to read', DEFAULT_IMAPD_CONF)
    .option('-M, --master-config <file>', 'cyrus.conf to read', DEFAULT_CYRUS_CONF)
    .option('-D, --debug', 'stay in the foreground (otherwise start in the background and return)')
    .option('-p, --pidfile <file>', 'write the process id here instead of master_pidfile')
    .action((flags: MasterFlags) => runMaster(flags, program).catch(configErrorExit));

  program
    .command('worker', { hidden: true })
    .description('internal: a worker process of one SERVICES entry, started by the master')
    .requiredOption('-C, --config <file>', 'imapd.conf to read')
    .requiredOption('--service <name>', 'the SERVICES entry name')
    .requiredOption('--cmd <cmd>', 'the entry\'s cmd')
    .action((flags: { config: string; service: string; cmd: string }) => runWorker(flags).catch(configErrorExit));
}
