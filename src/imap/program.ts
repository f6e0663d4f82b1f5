/**
 * imapd as a master service program: one ImapServer per worker process, its changes announced on
 * the master's notification channel and other processes' changes fed back to its sessions (IDLE),
 * only those of the mailboxes they watch (ImapServer.reportInterest).
 */
import { serviceInstance, type ServiceContext, type ServiceInstance, type ServiceProgram } from '../common/index.js';
import { ImapServer } from './server.js';

export const imapProgram: ServiceProgram = {
  async start(ctx: ServiceContext): Promise<ServiceInstance> {
    const server = ImapServer.create({
      config: ctx.config,
      serviceName: ctx.serviceName,
      logger: ctx.logger,
      notifier: { mailboxChanged: (name, facts) => ctx.notify.publish(name, facts) },
    });
    const unsubscribe = ctx.notify.subscribe((name, facts) => server.mailboxChanged(name, facts));
    // Other processes send this one only the changes its sessions watch (selected, or NOTIFY: all).
    const interest = ctx.notify.narrow?.();
    if (interest) server.reportInterest(interest);
    return serviceInstance(ctx, server, unsubscribe);
  },
};
