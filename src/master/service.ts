import type { Readable } from 'node:stream';
import type { MovedSession, ServicePrograms } from '../common/index.js';


let programs: ServicePrograms = {};

/**
 * Hand the master the service programs a SERVICES cmd can name. The entry point (bin/) calls it
 * once, before the master or a worker starts: the master imports no protocol.
 */
export function provideServicePrograms(given: ServicePrograms): void {
  programs = given;
}

/** The programs handed over by provideServicePrograms (none before). */
export function servicePrograms(): ServicePrograms {
  return programs;
}

/**
 * The worker's end of its control pipe (fd 4, after stdin, stdout, stderr and the IPC channel): a
 * socket pair carrying JSON lines both ways, for every message without a socket. Node's IPC channel
 * passes one socket at a time and holds every later message, either way, until the other side has
 * taken it, which the other side does only between two turns of its event loop: a login request or
 * verdict queued there behind a connection or a moving session waited on the busy worker's loop.
 */
export const CONTROL_FD = 4;
/** Set in a worker's environment: the fd of its control pipe (absent: the IPC channel only). */
export const CONTROL_FD_ENV = 'CYRUSTS_CONTROL_FD';

/**
 * Messages between the master and a worker. Those with a socket ('conn', 'move') and the start and
 * stop messages go over the IPC channel; the rest over the control pipe when the worker has one.
 */
export type MasterToWorker =
  /** A connection for the worker (with the socket); `moved`: a session another worker handed over. */
  | { type: 'conn'; id: number; moved?: MovedSession }
  /** The answer to a 'login': null, or the limit that refuses it; `move`: hand the session to its user's worker. */
  | { type: 'loginVerdict'; id: number; refusal: string | null; move: boolean }
  /** Please move logged-in connection `id` to its user's home worker when it can (answered by 'move' or 'stay'). */
  | { type: 'moveHome'; id: number }
  /** Reload: serve the connections you have until they end, take no new ones, then exit. */
  | { type: 'drain' }
  | { type: 'shutdown'; deadlineMs: number };
export type WorkerToMaster =
  | { type: 'ready' }
  /** The worker holds connection `id` now: the master closes its own copy of the socket. */
  | { type: 'took'; id: number }
  /** `movable`: the session can be handed to another worker (LoginGate.loggedIn). */
  | { type: 'login'; id: number; userid: string; movable: boolean }
  /** With the socket: the session of connection `id` goes to the worker that serves its user. */
  | { type: 'move'; id: number; moved: MovedSession }
  /** Past the login stage without a user (a trusted LMTP peer). */
  | { type: 'passed'; id: number }
  /** The session of connection `id` will not move after a 'moveHome' (it stays on this worker). */
  | { type: 'stay'; id: number }
  | { type: 'closed'; id: number }
  | { type: 'failed'; message: string };

/**
 * Read JSON lines from `stream` (a control pipe) and give each message to `onMessage`. A line that
 * does not parse is dropped: only our own processes write these pipes, whole lines at a time.
 */
export function readJsonLines<T>(stream: Readable, onMessage: (message: T) => void): void {
  stream.setEncoding('utf8');
  let pending = '';
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let start = 0;
    let nl: number;
    while ((nl = pending.indexOf('\n', start)) >= 0) {
      const line = pending.slice(start, nl);
      start = nl + 1;
      let message: T;
      try {
        message = JSON.parse(line) as T;
      } catch {
        continue;
      }
      onMessage(message);
    }
    pending = pending.slice(start);
  });
}
