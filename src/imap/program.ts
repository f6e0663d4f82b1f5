/**
 * imapd as a master service program: one ImapServer per worker process, its changes announced on
 * the master's notification channel and other processes' changes fed back to its sessions (IDLE).
 */
import { serviceInstance, type ServiceContext, type ServiceInstance, type ServiceProgram } from '../common/index.js';
import { ImapServer } from './server.js';

export const imapProgram: ServiceProgram = {
  async start(ctx: ServiceContext): Promise<ServiceInstance> {
    const server = ImapServer.create({
      config: ctx.config,
      serviceName: ctx.serviceName,
      logger: ctx.logger,
      notifier: { mailboxChanged: (name) => ctx.notify.publish(name) },
    });
    const unsubscribe = ctx.notify.subscribe((name) => server.mailboxChanged(name));
    return serviceInstance(ctx, server, unsubscribe);
  },
};
