import net from 'node:net';
import tls from 'node:tls';
import type { LevelWithSilent } from 'pino';
import { ImapdConfig } from '../config/index.js';
import { createLogger, type Logger } from '../common/log.js';
import { NotifyClient } from './notify.js';
import { traceLoop } from './loop-trace.js';
import { requestSlice } from '../common/sched-slice.js';
import { lowerV8Helpers } from '../common/helper-nice.js';
import { planCommand } from './programs.js';
import { buildTlsContext, serverTlsSocket, LOGIN_ALLOWED, type AppendFacts, type LoginGate, type LoginVerdict, type MovedSession, type ServiceContext, type ServiceInstance } from '../common/index.js';
import { CONTROL_FD_ENV, readJsonLines, servicePrograms, type MasterToWorker, type WorkerToMaster } from './service.js';


export interface WorkerOptions {
  config: string;
  service: string;
  cmd: string;
}

/** A TLS-on-connect client that has not finished its handshake by then is dropped. */
const TLS_HANDSHAKE_TIMEOUT_MS = 60_000;

/** The worker's end of the control pipe, once open (null: everything over the IPC channel). */
let control: net.Socket | null = null;

/**
 * Tell the master something. A message without a socket goes over the control pipe: on the IPC
 * channel it would wait behind a session this worker is moving (see CONTROL_FD).
 */
function send(message: WorkerToMaster): void {
  if (control !== null && control.writable) control.write(`${JSON.stringify(message)}\n`);
  else if (process.connected) process.send?.(message);
}

function tlsContext(config: ImapdConfig): tls.SecureContext {
  const context = buildTlsContext(config);
  if (context === null) throw new Error('cmd has -s (TLS on connect) but tls_server_cert is not set');
  return context;
}

/**
 * The body of `cyrusts worker`: load the program of one SERVICES entry, then serve the connections
 * the master hands over until told to shut down (or until the master goes away).
 */
