/**
 * Why the master cannot start although both files parse: a SERVICES entry that cannot serve (listen
 * address in use, TLS pair missing) and is not optional, or a user or file ownership problem.
 */
export class ServiceStartError extends Error {
  constructor(
    message: string,
    /** 78 for a configuration problem, 1 otherwise. */
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'ServiceStartError';
  }
}
