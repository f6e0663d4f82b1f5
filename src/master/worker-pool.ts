import { fork, type ChildProcess } from 'node:child_process';
import type net from 'node:net';
import type { Logger } from '../common/log.js';
import type { ServiceEntry } from '../config/cyrus-conf.js';
import { RestartBackoff } from './backoff.js';
import type { MasterToWorker, WorkerToMaster } from './service.js';

export interface PoolOptions {
  entry: ServiceEntry;
  /** dist/bin/cyrusts.js: the program the workers run. */
  cliPath: string;
  imapdConf: string;
  logger: Logger;
  restartBackoffMaxMs: number;
  /** Bytes written to a client that cannot be served (null: just close). */
  refusal: string | null;
  /** How long a connection may wait for a worker to become ready before it is refused. */
  pendingTimeoutMs?: number;
}

interface WorkerSlot {
  readonly index: number;
  child: ChildProcess | null;
  ready: boolean;
  startedAt: number;
  readonly active: Set<number>;
  readonly backoff: RestartBackoff;
  restartTimer: NodeJS.Timeout | null;
}

interface Pending {
  socket: net.Socket;
  timer: NodeJS.Timeout;
}

/**
 * The worker processes of one SERVICES entry. The master accepts each connection and hands it to
 * the ready worker with the fewest connections, so it counts connections exactly and can refuse
 * the one over maxchild politely.
 */
export class WorkerPool {
  private readonly slots: WorkerSlot[] = [];
  private readonly pending: Pending[] = [];
  private nextConnectionId = 1;
  private stopping = false;
  private readonly exited = new Set<() => void>();

  constructor(private readonly options: PoolOptions) {
    for (let index = 0; index < options.entry.prefork; index++) {
      this.slots.push({ index, child: null, ready: false, startedAt: 0, active: new Set(), backoff: new RestartBackoff(options.restartBackoffMaxMs), restartTimer: null });
    }
  }

  get entry(): ServiceEntry {
    return this.options.entry;
  }

  start(): void {
    for (const slot of this.slots) this.spawn(slot);
  }

  /** Connections being served or waiting for a worker. */
  activeConnections(): number {
    return this.slots.reduce((n, slot) => n + slot.active.size, 0) + this.pending.length;
  }

  /** Process ids of the running workers. */
  pids(): number[] {
    return this.slots.flatMap((slot) => (slot.child?.pid !== undefined && slot.child.exitCode === null && slot.child.signalCode === null ? [slot.child.pid] : []));
  }

  private get log(): Logger {
    return this.options.logger;
  }

