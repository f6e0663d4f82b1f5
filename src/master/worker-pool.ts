import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { Logger } from '../common/log.js';
import { stopReading, type MovedSession } from '../common/index.js';
import type { ServiceEntry } from '../config/cyrus-conf.js';
import { RestartBackoff } from './backoff.js';
import { hostKey, type ConnectionLedger, type ConnectionRefusal, type ServiceLimits } from './ledger.js';
import { CONTROL_FD, CONTROL_FD_ENV, readJsonLines, type MasterToWorker, type WorkerToMaster } from './service.js';

export interface PoolOptions {
  entry: ServiceEntry;
  /** dist/bin/cyrusts.js: the program the workers run. */
  cliPath: string;
  imapdConf: string;
  logger: Logger;
  restartBackoffMaxMs: number;
  /** Every connection of the service, shared with the pool it replaces or is replaced by on reload. */
  ledger: ConnectionLedger;
  limits: ServiceLimits;
  /** Bytes written to a client that cannot be served, by reason (null: just close). */
  refusals: Readonly<Record<ConnectionRefusal, string | null>>;
  /** How long a connection may wait for a worker to become ready before it is refused. */
  pendingTimeoutMs?: number;
  /** Called once, when every worker of the pool has said it is ready for the first time. */
  onAllReady?: () => void;
}

interface WorkerSlot {
  readonly index: number;
  child: ChildProcess | null;
  /** The worker's control pipe (CONTROL_FD): messages without a socket, both ways. */
  control: net.Socket | null;
  /** Logged-in connections told to move to their user's home, whose session has not come yet. */
  readonly movingOut: Set<number>;
  ready: boolean;
  startedAt: number;
  /** Connections this worker serves (ledger ids). */
  readonly active: Set<number>;
  /** Handed to this worker, which has not said 'took' yet: the master still holds its copy. */
  readonly untaken: Map<number, Untaken>;
  readonly backoff: RestartBackoff;
  restartTimer: NodeJS.Timeout | null;
}

interface Untaken {
  socket: net.Socket;
  /** A logged-in session on its way from another worker (null: a new connection). */
  moved: MovedSession | null;
}

interface Pending extends Untaken {
  id: number;
  timer: NodeJS.Timeout;
}

/** The worker that serves a user's sessions, and how many of them this pool holds. */
interface Home {
  slot: WorkerSlot;
  sessions: number;
  /** When the master last chose another home for the user's sessions (rebalancing; 0: never). */
  changedAt: number;
}

/**
 * Later moves (after a login storm): the sessions that logged in on a worker other than their
 * user's home while moves were refused (MAX_MOVES_QUEUED), or whose user's home changed, are asked
 * to move home once the storm has passed. Asked at most this many at a time over the pool...
 * imap-load 20 x 4 (warm 20 s, 15 s, shared 2-core machine, load 3-16, alternating with the build
 * before): users on both workers 0 of 20 in every run against 2-12; server CPU per command
 * 0.328/0.359/0.294/0.295 ms against 0.342/0.367/0.305/0.307. 20 x 20, whose 400 logins fall
 * inside the measured window: 7-11 of 20 split at its halfway against 20; 0.401/0.322/0.380 against 0.432/0.340/0.376.
 */
const MAX_HOMEWARD_ASKED = 8;
/** ...and this many per look, one look every HOMEWARD_TICK_MS while some session is away from home. */
const HOMEWARD_PER_TICK = 8;
const HOMEWARD_TICK_MS = 50;
/** No later move while a login was refused its move this recently (the storm goes on) or a connection waits for a worker. */
const STORM_QUIET_MS = 500;
/** An ask the worker never answered is forgotten after this long (the worker's session gives up sooner). */
const ASK_EXPIRY_MS = 10_000;
/** A session that said it stays (in a literal, NOTIFY, a slow reader) is asked again no sooner than this, doubled at each stay up to ASK_AGAIN_MAX_MS. */
const ASK_AGAIN_MS = 5000;
const ASK_AGAIN_MAX_MS = 300_000;

function askAgainAfter(stays: number): number {
  return Math.min(ASK_AGAIN_MAX_MS, ASK_AGAIN_MS * 2 ** Math.min(stays - 1, 16));
}
/** Hysteresis: a connection moved later is not moved again for this long... */
const MOVED_HOLD_MS = 60_000;
/** ...and a user's home changes (to the worker holding more of the user's sessions) at most this often. */
const HOME_HOLD_MS = 10_000;

