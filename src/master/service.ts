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

/** The worker's end of its control pipe (fd 4, after stdin, stdout, stderr and the IPC channel). */
export const CONTROL_FD = 4;
/** Set in a worker's environment: the fd of its control pipe (absent: the IPC channel only). */
export const CONTROL_FD_ENV = 'CYRUSTS_CONTROL_FD';

/**
 * Messages between the master and a worker over the IPC channel; a loginVerdict comes over the
 * worker's control pipe instead (JSON lines), so it never waits behind a socket being handed over.
 */
export type MasterToWorker =
  /** A connection for the worker (with the socket); `moved`: a session another worker handed over. */
  | { type: 'conn'; id: number; moved?: MovedSession }
  /** The answer to a 'login': null, or the limit that refuses it; `move`: hand the session to its user's worker. */
  | { type: 'loginVerdict'; id: number; refusal: string | null; move: boolean }
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
  | { type: 'closed'; id: number }
  | { type: 'failed'; message: string };