  private spawn(slot: WorkerSlot): void {
    const { entry } = this.options;
    const child = fork(this.options.cliPath, ['worker', '-C', this.options.imapdConf, '--service', entry.name, '--cmd', entry.cmd], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    slot.child = child;
    slot.ready = false;
    slot.startedAt = Date.now();
    this.log.debug({ service: entry.name, worker: slot.index, workerPid: child.pid }, 'worker started');
    child.on('message', (message: WorkerToMaster) => {
      if (message.type === 'ready') {
        slot.ready = true;
        this.drainPending();
      } else if (message.type === 'closed') {
        slot.active.delete(message.id);
        this.drainPending();
      } else if (message.type === 'failed') {
        this.log.error({ service: entry.name, workerPid: child.pid, reason: message.message }, 'worker could not start its program');
      }
    });
    child.on('error', (err) => this.log.error({ service: entry.name, err }, 'worker process error'));
    child.on('exit', (code, signal) => this.onExit(slot, child, code, signal));
  }

  private onExit(slot: WorkerSlot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.child !== child) return;
    const lost = slot.active.size;
    slot.active.clear();
    slot.child = null;
    slot.ready = false;
    if (this.stopping) {
      this.log.debug({ service: this.entry.name, workerPid: child.pid, code, signal }, 'worker exited');
      this.notifyExited();
      return;
    }
    const now = Date.now();
    const delay = slot.backoff.nextDelay(now - slot.startedAt);
    this.log.warn({ service: this.entry.name, workerPid: child.pid, code, signal, lostConnections: lost, restartInMs: delay }, 'worker died, restarting');
    if (slot.backoff.shouldReportLoop(now)) {
      this.log.error({ service: this.entry.name, quickDeaths: slot.backoff.consecutiveQuickDeaths, restartInMs: delay }, 'worker crash loop: restarts are being slowed down');
    }
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = null;
      if (!this.stopping) this.spawn(slot);
    }, delay);
  }

  /** Take an accepted (paused) connection. */
  dispatch(socket: net.Socket): void {
    socket.on('error', () => socket.destroy());
    const { maxchild } = this.entry;
    if (this.stopping) return this.refuse(socket, 'service stopping');
    if (maxchild >= 0 && this.activeConnections() >= maxchild) return this.refuse(socket, 'maxchild reached');
    const slot = this.leastLoaded();
    if (slot) return this.handOver(slot, socket);
    const timer = setTimeout(() => {
      const i = this.pending.findIndex((p) => p.socket === socket);
      if (i >= 0) this.pending.splice(i, 1);
      this.refuse(socket, 'no worker became ready');
    }, this.options.pendingTimeoutMs ?? 15_000);
    this.pending.push({ socket, timer });
  }

  private leastLoaded(): WorkerSlot | null {
    let best: WorkerSlot | null = null;
    for (const slot of this.slots) {
      if (!slot.ready || !slot.child?.connected) continue;
      if (!best || slot.active.size < best.active.size) best = slot;
    }
    return best;
  }

  private drainPending(): void {
    while (this.pending.length > 0) {
      const slot = this.leastLoaded();
      if (!slot) return;
      const { socket, timer } = this.pending.shift()!;
      clearTimeout(timer);
      if (!socket.destroyed) this.handOver(slot, socket);
    }
  }

  private handOver(slot: WorkerSlot, socket: net.Socket): void {
    const id = this.nextConnectionId++;
    slot.active.add(id);
    const message: MasterToWorker = { type: 'conn', id };
    slot.child!.send(message, socket, { keepOpen: false }, (err) => {
      if (!err) return;
      slot.active.delete(id);
      this.log.warn({ service: this.entry.name, err: err.message }, 'could not hand a connection to a worker');
      this.refuse(socket, 'hand-over failed');
    });
  }

  private refuse(socket: net.Socket, why: string): void {
    this.log.info({ service: this.entry.name, why, remote: socket.remoteAddress }, 'connection refused');
    if (socket.destroyed) return;
    if (this.options.refusal) socket.end(this.options.refusal);
    else socket.end();
    setTimeout(() => socket.destroy(), 2000).unref();
  }

  private notifyExited(): void {
    for (const wake of this.exited) wake();
  }

  /** Stop: no new connections; workers finish their sessions until `deadlineMs`, then are killed. */
  async shutdown(deadlineMs: number): Promise<void> {
    this.stopping = true;
    for (const { socket, timer } of this.pending.splice(0)) {
      clearTimeout(timer);
      this.refuse(socket, 'service stopping');
    }
    for (const slot of this.slots) {
      if (slot.restartTimer) clearTimeout(slot.restartTimer);
      slot.restartTimer = null;
      const message: MasterToWorker = { type: 'shutdown', deadlineMs };
      if (slot.child?.connected) slot.child.send(message);
      else slot.child?.kill('SIGTERM');
    }
    const killTimer = setTimeout(() => {
      for (const slot of this.slots) slot.child?.kill('SIGKILL');
    }, Math.max(0, deadlineMs - Date.now()) + 500);
    await new Promise<void>((resolvePromise) => {
      const check = () => {
        if (this.slots.every((slot) => slot.child === null)) {
          this.exited.delete(check);
          resolvePromise();
        }
      };
      this.exited.add(check);
      check();
    });
    clearTimeout(killTimer);
  }
}
