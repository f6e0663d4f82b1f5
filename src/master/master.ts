import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostname } from 'node:os';
import type net from 'node:net';
import type { Logger } from '../common/log.js';
import { buildTlsContext } from '../common/server-files.js';
import { ImapdConfig } from '../config/index.js';
import { formatListen } from '../config/cyrus-conf-listen.js';
import { loadCyrusConf, type CyrusConf, type ServiceEntry } from '../config/cyrus-conf.js';
import { DaemonKeeper } from './daemons.js';
import { ConnectionLedger, serviceLimits } from './ledger.js';
import { parseUmask, prepareDirectories } from './dirs.js';
import { EventScheduler } from './events.js';
import { closeListener, openListener, type OpenListener } from './listeners.js';
import { NotifyHub } from './notify.js';
import { becomeUser, refuseForeignFiles, runAsFor } from './privileges.js';
import { planCommand } from './programs.js';
import { refusalText } from './refusal.js';
import { runToCompletion, type RunnerContext } from './runner.js';
import { ServiceStartError } from './start-error.js';
import { WorkerPool } from './worker-pool.js';

/**
 * Programs that run as exactly one worker process whatever prefork says: mupdate keeps the Murder's
 * list in memory and streams every change to its UPDATE clients, so every write and every stream
 * must be in one process.
 */
const SINGLE_WORKER_PROGRAMS: ReadonlySet<string> = new Set(['mupdate']);

export { ServiceStartError } from './start-error.js';

export interface MasterOptions {
  imapdConf: string;
  cyrusConf: string;
  /** -p: overrides master_pidfile. */
  pidFile?: string;
  cliPath: string;
  subcommands: ReadonlySet<string>;
  logger: Logger;
  /** A plain line for whoever started the master (stdout). */
  announce: (line: string) => void;
}

interface RunningService {
  entry: ServiceEntry;
  program: string;
  listener: OpenListener;
  pool: WorkerPool;
}

/** What makes a running service different from a new entry of the same name. */
function serviceKey(entry: ServiceEntry): string {
  return JSON.stringify([entry.cmd, formatListen(entry.listen), entry.proto, entry.prefork, entry.maxchild]);
}

/** The pid file names a master that is still running. */
export class PidFileHeldError extends Error {
  constructor(
    readonly file: string,
    readonly pid: number,
  ) {
    super(`another master (pid ${pid}) is running: ${file}`);
    this.name = 'PidFileHeldError';
  }
}

/** Why a TLS-on-connect service of this configuration cannot serve, or null when it can. */
function tlsPairProblem(config: ImapdConfig): string | null {
  try {
    // The context the workers will build (src/common/server-files.ts), built once here to fail early.
    return buildTlsContext(config) === null ? 'TLS on connect (-s) needs tls_server_cert' : null;
  } catch (err) {
    return `TLS on connect (-s): cannot use ${config.path('tls_server_cert')}: ${(err as Error).message}`;
  }
}

/** Is a process with this id alive? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The supervisor: runs START, opens the SERVICES listeners with their worker pools, schedules
 * EVENTS, keeps DAEMON entries running, relays change notifications, reloads on SIGHUP and
 * drains on SIGTERM.
 */
export class Master {
  private config!: ImapdConfig;
  private imapdText = '';
  private cyrusConf!: CyrusConf;
  private readonly services = new Map<string, RunningService>();
  /** Connection accounting per service name; kept across reloads so draining pools still count. */
  private readonly ledgers = new Map<string, ConnectionLedger>();
  /** Pools of the previous configuration whose sessions run until they end. */
  private readonly drainingPools = new Set<WorkerPool>();
  private daemons = new Map<string, DaemonKeeper>();
  private events: EventScheduler | null = null;
  private hub: NotifyHub | null = null;
  private pidFile: string | null = null;
  private stopping = false;

  constructor(private readonly options: MasterOptions) {}

  private get log(): Logger {
    return this.options.logger;
  }

  private runnerContext(): RunnerContext {
    return { cliPath: this.options.cliPath, imapdConf: this.options.imapdConf, subcommands: this.options.subcommands, logger: this.log };
  }

  private loadFiles(): void {
    this.imapdText = readFileSync(this.options.imapdConf, 'utf8');
    this.config = ImapdConfig.load(this.options.imapdConf);
    for (const w of this.config.warnings) this.log.warn({ file: w.file, line: w.line }, w.message);
    this.cyrusConf = loadCyrusConf(this.options.cyrusConf);
  }

  private pidFilePath(): string | null {
    return this.options.pidFile ?? this.config.path('master_pidfile');
  }

