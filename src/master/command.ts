import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { LevelWithSilent } from 'pino';
import { createLogger } from '../common/log.js';
import { ConfigError, ImapdConfig } from '../config/index.js';
import { CyrusConfError } from '../config/cyrus-conf.js';
import { Master } from './master.js';
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

/** Without -D: start a detached copy with -D, its output in {configdirectory}/log/master.log. */
function daemonize(flags: MasterFlags): void {
  const config = ImapdConfig.load(flags.config);
  const logDir = join(config.configDirectory, 'log');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, 'master.log');
  const out = openSync(logFile, 'a');
  const args = [CLI_PATH, 'master', '-C', resolve(flags.config), '-M', resolve(flags.masterConfig), '-D'];
  if (flags.pidfile) args.push('-p', resolve(flags.pidfile));
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out], env: { ...process.env, CYRUSTS_LOG_JSON: '1' } });
  child.unref();
  process.stdout.write(`master started in the background, pid ${child.pid}, log in ${logFile}\n`);
}

async function runMaster(flags: MasterFlags, program: Command): Promise<void> {
  if (!flags.debug) return daemonize(flags);
  const config = ImapdConfig.load(flags.config);
  const logger = createLogger({ name: 'master', level: config.enum<LevelWithSilent>('loglevel') });
  const master = new Master({
    imapdConf: resolve(flags.config),
    cyrusConf: resolve(flags.masterConfig),
    pidFile: flags.pidfile ? resolve(flags.pidfile) : undefined,
    cliPath: CLI_PATH,
    subcommands: new Set(program.commands.map((c) => c.name())),
    logger,
    announce: (line) => process.stdout.write(`${line}\n`),
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
}

function configErrorExit(err: unknown): never {
  if (err instanceof ConfigError || err instanceof CyrusConfError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(75);
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
