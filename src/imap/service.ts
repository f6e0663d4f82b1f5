// Minimal imapd for the master's first issue: greets, answers CAPABILITY and LOGOUT, BAD otherwise.
// The imapd issue replaces this file entirely.
import { hostname } from 'node:os';
import type net from 'node:net';
import { ConnectionSet, readLines } from '../master/connections.js';
import type { ServiceContext, ServiceInstance, ServiceProgram } from '../master/service.js';
import { newSessionId } from '../master/worker.js';

const CAPABILITY = 'IMAP4rev1 LOGINDISABLED';

export const program: ServiceProgram = {
  async start(ctx: ServiceContext): Promise<ServiceInstance> {
    const servername = ctx.config.string('servername') ?? hostname();
    const connections = new ConnectionSet();
    let stopping = false;
    return {
      handleConnection(socket: net.Socket) {
        const log = ctx.logger.child({ session: newSessionId() });
        connections.add(socket);
        log.info({ remote: socket.remoteAddress ?? 'local' }, 'connection');
        socket.once('close', () => log.info('disconnected'));
        socket.write(`* OK [CAPABILITY ${CAPABILITY}] ${servername} cyrusts IMAP server ready\r\n`);
        readLines(socket, (line) => {
          const m = /^(\S+)\s+(\S+)/.exec(line);
          if (!m) return void socket.write('* BAD Missing tag or command\r\n');
          const [, tag, command] = m as unknown as [string, string, string];
          switch (command.toUpperCase()) {
            case 'CAPABILITY':
              socket.write(`* CAPABILITY ${CAPABILITY}\r\n${tag} OK Completed\r\n`);
              return;
            case 'LOGOUT':
              socket.end(`* BYE LOGOUT received\r\n${tag} OK Completed\r\n`);
              return;
            default:
              socket.write(`${tag} BAD Unrecognized command\r\n`);
          }
        }, 8192, () => socket.end('* BYE Line too long\r\n'));
        if (stopping) socket.end('* BYE Server shutting down\r\n');
      },
      async shutdown(deadlineMs: number) {
        stopping = true;
        await connections.drain(deadlineMs, '* BYE Server shutting down\r\n');
      },
      activeConnections: () => connections.size,
    };
  },
};
