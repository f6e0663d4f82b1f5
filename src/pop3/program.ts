/**
 * pop3d as a master service program: one Pop3Server per worker process, its changes (UPDATE's
 * expunges, \Seen) announced on the master's notification channel so IMAP sessions in other
 * processes see them at once. `-s` (pop3s) gets sockets already wrapped in TLS by the worker.
 */
import { serviceInstance, type ServiceContext, type ServiceInstance, type ServiceProgram } from '../common/index.js';
import { Pop3Server } from './server.js';

export const pop3Program: ServiceProgram = {
  async start(ctx: ServiceContext): Promise<ServiceInstance> {
    const server = Pop3Server.create({
      config: ctx.config,
      serviceName: ctx.serviceName,
      logger: ctx.logger,
      notifier: { mailboxChanged: (name, facts) => ctx.notify.publish(name, facts) },
    });
    return serviceInstance(ctx, server);
  },
};
