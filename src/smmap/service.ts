/**
 * smmapd as the master runs it (cyrus.conf cmd="smmapd"): one SmmapServer per worker process,
 * answering the MTA's socketmap lookups (Postfix socketmap:, Sendmail's socket map) on TCP or a
 * UNIX socket. Cyrus's -U and -T (process reuse and idle exit) mean nothing to a worker that serves
 * many connections and are ignored.
 */
import { serviceInstance, type ServiceContext, type ServiceInstance, type ServiceProgram } from '../common/index.js';
import { SmmapServer } from './server.js';

export const program: ServiceProgram = {
  async start(ctx: ServiceContext): Promise<ServiceInstance> {
    const server = SmmapServer.create({ config: ctx.config, serviceName: ctx.serviceName, logger: ctx.logger });
    return serviceInstance(ctx, server);
  },
};