/**
 * A user's home worker takes the user's next sessions unless it serves this many more connections
 * than twice the worker the login came in on: one user with hundreds of sessions (a shared role
 * account) must not pile every one onto one core.
 */
const HOME_SLACK = 64;

/**
 * A new connection goes to the home of the user who last logged in from its address unless that
 * worker serves more than twice the least loaded one's connections plus this many: a client's
 * second and later connections (mail clients open several) then need no move, while many users
 * behind one address (NAT, a webmail server) cannot pile onto one worker.
 */
const HINT_SLACK = 8;

/**
 * A login is not asked to move while its worker has this many sessions on their way out, or the
 * home this many sockets on their way in. Node passes one socket per channel at a time, and the
 * next only once the receiving loop has taken the last: under a login storm (400 clients of 20
 * users connecting at once, each worker's loop turn tens of milliseconds long) moves queued behind
 * each other, and behind new connections, held LOGINs for seconds. Too few splits users over the
 * workers when 80 clients log in at once (imap-load's start, 20 x 4: at 2, 8-13 of 20 users ended on
 * both workers and the steady load cost 0.76-0.78 ms of CPU per command; at 8, 1-5 users and 0.69-0.72).
 */
export const MAX_MOVES_QUEUED = 8;

/** Addresses remembered with their last user (the oldest are forgotten first). */
const MAX_HINTS = 10_000;

/**
 * The worker processes of one SERVICES entry. The master accepts each connection and hands it to
 * the ready worker with the fewest connections; the ledger counts every connection of the service,
 * so maxchild and the per-address limits are exact and the one over them is refused politely.
 */
