import net from 'node:net';
import { lstatSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatListen } from '../config/cyrus-conf-listen.js';
import type { ServiceEntry } from '../config/cyrus-conf.js';

/** An open listener of one SERVICES entry and the address it is bound to. */
export interface OpenListener {
  server: net.Server;
  /** "127.0.0.1:1143" (the real port when 0 was asked for) or the socket path. */
  bound: string;
}

function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) rmSync(path, { force: true });
    else throw new Error(`${path} exists and is not a socket`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Open the listener of a SERVICES entry. Accepted sockets stay paused: the master reads nothing
 * and hands them to a worker as they are.
 */
export async function openListener(entry: ServiceEntry, onConnection: (socket: net.Socket) => void): Promise<OpenListener> {
  if (entry.proto.startsWith('udp')) throw new Error(`proto=${entry.proto}: datagram services are not supported`);
  const server = net.createServer({ pauseOnConnect: true, noDelay: true });
  server.on('connection', onConnection);
  const address = entry.listen;
  const listenOptions: net.ListenOptions = { backlog: 511 };
  if (address.kind === 'unix') {
    mkdirSync(dirname(address.path), { recursive: true });
    removeStaleSocket(address.path);
    listenOptions.path = address.path;
  } else {
    listenOptions.port = address.port;
    if (address.host !== null) listenOptions.host = address.host;
    else if (entry.proto === 'tcp4') listenOptions.host = '0.0.0.0';
    else if (entry.proto === 'tcp6') {
      listenOptions.host = '::';
      listenOptions.ipv6Only = true;
    }
  }
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(listenOptions, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  server.on('error', () => undefined);
  const bound = server.address();
  if (bound === null || typeof bound === 'string' || address.kind === 'unix') return { server, bound: formatListen(address) };
  return { server, bound: formatListen({ kind: 'tcp', host: bound.address, port: bound.port }) };
}

/**
 * Stop accepting. net.Server.close's callback would wait for every connection ever accepted, and
 * the handed-over ones still count there, so this returns as soon as the listening socket is shut
 * (a UNIX socket file is removed with it).
 */
export async function closeListener(listener: OpenListener): Promise<void> {
  listener.server.close();
  if (listener.bound.startsWith('/')) rmSync(listener.bound, { force: true });
}
