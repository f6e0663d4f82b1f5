/**
 * lmtpd as the master runs it (cyrus.conf cmd="lmtpd [-a]"): one LmtpServer per worker process,
 * its deliveries announced on the master's notification channel (IDLE clients in other
 * processes hear of them at once). `-a` lets TCP clients deliver without AUTH; connections on a
 * UNIX socket always may.
 */
import { serviceInstance, type ServiceContext, type ServiceInstance, type ServiceProgram } from '../common/index.js';
import { LmtpServer } from './server.js';

export const program: ServiceProgram = {
  async start(ctx: ServiceContext): Promise<ServiceInstance> {
    const server = LmtpServer.create({
      config: ctx.config,
      serviceName: ctx.serviceName,
      logger: ctx.logger,
      preauthorized: ctx.argv.includes('-a'),
      notifier: { mailboxChanged: (name, facts) => ctx.notify.publish(name, facts) },
    });
    return serviceInstance(ctx, server);
  },
};