export class WorkerPool {
  private readonly slots: WorkerSlot[] = [];
  private readonly pending: Pending[] = [];
  private stopping = false;
  private allReadySaid = false;
  private readonly exited = new Set<() => void>();
  /** Logged-in users and their home worker (user affinity: see onLogin). */
  private readonly homes = new Map<string, Home>();
  /** The user each logged-in connection counts for in `homes`. */
  private readonly userOf = new Map<number, string>();
  /** Client address → the user who last logged in from it (where its next connection goes). */
  private readonly lastUserFrom = new Map<string, string>();
  /** Connections asked to move home later (moveHome) and not answered yet, with when. */
  private readonly asked = new Map<number, { slot: WorkerSlot; at: number }>();
  /** Per connection: when it last moved later, or when it last said it stays (the hysteresis). */
  private readonly movedAt = new Map<number, number>();
  private readonly stayedAt = new Map<number, { at: number; times: number }>();
  /** Logged-in connections whose session said it can move (plaintext TCP, a named user). */
  private readonly movable = new Set<number>();
  /** When a login was last not moved because sockets were queued (a login storm). */
  private lastRefusedMove = 0;
  private homewardTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: PoolOptions) {
    for (let index = 0; index < options.entry.prefork; index++) {
      this.slots.push({
        index, child: null, control: null, ready: false, startedAt: 0, active: new Set(), untaken: new Map(), movingOut: new Set(), backoff: new RestartBackoff(options.restartBackoffMaxMs), restartTimer: null,
      });
    }
  }

  get entry(): ServiceEntry {
    return this.options.entry;
  }

  private get ledger(): ConnectionLedger {
    return this.options.ledger;
  }

  start(): void {
    for (const slot of this.slots) this.spawn(slot);
  }

  /** Connections this pool serves or holds waiting for a worker. */
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
      stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'],
      serialization: 'json',
      env: { ...workerEnvironment(process.env), [CONTROL_FD_ENV]: String(CONTROL_FD) },
      execArgv: workerNodeFlags(process.env),
    });
    slot.child = child;
    const control = (child.stdio[CONTROL_FD] ?? null) as net.Socket | null;
    control?.on('error', () => undefined); // a dead worker: its exit is handled below
    if (control) readJsonLines<WorkerToMaster>(control, (message) => this.onMessage(slot, child, message, undefined));
    slot.control = control;
    slot.ready = false;
    slot.startedAt = Date.now();
    this.log.debug({ service: entry.name, worker: slot.index, workerPid: child.pid }, 'worker started');
    child.on('message', (message: WorkerToMaster, handle: unknown) => this.onMessage(slot, child, message, handle));
    child.on('error', (err) => this.log.error({ service: entry.name, err }, 'worker process error'));
    child.on('exit', (code, signal) => this.onExit(slot, child, code, signal));
  }

  private onMessage(slot: WorkerSlot, child: ChildProcess, message: WorkerToMaster, handle: unknown): void {
    switch (message.type) {
      case 'ready':
        slot.ready = true;
        this.drainPending();
        if (!this.allReadySaid && this.slots.every((s) => s.ready)) {
          this.allReadySaid = true;
          this.options.onAllReady?.();
        }
        return;
      case 'took': {
        // The worker holds the connection: close the master's copy (no FIN: the worker's stays open).
        const held = slot.untaken.get(message.id);
        slot.untaken.delete(message.id);
        held?.socket.destroy();
        return;
      }
      case 'login': {
        const refusal = this.ledger.login(message.id, message.userid, this.options.limits);
        if (refusal) this.log.info({ service: this.entry.name, user: message.userid, limit: refusal }, 'login over a session limit');
        const move = refusal === null && this.onLogin(slot, message.id, message.userid, message.movable);
        if (move) slot.movingOut.add(message.id);
        const verdict: MasterToWorker = { type: 'loginVerdict', id: message.id, refusal, move };
        this.answer(slot, child, verdict);
        return;
      }
      case 'move':
        slot.movingOut.delete(message.id);
        if (this.asked.delete(message.id)) this.movedAt.set(message.id, Date.now());
        this.onMove(slot, message.id, message.moved, handle);
        return;
      case 'stay':
        if (this.asked.get(message.id)?.slot === slot) {
          this.asked.delete(message.id);
          slot.movingOut.delete(message.id);
          this.stayedAt.set(message.id, { at: Date.now(), times: (this.stayedAt.get(message.id)?.times ?? 0) + 1 });
        }
        return;
      case 'passed':
        this.ledger.pass(message.id);
        return;
      case 'closed':
        slot.movingOut.delete(message.id);
        slot.active.delete(message.id);
        this.asked.delete(message.id);
        this.movedAt.delete(message.id);
        this.stayedAt.delete(message.id);
        this.movable.delete(message.id);
        this.ledger.close(message.id);
        this.forgetUser(message.id);
        this.drainPending();
        return;
      case 'failed':
        this.log.error({ service: this.entry.name, workerPid: child.pid, reason: message.message }, 'worker could not start its program');
        return;
    }
  }

  /**
   * A message the worker waits on (a login verdict) goes over the control pipe: on the IPC channel
   * it would queue behind every socket still being handed over, as Node sends one handle at a time
   * per channel and holds all later messages until the worker acknowledges it (measured: verdicts
   * waiting seconds under login churn).
   */
  private answer(slot: WorkerSlot, child: ChildProcess, message: MasterToWorker): void {
    if (slot.child === child && slot.control?.writable) slot.control.write(`${JSON.stringify(message)}\n`);
    else if (child.connected) child.send(message);
  }

  private onExit(slot: WorkerSlot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.child !== child) return;
    // Connections the worker never took are still whole (the master holds them): serve them elsewhere.
    const orphans = [...slot.untaken];
    slot.untaken.clear();
    for (const [id] of orphans) slot.active.delete(id);
    const lost = slot.active.size;
    for (const id of slot.active) {
      this.ledger.close(id);
      this.forgetUser(id);
      this.movedAt.delete(id);
      this.stayedAt.delete(id);
      this.movable.delete(id);
    }
    for (const [id, ask] of this.asked) if (ask.slot === slot) this.asked.delete(id);
    slot.active.clear();
    slot.movingOut.clear();
    slot.child = null;
    slot.control = null;
    slot.ready = false;
    for (const [id, held] of orphans) this.place(id, held.socket, held.moved);
    if (this.stopping) {
      this.log.debug({ service: this.entry.name, workerPid: child.pid, code, signal }, 'worker exited');
      this.notifyExited();
      return;
    }
    const now = Date.now();
    const delay = slot.backoff.nextDelay(now - slot.startedAt);
    this.log.warn({ service: this.entry.name, workerPid: child.pid, code, signal, lostConnections: lost, handedAgain: orphans.length, restartInMs: delay }, 'worker died, restarting');
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
    if (this.stopping) return this.refuse(socket, null, 'service stopping');
    const host = hostKey(socket.remoteAddress);
    const refusal = this.ledger.refusal(host, this.options.limits);
    if (refusal) return this.refuse(socket, null, refusal === 'host' ? 'too many connections not logged in from this address' : 'maxchild reached', refusal);
    this.place(this.ledger.open(host), socket, null, host);
  }

  /**
   * Give a counted connection to the least-loaded ready worker (a moved session: to its user's home
   * worker when it is ready), or hold it until one is ready.
   */
  private place(id: number, socket: net.Socket, moved: MovedSession | null = null, host: string | null = null): void {
    if (socket.destroyed) return this.closeLost(id);
    if (this.stopping) return this.refuse(socket, id, 'service stopping');
    const slot = (moved && this.readyHome(moved.userid)) || this.hinted(host) || this.leastLoaded();
    if (slot) return this.handOver(slot, id, socket, moved);
    const timer = setTimeout(() => {
      const i = this.pending.findIndex((p) => p.id === id);
      if (i >= 0) this.pending.splice(i, 1);
      this.refuse(socket, id, 'no worker became ready');
    }, this.options.pendingTimeoutMs ?? 15_000);
    this.pending.push({ id, socket, timer, moved });
  }

  /**
   * The ready worker with the fewest connections still on their way to it (Node passes one socket
   * per channel at a time, so a worker whose event loop is busy must not collect a queue), then
   * with the fewest connections.
   */
  private leastLoaded(): WorkerSlot | null {
    let best: WorkerSlot | null = null;
    for (const slot of this.slots) {
      if (!slot.ready || !slot.child?.connected) continue;
      if (!best || slot.untaken.size < best.untaken.size || (slot.untaken.size === best.untaken.size && slot.active.size < best.active.size)) best = slot;
    }
    return best;
  }

  private drainPending(): void {
    while (this.pending.length > 0) {
      const slot = this.leastLoaded();
      if (!slot) return;
      const { id, socket, timer, moved } = this.pending.shift()!;
      clearTimeout(timer);
      if (socket.destroyed) this.closeLost(id);
      else this.handOver(moved ? (this.readyHome(moved.userid) ?? slot) : slot, id, socket, moved);
    }
  }

  /**
   * Send the socket to a worker. The master keeps its copy (keepOpen) until the worker says 'took':
   * a worker that dies in between would otherwise take the connection with it, unanswered.
   */
  private handOver(slot: WorkerSlot, id: number, socket: net.Socket, moved: MovedSession | null = null): void {
    slot.active.add(id);
    slot.untaken.set(id, { socket, moved });
    const message: MasterToWorker = moved ? { type: 'conn', id, moved } : { type: 'conn', id };
    if (moved) this.log.debug({ service: this.entry.name, sid: moved.sessionId, workerPid: slot.child!.pid }, 'moved session handed to its user\'s worker');
    slot.child!.send(message, socket, { keepOpen: true }, (err) => {
      if (!err || slot.untaken.get(id)?.socket !== socket) return;
      slot.untaken.delete(id);
      slot.active.delete(id);
      this.log.warn({ service: this.entry.name, err: err.message }, 'could not hand a connection to a worker');
      this.place(id, socket, moved);
    });
  }

  /**
   * User affinity: a user's sessions are served by one worker, so that each of the user's mailboxes
   * has one SQLite connection and one page cache on the machine. Two workers on one INBOX each
   * throw their cache away whenever the other commits (every command after another process's
   * write re-reads its pages; imap-load with 4 clients per user cost 30-40% more CPU per command
   * with two workers than with one). The first login of a user makes the worker it came in on the
   * user's home; a later login on another worker is asked to move there (true), when the session
   * can move and the home is ready and not far busier (HOME_SLACK).
   */
  private onLogin(slot: WorkerSlot, id: number, userid: string, movable: boolean): boolean {
    this.forgetUser(id);
    this.userOf.set(id, userid);
    this.rememberLogin(id, userid);
    let home = this.homes.get(userid);
    if (!home || !this.isReady(home.slot)) this.homes.set(userid, (home = { slot, sessions: home?.sessions ?? 0, changedAt: home ? Date.now() : 0 }));
    home.sessions++;
    if (movable) this.movable.add(id);
    else this.movable.delete(id);
    if (!movable || this.stopping || home.slot === slot) return false;
    // A move is two socket passes (here, then to the home), each waiting on a busy loop's turn: in
    // a login storm the sessions stay where they logged in rather than queue behind each other.
    // They are asked to move home later, once the storm has passed (homeward).
    if (slot.movingOut.size >= MAX_MOVES_QUEUED || home.slot.untaken.size >= MAX_MOVES_QUEUED) {
      this.log.debug({ service: this.entry.name, user: userid, movingOut: slot.movingOut.size, onTheirWay: home.slot.untaken.size }, 'login not moved: sockets queued');
      this.lastRefusedMove = Date.now();
      this.scheduleHomeward();
      return false;
    }
    if (home.slot.active.size <= 2 * slot.active.size + HOME_SLACK) return true;
    this.scheduleHomeward();
    return false;
  }

  private scheduleHomeward(delayMs = HOMEWARD_TICK_MS): void {
    if (this.homewardTimer !== null || this.stopping || this.slots.length < 2) return;
    this.homewardTimer = setTimeout(() => {
      this.homewardTimer = null;
      this.homeward();
    }, delayMs);
    this.homewardTimer.unref();
  }

  /**
   * Later moves: ask a few sessions that live away from their user's home to move there, once no
   * login is refused its move any more and no connection waits for a worker (the storm has passed);
   * then look again shortly while any session is away. Bounded (MAX_HOMEWARD_ASKED at a time,
   * HOMEWARD_PER_TICK per look) so that the moves never become a storm of their own.
   */
  private homeward(): void {
    if (this.stopping) return;
    const now = Date.now();
    for (const [id, ask] of this.asked) {
      if (now - ask.at < ASK_EXPIRY_MS) continue;
      this.asked.delete(id);
      ask.slot.movingOut.delete(id);
    }
    const storm = this.pending.length > 0 || now - this.lastRefusedMove < STORM_QUIET_MS;
    const away = storm ? null : this.awayFromHome(now);
    if (away === null) return this.scheduleHomeward(STORM_QUIET_MS);
    if (away.waiting === 0 && away.askable.length === 0) {
      this.log.debug({ service: this.entry.name, homes: this.homes.size, users: this.userOf.size, movable: this.movable.size }, 'homeward: no session away');
      return;
    }
    let room = Math.min(HOMEWARD_PER_TICK, MAX_HOMEWARD_ASKED - this.asked.size);
    for (const { id, slot, home } of away.askable) {
      if (room <= 0) break;
      if (slot.movingOut.size >= MAX_MOVES_QUEUED || home.untaken.size >= MAX_MOVES_QUEUED || !slot.child) continue;
      this.asked.set(id, { slot, at: now });
      slot.movingOut.add(id);
      this.log.debug({ service: this.entry.name, id, user: this.userOf.get(id), worker: slot.index, home: home.index }, 'asked to move home');
      this.answer(slot, slot.child, { type: 'moveHome', id });
      room--;
    }
    this.scheduleHomeward(away.askable.length > 0 ? HOMEWARD_TICK_MS : STORM_QUIET_MS);
  }

  /**
   * The logged-in sessions served away from their user's home that may be asked to move now, and
   * how many others are away (held back by the hysteresis, or asked already; a session that cannot
   * move, TLS, is neither). A split user's home may change (at most once per HOME_HOLD_MS, never
   * with an ask in flight) to the worker where gathering the user's sessions costs least: the
   * moves, plus how far the workers' connection counts end up apart beyond HOME_SLACK (users are
   * looked at one after another, each counted at its home), so a home on a much busier worker is left.
   */
  private awayFromHome(now: number): { askable: Array<{ id: number; slot: WorkerSlot; home: WorkerSlot }>; waiting: number } {
    const byUser = new Map<string, Map<WorkerSlot, number[]>>();
    for (const slot of this.slots) {
      if (!this.isReady(slot)) continue;
      for (const id of slot.active) {
        const userid = this.userOf.get(id);
        if (userid === undefined) continue;
        let where = byUser.get(userid);
        if (where === undefined) byUser.set(userid, (where = new Map()));
        let ids = where.get(slot);
        if (ids === undefined) where.set(slot, (ids = []));
        ids.push(id);
      }
    }
    const askable: Array<{ id: number; slot: WorkerSlot; home: WorkerSlot }> = [];
    let waiting = 0;
    // Each worker's connections once the users looked at so far are all at their homes.
    const load = new Map<WorkerSlot, number>();
    for (const slot of this.slots) if (this.isReady(slot)) load.set(slot, slot.active.size);
    for (const [userid, where] of byUser) {
      const home = this.homes.get(userid);
      if (home === undefined || !load.has(home.slot) || (where.size < 2 && where.has(home.slot))) continue;
      let total = 0;
      for (const ids of where.values()) total += ids.length;
      // The cost of gathering the user's sessions on `target`: the moves, plus how much further
      // than HOME_SLACK apart the workers' connection counts end up.
      const cost = (target: WorkerSlot): number => {
        let most = -Infinity;
        let least = Infinity;
        for (const [slot, n] of load) {
          const after = n - (where.get(slot)?.length ?? 0) + (slot === target ? total : 0);
          most = Math.max(most, after);
          least = Math.min(least, after);
        }
        return total - (where.get(target)?.length ?? 0) + Math.max(0, most - least - HOME_SLACK);
      };
      const inFlight = [...where.values()].some((ids) => ids.some((id) => this.asked.has(id)));
      if (!inFlight && (home.changedAt === 0 || now - home.changedAt >= HOME_HOLD_MS)) {
        let best = home.slot;
        let bestCost = cost(home.slot);
        for (const slot of where.keys()) {
          if (slot === home.slot || !load.has(slot)) continue;
          const c = cost(slot);
          if (c < bestCost) {
            best = slot;
            bestCost = c;
          }
        }
        if (best !== home.slot) {
          this.log.debug({ service: this.entry.name, user: userid, from: home.slot.index, to: best.index, atHome: where.get(home.slot)?.length ?? 0, there: where.get(best)?.length ?? 0 }, 'user\'s home changed');
          home.slot = best;
          home.changedAt = now;
        }
      }
      for (const [slot, ids] of where) if (load.has(slot)) load.set(slot, load.get(slot)! - ids.length + (slot === home.slot ? total : 0));
      for (const [slot, ids] of where) {
        if (slot === home.slot) continue;
        for (const id of ids) {
          if (!this.movable.has(id)) continue;
          const stayed = this.stayedAt.get(id);
          const held = now - (this.movedAt.get(id) ?? -Infinity) < MOVED_HOLD_MS || (stayed !== undefined && now - stayed.at < askAgainAfter(stayed.times));
          if (this.asked.has(id) || held || slot.untaken.has(id) || slot.movingOut.has(id) || home.slot.active.size > 2 * slot.active.size + HOME_SLACK) waiting++;
          else askable.push({ id, slot, home: home.slot });
        }
      }
    }
    return { askable, waiting };
  }

  /** The home of the user who last logged in from `host`, when it is not far busier (HINT_SLACK). */
  private hinted(host: string | null): WorkerSlot | null {
    const userid = host === null ? undefined : this.lastUserFrom.get(host);
    const home = userid === undefined ? null : this.readyHome(userid);
    if (!home) return null;
    const least = this.leastLoaded();
    if (!least || least === home) return home;
    return home.active.size <= 2 * least.active.size + HINT_SLACK && home.untaken.size <= least.untaken.size + 1 ? home : null;
  }

  private rememberLogin(id: number, userid: string): void {
    const host = this.ledger.hostOf(id);
    if (host === null) return;
    this.lastUserFrom.delete(host);
    this.lastUserFrom.set(host, userid);
    if (this.lastUserFrom.size > MAX_HINTS) this.lastUserFrom.delete(this.lastUserFrom.keys().next().value!);
  }

  private forgetUser(id: number): void {
    const userid = this.userOf.get(id);
    if (userid === undefined) return;
    this.userOf.delete(id);
    const home = this.homes.get(userid);
    if (home && --home.sessions <= 0) this.homes.delete(userid);
  }

  private isReady(slot: WorkerSlot): boolean {
    return slot.ready && slot.child !== null && slot.child.connected;
  }

  private readyHome(userid: string): WorkerSlot | null {
    const home = this.homes.get(userid);
    return home && this.isReady(home.slot) ? home.slot : null;
  }

  /** A connection the pool no longer holds (closed or refused): the ledger and the homes forget it. */
  private closeLost(id: number): void {
    this.ledger.close(id);
    this.forgetUser(id);
  }

  /**
   * A worker sent a logged-in session (with its socket) to go to its user's home worker. The master
   * reads nothing from it: bytes Node read before the read stopped go along with the session.
   */
  private onMove(slot: WorkerSlot, id: number, moved: MovedSession, handle: unknown): void {
    slot.active.delete(id);
    if (!(handle instanceof net.Socket)) {
      this.log.warn({ service: this.entry.name, sid: moved.sessionId }, 'a moved session came without its socket');
      return this.closeLost(id);
    }
    const early = stopReading(handle);
    if (early === null) {
      handle.destroy();
      return this.closeLost(id);
    }
    handle.on('error', () => handle.destroy());
    const unread = early.length === 0 ? moved : { ...moved, unread: Buffer.concat([Buffer.from(moved.unread, 'base64'), ...early]).toString('base64') };
    this.place(id, handle, unread);
  }

  private refuse(socket: net.Socket, id: number | null, why: string, reason: ConnectionRefusal = 'maxchild'): void {
    if (id !== null) this.closeLost(id);
    this.log.info({ service: this.entry.name, why, remote: socket.remoteAddress }, 'connection refused');
    if (socket.destroyed) return;
    const text = this.options.refusals[reason];
    if (text) socket.end(text);
    else socket.end();
    setTimeout(() => socket.destroy(), 2000).unref();
  }

  private notifyExited(): void {
    for (const wake of this.exited) wake();
  }

  private refusePending(): void {
    for (const { id, socket, timer } of this.pending.splice(0)) {
      clearTimeout(timer);
      this.refuse(socket, id, 'service stopping');
    }
  }

  private stopRestarts(): void {
    this.stopping = true;
    for (const slot of this.slots) {
      if (slot.restartTimer) clearTimeout(slot.restartTimer);
      slot.restartTimer = null;
    }
  }

  private allExited(): Promise<void> {
    return new Promise<void>((resolvePromise) => {
      const check = () => {
        if (this.slots.every((slot) => slot.child === null)) {
          this.exited.delete(check);
          resolvePromise();
        }
      };
      this.exited.add(check);
      check();
    });
  }

  /**
   * Reload: take no new connections; each worker serves the sessions it has (old configuration)
   * until they end, however long, then exits. A later shutdown() still bounds them.
   */
  drain(): Promise<void> {
    this.stopRestarts();
    this.refusePending();
    const message: MasterToWorker = { type: 'drain' };
    for (const slot of this.slots) {
      if (slot.child?.connected) slot.child.send(message);
      else slot.child?.kill('SIGTERM');
    }
    return this.allExited();
  }

  /** Stop: no new connections; workers finish their sessions until `deadlineMs`, then are killed. */
  async shutdown(deadlineMs: number): Promise<void> {
    this.stopRestarts();
    this.refusePending();
    for (const slot of this.slots) {
      const message: MasterToWorker = { type: 'shutdown', deadlineMs };
      if (slot.child?.connected) slot.child.send(message);
      else slot.child?.kill('SIGTERM');
    }
    const killTimer = setTimeout(() => {
      for (const slot of this.slots) slot.child?.kill('SIGKILL');
    }, Math.max(0, deadlineMs - Date.now()) + 500);
    await this.allExited();
    clearTimeout(killTimer);
  }
}

