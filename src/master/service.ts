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
export type MasterToWorker = { type: 'conn'; id: number } | { type: 'shutdown'; deadlineMs: number };
export type WorkerToMaster = { type: 'ready' } | { type: 'closed'; id: number } | { type: 'failed'; message: string };
