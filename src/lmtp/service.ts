// Minimal lmtpd for the master's first issue: greets 220, answers LHLO and QUIT, 500 otherwise.
// The lmtpd issue replaces this file entirely.
import { hostname } from 'node:os';
import type net from 'node:net';
import { ConnectionSet, readLines } from '../master/connections.js';
import type { ServiceContext, ServiceInstance, ServiceProgram } from '../master/service.js';
import { newSessionId } from '../master/worker.js';

export const program: ServiceProgram = {
  async start(ctx: ServiceContext): Promise<ServiceInstance> {
    const servername = ctx.config.string('servername') ?? hostname();
    const connections = new ConnectionSet();
    return {
      handleConnection(socket: net.Socket) {
        const log = ctx.logger.child({ session: newSessionId() });
        connections.add(socket);
        log.info({ remote: socket.remoteAddress ?? 'local' }, 'connection');
        socket.once('close', () => log.info('disconnected'));
        socket.write(`220 ${servername} LMTP cyrusts ready\r\n`);
        readLines(socket, (line) => {
          const command = line.split(' ')[0]!.toUpperCase();
          if (command === 'LHLO') socket.write(`250-${servername}\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n`);
          else if (command === 'QUIT') socket.end(`221 2.0.0 ${servername} bye\r\n`);
          else socket.write('500 5.5.2 Unrecognized command\r\n');
        }, 8192, () => socket.end('500 5.5.2 Line too long\r\n'));
      },
      async shutdown(deadlineMs: number) {
        await connections.drain(deadlineMs, `421 4.3.2 ${servername} shutting down\r\n`);
      },
      activeConnections: () => connections.size,
    };
  },
};