export async function runWorker(options: WorkerOptions): Promise<void> {
  if (!process.send) throw new Error('the worker subcommand runs only under the master');
  traceLoop(process.env.CYRUSTS_LOOP_TRACE);
  const config = ImapdConfig.load(options.config).forService(options.service);
  const logger: Logger = createLogger({ name: options.service, level: config.enum<LevelWithSilent>('loglevel') });
  // A promise some session forgot to handle must not take every other session of this worker down.
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  const sliceUs = config.int('sched_slice_us');
  if (sliceUs > 0) {
    const slice = requestSlice(sliceUs);
    if (slice.kind === 'set') logger.debug({ sliceNs: slice.ns }, 'scheduler slice set');
    else logger.debug({ reason: slice.reason }, 'scheduler slice left at the kernel default');
  }
  const helpers = lowerV8Helpers(config.int('helper_threads_nice'));
  if (helpers.kind === 'set') logger.debug({ nice: helpers.nice, threads: helpers.tids.length }, "V8's helper threads reniced");
  else logger.debug({ reason: helpers.reason }, "V8's helper threads keep the worker's priority");
  const plan = planCommand(options.cmd, new Set());
  if (plan.kind !== 'service') {
    send({ type: 'failed', message: `"${options.cmd}" is not a service program` });
    throw new Error(`"${options.cmd}" is not a service program`);
  }
  let instance: ServiceInstance;
  let notify: NotifyClient;
  let secureContext: tls.SecureContext | null = null;
  try {
    const useTls = plan.args.includes('-s');
    if (useTls) secureContext = tlsContext(config);
    // A worker listens on a socket of its own: other processes' changes reach it without the master's hop.
    notify = NotifyClient.connect(config.path('idlesocket')!, logger, { listen: true });
    const { program } = await servicePrograms()[plan.program]!();
    // The program hears its own changes from its own store: the channel brings only other processes'.
    let listens = false;
    const channel = {
      publish: (name: string, facts?: AppendFacts) => notify.publish(name, facts),
      subscribe: (listener: (name: string, facts?: AppendFacts) => void) => {
        listens = true;
        return notify.subscribeRemote(listener);
      },
      narrow: () => notify.narrow(),
    };
    const ctx: ServiceContext = { serviceName: options.service, config, logger, notify: channel, argv: plan.args, tls: useTls };
    instance = await program.start(ctx);
    // A program that only publishes (pop3d, lmtpd) is sent no changes: every publish would wake it.
    if (!listens) notify.mute();
  } catch (err) {
    logger.error({ err }, 'service program failed to start');
    send({ type: 'failed', message: (err as Error).message });
    logger.flush();
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100);
    return;
  }

  let stopping = false;
  /** After a reload: serve the connections held until they end, then exit (no deadline). */
  let draining = false;
  /** Connections handed over and not closed yet. */
  let open = 0;
  const verdicts = new Map<number, (verdict: LoginVerdict) => void>();
  /** Per logged-in connection that can move later: what to call when the master asks it to go home. */
  const moveAsks = new Map<number, () => void>();
  /** Per connection held: forget it without reporting it closed (its session moved to another worker). */
  const disowners = new Map<number, () => void>();
  /**
   * Send connection `id` with its session to the master, which gives it to the worker serving the
   * user. Only a plain TCP socket moves (a TLS session's state cannot leave this process).
   */
  const moveAway = (id: number, socket: net.Socket, moved: MovedSession): boolean => {
    if (!process.connected || stopping || draining || socket.destroyed) return false;
    disowners.get(id)?.();
    process.send!({ type: 'move', id, moved } satisfies WorkerToMaster, socket, (err: Error | null) => {
      if (!err) return;
      logger.warn({ sid: moved.sessionId, err: err.message }, 'could not move a session to its user\'s worker');
      socket.destroy();
      send({ type: 'closed', id });
    });
    return true;
  };
  const loginGate = (id: number, plain: net.Socket | null): LoginGate => ({
    loggedIn: (userid, movable = false) =>
      new Promise((resolvePromise) => {
        if (!process.connected) return resolvePromise(LOGIN_ALLOWED);
        verdicts.get(id)?.(LOGIN_ALLOWED);
        verdicts.set(id, resolvePromise);
        send({ type: 'login', id, userid, movable: movable && plain !== null && !stopping && !draining });
      }),
    passed: () => send({ type: 'passed', id }),
    move: plain === null ? undefined : (moved) => moveAway(id, plain, moved),
    onMoveAsked: plain === null ? undefined : (asked) => {
      if (disowners.has(id)) moveAsks.set(id, asked);
    },
    stay: () => send({ type: 'stay', id }),
  });
  const stop = async (deadlineMs: number) => {
    if (stopping) return;
    stopping = true;
    for (const answer of verdicts.values()) answer(LOGIN_ALLOWED);
    verdicts.clear();
    logger.debug({ active: instance.activeConnections() }, 'worker shutting down');
    await instance.shutdown(deadlineMs);
    await notify.close();
    logger.flush();
    process.exit(0);
  };
  const shutdownTimeoutMs = (config.seconds('master_shutdown_timeout') ?? 10) * 1000;

  const onMessage = (message: MasterToWorker, handle: unknown): void => {
    if (message.type === 'shutdown') {
      void stop(message.deadlineMs);
      return;
    }
    if (message.type === 'drain') {
      draining = true;
      logger.debug({ active: open }, 'worker draining: old configuration, serving its sessions until they end');
      if (open === 0) void stop(Date.now());
      return;
    }
    if (message.type === 'loginVerdict') {
      const answer = verdicts.get(message.id);
      verdicts.delete(message.id);
      answer?.({ refusal: message.refusal, move: message.move });
      return;
    }
    if (message.type === 'moveHome') {
      const asked = moveAsks.get(message.id);
      if (asked === undefined || stopping || draining) send({ type: 'stay', id: message.id });
      else asked();
      return;
    }
    if (message.type !== 'conn' || !handle) return;
    const socket = handle as net.Socket;
    const id = message.id;
    // The master keeps its copy of the socket until we say we hold it: were we to die before, it
    // would hand the connection to another worker instead of leaving the client hanging.
    send({ type: 'took', id });
    open++;
    let reported = false;
    // The master's maxchild slot is freed once, whichever layer sees the end first.
    const closed = (): void => {
      if (reported) return;
      reported = true;
      open--;
      disowners.delete(id);
      moveAsks.delete(id);
      verdicts.get(id)?.(LOGIN_ALLOWED);
      verdicts.delete(id);
      send({ type: 'closed', id });
      if (draining && open === 0) void stop(Date.now());
    };
    disowners.set(id, () => {
      reported = true;
      open--;
      disowners.delete(id);
      moveAsks.delete(id);
      verdicts.delete(id);
      socket.off('close', closed);
    });
    socket.setNoDelay(true);
    socket.once('close', closed);
    socket.on('error', () => socket.destroy());
    if (stopping) {
      socket.destroy();
      return;
    }
    if (message.moved) {
      // A session that logged in on another worker of this service, handed here because its user's
      // other sessions are here (never a TLS one: those stay where they are).
      if (secureContext || !instance.resumeConnection(socket, message.moved, loginGate(id, socket))) socket.destroy();
      return;
    }
    if (!secureContext) return instance.handleConnection(socket, loginGate(id, socket));
    // The TLS layer takes over the TCP handle: a peer that leaves (or talks plaintext) before the
    // handshake ends only the TLS socket, so its end frees the slot too.
    const secure = serverTlsSocket(socket, secureContext);
    let handshaken = false;
    const handshakeTimer = setTimeout(() => secure.destroy(), TLS_HANDSHAKE_TIMEOUT_MS);
    handshakeTimer.unref();
    secure.once('secure', () => {
      handshaken = true;
      clearTimeout(handshakeTimer);
    });
    secure.once('close', () => {
      clearTimeout(handshakeTimer);
      closed();
    });
    secure.on('error', () => secure.destroy());
    // Before the handshake the greeting waits in the TLS layer: an orderly end would wait for it forever.
    secure.once('end', () => {
      if (!handshaken) secure.destroy();
    });
    instance.handleConnection(secure, loginGate(id, null));
  };
  process.on('message', onMessage);
  control = openControl(process.env[CONTROL_FD_ENV]);
  if (control) readJsonLines<MasterToWorker>(control, (message) => onMessage(message, undefined));
  // The master went away (killed, or crashed): finish what we have and go.
  process.on('disconnect', () => void stop(Date.now() + shutdownTimeoutMs));
  process.on('SIGTERM', () => void stop(Date.now() + shutdownTimeoutMs));
  // Ctrl-C reaches the whole process group; the master coordinates the shutdown.
  process.on('SIGINT', () => undefined);
  process.on('SIGHUP', () => undefined);
  send({ type: 'ready' });
  logger.debug({ cmd: options.cmd }, 'worker ready');
}

/** The control pipe the master gave this worker (fd in CYRUSTS_CONTROL_FD), or null (started by hand). */
function openControl(fd: string | undefined): net.Socket | null {
  if (fd === undefined || !/^\d+$/.test(fd)) return null;
  let pipe: net.Socket;
  try {
    pipe = new net.Socket({ fd: Number(fd), readable: true, writable: true });
  } catch {
    return null; // not a pipe: the IPC channel brings everything
  }
  pipe.unref();
  pipe.on('error', () => undefined);
  return pipe;
}
