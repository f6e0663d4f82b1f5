/**
 * mupdate as a master service program: `mupdate -m` is the Murder's master, plain `mupdate` a
 * frontend's slave. The master runs it as exactly one worker process (src/master: single-worker
 * programs) so that every stream hears every change.
 */
import { serviceInstance, type ServiceContext, type ServiceInstance, type ServiceProgram } from '../common/index.js';
import { MupdateServer } from './server.js';

export const mupdateProgram: ServiceProgram = {
  async start(ctx: ServiceContext): Promise<ServiceInstance> {
    const server = MupdateServer.create({
      config: ctx.config, serviceName: ctx.serviceName, logger: ctx.logger, mode: ctx.argv.includes('-m') ? 'master' : 'slave',
    });
    return serviceInstance(ctx, server);
  },
};
