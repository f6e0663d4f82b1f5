/**
 * timsieved as a master service program: one SieveServer per worker process. `-s` (a TLS-only
 * listener, not usual for ManageSieve) gets sockets already wrapped in TLS by the worker.
 */
import { serviceInstance, type ServiceContext, type ServiceInstance, type ServiceProgram } from '../common/index.js';
import { SieveServer } from './server.js';

export const timsievedProgram: ServiceProgram = {
  async start(ctx: ServiceContext): Promise<ServiceInstance> {
    const server = SieveServer.create({ config: ctx.config, serviceName: ctx.serviceName, logger: ctx.logger });
    return serviceInstance(ctx, server);
  },
};