/**
 * libuv's thread pool in a worker (its default is 4). A MULTIAPPEND writes its message files all at
 * once, each created and written with a synchronous-data write on a pool thread: with 4 threads at
 * most 4 wait on the disk together, and the file system's journal folds only those into one commit.
 * More threads let more of a command's files share each journal commit. scrypt, also on the pool,
 * is held to a few at a time by the password store.
 */
const WORKER_THREADPOOL_SIZE = 16;

/**
 * The pauses of V8's garbage collector run on the worker's own thread (scavenges, and the compaction
 * and pointer update of a mark-compact), while marking and sweeping still run concurrently on helper
 * threads. With prefork sized to the cores every core already has a worker: a parallel pause waits,
 * with the event loop stopped, for helpers that find no free core. On the shared 2-core machine
 * (load 10-17) fairness-turns saw scavenge pauses of 3-55 ms during FETCH 1:* with the parallel
 * scavenger against 0.2-4 ms without it, for the same work (the pause is then the main thread's
 * own CPU); imap-100k on one kept mailbox, alternating, found single commands no slower.
 */
const MAIN_THREAD_PAUSES = ['--no-parallel-scavenge', '--no-parallel-compaction', '--no-parallel-pointer-update'];

/**
 * Node flags of a worker: the master's, then the garbage collector's mode (CYRUSTS_WORKER_GC), then
 * (diagnostics) CYRUSTS_WORKER_FLAGS (e.g. "--trace-gc" or a GC setting to try) and CYRUSTS_PROF_DIR
 * (a CPU profile per worker, written at its exit).
 *
 * CYRUSTS_WORKER_GC: unset (the default), pauses on the worker's thread (MAIN_THREAD_PAUSES above);
 * "parallel", V8's own defaults; "single", --single-threaded-gc (no helper threads at all: marking
 * runs in steps on the worker's thread too). "single" gave fairness-100k's p99 12-18 ms against
 * 27-40 ms with V8's defaults (an earlier session, alternating runs), but slowed a big mailbox's
 * single commands (imap-100k, same minutes: UID SEARCH UNSEEN 8.2 ms against 3.6, STATUS 0.53
 * against 0.42; again this session: STATUS 1.3-5.2 ms against 0.7-0.9, UNSEEN 6.4-20 against 3.8-9.6).
 *
 * Not every V8 GC flag is safe to try through CYRUSTS_WORKER_FLAGS on node 20: --no-parallel-marking
 * (alone or with --no-concurrent-marking) aborts the process at its first full GC (a V8 CHECK on
 * the concurrent marker), so a worker started with it dies and is restarted over and over.
 */
