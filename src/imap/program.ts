/**
 * imapd as a master service program: one ImapServer per worker process, its changes announced on
 * the master's notification channel and other processes' changes fed back to its sessions (IDLE).
 */
import type net from 'node:net';
import type { ServiceContext, ServiceInstance, ServiceProgram } from '../common/index.js';
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
    return {
      handleConnection(socket: net.Socket) {
        const unixSocket = socket.remoteAddress === undefined && socket.remotePort === undefined;
        server.handleConnection(socket, {
          tls: ctx.tls,
          unixSocket,
          localAddress: socket.localAddress,
          remoteAddress: socket.remoteAddress,
        });
      },
      async shutdown(deadlineMs: number) {
        await server.shutdown(deadlineMs);
        unsubscribe();
        server.close();
      },
      activeConnections: () => server.activeSessions,
    };
  },
};
