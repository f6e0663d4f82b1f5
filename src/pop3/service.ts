// Minimal pop3d for the master's first issue: greets, handles QUIT, -ERR otherwise.
// The pop3d issue replaces this file entirely.
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
        socket.write(`+OK ${servername} cyrusts POP3 server ready\r\n`);
        readLines(socket, (line) => {
          const command = line.split(' ')[0]!.toUpperCase();
          if (command === 'QUIT') socket.end('+OK Bye\r\n');
          else socket.write('-ERR Unrecognized command\r\n');
        }, 8192, () => socket.end('-ERR Line too long\r\n'));
      },
      async shutdown(deadlineMs: number) {
        await connections.drain(deadlineMs, '-ERR Server shutting down\r\n');
      },
      activeConnections: () => connections.size,
    };
  },
};
