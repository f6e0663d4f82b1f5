/**
 * pop3d as a master service program: one Pop3Server per worker process, its changes (UPDATE's
 * expunges, \Seen) announced on the master's notification channel so IMAP sessions in other
 * processes see them at once. `-s` (pop3s) gets sockets already wrapped in TLS by the worker.
 */
import type net from 'node:net';
import type { ServiceContext, ServiceInstance, ServiceProgram } from '../common/index.js';
import { Pop3Server } from './server.js';

export const pop3Program: ServiceProgram = {
  async start(ctx: ServiceContext): Promise<ServiceInstance> {
    const server = Pop3Server.create({
      config: ctx.config,
      serviceName: ctx.serviceName,
      logger: ctx.logger,
      notifier: { mailboxChanged: (name) => ctx.notify.publish(name) },
    });
    return {
      handleConnection(socket: net.Socket) {
        const unixSocket = socket.remoteAddress === undefined && socket.remotePort === undefined;
        server.handleConnection(socket, { tls: ctx.tls, unixSocket, localAddress: socket.localAddress, remoteAddress: socket.remoteAddress });
      },
      async shutdown(deadlineMs: number) {
        await server.shutdown(deadlineMs);
        server.close();
      },
      activeConnections: () => server.activeSessions,
    };
  },
};