  /** Throws PidFileHeldError when the pid file names another live master. */
  private checkPidFile(): void {
    const file = this.pidFilePath();
    if (!file) return;
    try {
      const other = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(other) && other > 0 && other !== process.pid && alive(other)) {
        throw new PidFileHeldError(file, other);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  private writePidFile(): void {
    const file = this.pidFilePath();
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${process.pid}\n`);
    this.pidFile = file;
  }

  /** Bring the whole server up. Throws (ConfigError, CyrusConfError, listen errors) when it cannot. */
  async start(): Promise<void> {
    this.loadFiles();
    process.umask(parseUmask(this.config.string('umask')));
    this.checkPidFile();
    const runAs = runAsFor(this.config);
    if (runAs) {
      // Started as root: bind the TCP listeners (ports under 1024 need root), then become the
      // owner of configdirectory (or cyrus_user) for good before anything is written.
      for (const entry of this.cyrusConf.services) if (entry.listen.kind === 'tcp') await this.openService(entry, true);
      becomeUser(runAs);
      this.log.info({ uid: runAs.uid, gid: runAs.gid, user: runAs.name }, 'listeners bound; running as the owner of the configuration');
    }
    prepareDirectories(this.config);
    refuseForeignFiles(this.config);
    this.writePidFile();
    this.hub = await NotifyHub.listen(this.config.path('idlesocket')!, this.log);
    for (const entry of this.cyrusConf.start) {
      if (this.stopping) return;
      await runToCompletion(entry, 'START', this.runnerContext());
    }
    for (const entry of this.cyrusConf.services) {
      const opened = this.services.get(entry.name);
      if (opened) this.serve(opened);
      else await this.startService(entry, true);
    }
    this.startEventsAndDaemons();
    this.log.info({ services: this.services.size }, 'master ready');
  }

  private startEventsAndDaemons(): void {
    this.events = new EventScheduler(this.cyrusConf.events, this.runnerContext());
    this.events.start();
    for (const entry of this.cyrusConf.daemon) {
      const keeper = new DaemonKeeper(entry, this.runnerContext(), this.restartBackoffMs());
      this.daemons.set(entry.name, keeper);
      keeper.start();
    }
  }

  private restartBackoffMs(): number {
    return (this.config.seconds('master_restart_backoff') ?? 60) * 1000;
  }

  private ledger(name: string): ConnectionLedger {
    let ledger = this.ledgers.get(name);
    if (!ledger) this.ledgers.set(name, (ledger = new ConnectionLedger()));
    return ledger;
  }

  private newPool(configured: ServiceEntry, program: string): WorkerPool {
    const entry = SINGLE_WORKER_PROGRAMS.has(program) && configured.prefork !== 1 ? { ...configured, prefork: 1 } : configured;
    if (entry !== configured) {
      this.log.info({ service: entry.name, program, prefork: configured.prefork }, 'this program runs as one worker process: prefork ignored');
    }
    const servername = this.config.string('servername') ?? hostname();
    const plan = planCommand(entry.cmd, new Set());
    const tlsOnConnect = plan.kind === 'service' && plan.args.includes('-s');
    return new WorkerPool({
      entry,
      cliPath: this.options.cliPath,
      imapdConf: this.options.imapdConf,
      logger: this.log,
      restartBackoffMaxMs: this.restartBackoffMs(),
      ledger: this.ledger(entry.name),
      limits: serviceLimits(entry.maxchild, this.config.forService(entry.name)),
      refusals: {
        maxchild: refusalText(program, entry.name, servername, tlsOnConnect, 'maxchild'),
        host: refusalText(program, entry.name, servername, tlsOnConnect, 'host'),
      },
      // Connections that come earlier wait for the first ready worker and stay with it: a bench or a
      // health check that wants the service's steady state waits for this line.
      onAllReady: () => {
        this.log.info({ service: entry.name, workers: entry.prefork }, 'workers ready');
        this.options.announce(`${entry.name} (${program}) ready: ${entry.prefork} worker${entry.prefork === 1 ? '' : 's'}`);
      },
    });
  }

  /**
   * Open one SERVICES entry and serve it. At start, one that cannot serve fails the whole start
   * unless it is marked optional (the operator is never told "ready" when it is not); on reload it
   * is skipped.
   */
  private async startService(entry: ServiceEntry, atStart = false): Promise<void> {
    const running = await this.openService(entry, atStart);
    if (running) this.serve(running);
  }

  /** Bind the listener of a SERVICES entry; its connections wait until serve() starts the workers. */
  private async openService(entry: ServiceEntry, atStart: boolean): Promise<RunningService | null> {
    const where = { service: entry.name, cmd: entry.cmd, at: `${entry.file}:${entry.line}` };
    const plan = planCommand(entry.cmd, new Set());
    if (plan.kind === 'builtin') {
      // A Cyrus daemon whose work is done elsewhere here (notifyd): nothing to listen for.
      this.log.info({ ...where, reason: plan.reason }, 'nothing to run: entry skipped');
      return null;
    }
    if (plan.kind !== 'service') {
      this.log.error({ ...where, ...(plan.kind === 'missing' ? { reason: plan.reason } : {}) }, 'not a service program this server has: entry skipped');
      return null;
    }
    const cannotServe = (reason: string, exitCode: number): null => {
      if (atStart && !entry.optional) throw new ServiceStartError(`${entry.file}:${entry.line}: SERVICES ${entry.name}: ${reason}`, exitCode);
      this.log.error({ ...where, listen: entry.listenText, err: reason }, 'cannot serve: entry skipped');
      return null;
    };
    if (plan.args.includes('-s')) {
      const problem = tlsPairProblem(this.config.forService(entry.name));
      if (problem) return cannotServe(problem, 78);
    }
    const pool = this.newPool(entry, plan.program);
    let listener: OpenListener;
    const running: Partial<RunningService> = { entry, program: plan.program, pool };
    try {
      listener = await openListener(entry, (socket: net.Socket) => (running as RunningService).pool.dispatch(socket));
    } catch (err) {
      return cannotServe(`cannot listen on ${entry.listenText}: ${(err as Error).message}`, 1);
    }
    running.listener = listener;
    this.services.set(entry.name, running as RunningService);
    return running as RunningService;
  }

  private serve(running: RunningService): void {
    const { entry, program, listener, pool } = running;
    pool.start();
    this.log.info({ service: entry.name, cmd: entry.cmd, at: `${entry.file}:${entry.line}`, listen: listener.bound, prefork: entry.prefork, maxchild: entry.maxchild }, 'service listening');
    this.options.announce(`${entry.name} (${program}) listening on ${listener.bound}`);
  }

  /**
   * Retire a pool of the previous configuration: its sessions run until their clients log out
   * (as Cyrus lets them), new ones go to the new pool. stop() still bounds them.
   */
  private retire(pool: WorkerPool, program: string): void {
    this.drainingPools.add(pool);
    // A single-worker program's old worker stops at once: two would each hold a list of their own.
    const done = SINGLE_WORKER_PROGRAMS.has(program) ? pool.shutdown(Date.now()) : pool.drain();
    void done.finally(() => this.drainingPools.delete(pool));
  }

  /** SIGHUP: re-read both files; start added services, stop removed ones, restart changed ones. */
  async reload(): Promise<void> {
    if (this.stopping) return;
    const previousImapd = this.imapdText;
    const previousConfig = this.config;
    try {
      this.loadFiles();
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'reload failed: keeping the running configuration');
      return;
    }
    const imapdChanged = previousImapd !== this.imapdText;
    const wanted = new Map(this.cyrusConf.services.map((e) => [e.name, e]));
    for (const [name, running] of [...this.services]) {
      const entry = wanted.get(name);
      if (entry && serviceKey(entry) === serviceKey(running.entry) && !imapdChanged) continue;
      if (entry && formatListen(entry.listen) === formatListen(running.entry.listen) && entry.proto === running.entry.proto) {
        const plan = planCommand(entry.cmd, new Set());
        if (plan.kind === 'service') {
          const pool = this.newPool(entry, plan.program);
          const old = running.pool;
          const oldProgram = running.program;
          running.entry = entry;
          running.program = plan.program;
          running.pool = pool;
          pool.start();
          this.retire(old, oldProgram);
          this.log.info({ service: name }, 'service restarted with its new settings; open sessions keep the old ones until they end');
          continue;
        }
      }
      this.services.delete(name);
      await closeListener(running.listener);
      this.retire(running.pool, running.program);
      this.log.info({ service: name }, 'service stopped');
      this.options.announce(`${name} stopped`);
    }
    for (const entry of this.cyrusConf.services) if (!this.services.has(entry.name)) await this.startService(entry);
    const deadline = Date.now() + (previousConfig.seconds('master_shutdown_timeout') ?? 10) * 1000;
    await this.events?.stop(deadline);
    const oldDaemons = this.daemons;
    this.daemons = new Map();
    await Promise.all([...oldDaemons.values()].map((d) => d.stop(deadline)));
    this.startEventsAndDaemons();
    this.log.info({ services: [...this.services.keys()] }, 'configuration reloaded');
  }

  /** SIGTERM: stop accepting, let sessions finish until master_shutdown_timeout, kill the rest. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const deadline = Date.now() + (this.config?.seconds('master_shutdown_timeout') ?? 10) * 1000;
    this.log.info({ deadlineMs: deadline - Date.now() }, 'master shutting down');
    const listeners = [...this.services.values()];
    await Promise.all(listeners.map((s) => closeListener(s.listener)));
    await Promise.all([
      ...listeners.map((s) => s.pool.shutdown(deadline)),
      ...[...this.drainingPools].map((pool) => pool.shutdown(deadline)),
      this.events?.stop(deadline),
      ...[...this.daemons.values()].map((d) => d.stop(deadline)),
    ]);
    await this.hub?.close();
    if (this.pidFile) rmSync(this.pidFile, { force: true });
    this.log.info('master stopped');
  }

  /** Worker process ids by service (for status and tests). */
  workerPids(): Record<string, number[]> {
    return Object.fromEntries([...this.services].map(([name, s]) => [name, s.pool.pids()]));
  }
}