export function workerNodeFlags(env: NodeJS.ProcessEnv): string[] {
  const flags = [...process.execArgv];
  const mode = env.CYRUSTS_WORKER_GC;
  if (mode === 'single') {
    if (!flags.includes('--single-threaded-gc')) flags.push('--single-threaded-gc');
  } else if (mode !== 'parallel') {
    for (const flag of MAIN_THREAD_PAUSES) if (!flags.includes(flag)) flags.push(flag);
  }
  if (env.CYRUSTS_WORKER_FLAGS) flags.push(...env.CYRUSTS_WORKER_FLAGS.split(' ').filter((f) => f !== ''));
  if (env.CYRUSTS_PROF_DIR) flags.push('--cpu-prof', `--cpu-prof-dir=${env.CYRUSTS_PROF_DIR}`);
  return flags;
}

/**
 * The environment of a worker: the master's, plus glibc malloc settings that give memory back
 * (issue 17), unless the operator set them. By default glibc raises its mmap threshold after the
 * first large block is freed, so the 16 MiB scrypt buffers of later logins and the socket buffers
 * of a connection flood come from heap arenas that are never returned (a worker measured 71 MiB
 * RSS idle, 125 MiB after 200 logins, 161 MiB after a LOGIN-literal flood, and kept it); a fixed
 * 128 KiB threshold maps and unmaps large blocks, and two arenas bound what the helper threads hold
 * (the same run: 74 MiB after the logins, 88 MiB after the flood). The thread pool is sized for
 * file writes (WORKER_THREADPOOL_SIZE above).
 * A fixed mmap threshold also fixes the trim threshold, at 128 KiB unless it is set: the top of the
 * heap was given back whenever 128 KiB of it was free, and the next blocks faulted their pages in
 * again (a page fault costs about 10 us of kernel time on this VM). Up to 8 MiB of free heap top is
 * now kept per arena: with the reads of forms below the mmap threshold (index-lines.ts), a cold
 * FETCH 1:* (ENVELOPE) of 100,000 messages faulted 17,600-18,500 pages instead of 28,200-30,800.
 */
export function workerEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: String(8 * 1024 * 1024), UV_THREADPOOL_SIZE: String(WORKER_THREADPOOL_SIZE), ...env };
}

