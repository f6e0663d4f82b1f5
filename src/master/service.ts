import type { ServicePrograms } from '../common/index.js';


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

/** Messages between the master and a worker over the IPC channel. */
export type MasterToWorker =
  | { type: 'conn'; id: number }
  /** The answer to a 'login': null, or the limit that refuses it. */
  | { type: 'loginVerdict'; id: number; refusal: string | null }
  /** Reload: serve the connections you have until they end, take no new ones, then exit. */
  | { type: 'drain' }
  | { type: 'shutdown'; deadlineMs: number };
export type WorkerToMaster =
  | { type: 'ready' }
  /** The worker holds connection `id` now: the master closes its own copy of the socket. */
  | { type: 'took'; id: number }
  | { type: 'login'; id: number; userid: string }
  /** Past the login stage without a user (a trusted LMTP peer). */
  | { type: 'passed'; id: number }
  | { type: 'closed'; id: number }
  | { type: 'failed'; message: string };
