/**
 * Issue 17, item 4: a TCP connection to a TLS-on-connect port that closes (or talks plaintext)
 * before the TLS handshake frees its maxchild slot.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningMaster, tempServer, type TempServer } from './helpers.js';

let server: TempServer;
let master: RunningMaster;
let host: string;
let port: number;

beforeAll(async () => {
  server = tempServer('');
  const d = server.dir;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(d, 'key.pem'), '-out', join(d, 'cert.pem'), '-days', '1', '-subj', '/CN=test.example'], { stdio: 'ignore' });
  writeFileSync(server.imapdConf, readFileSync(server.imapdConf, 'utf8') + `tls_server_cert: ${d}/cert.pem\ntls_server_key: ${d}/key.pem\n`);
  writeFileSync(server.cyrusConf, 'SERVICES {\n  imaps cmd="imapd -s" listen="127.0.0.1:0" maxchild=2\n}\n');
  master = RunningMaster.start(server);
  const address = (await master.address('imaps')).split(':');
  host = address[0]!;
  port = Number(address[1]);
}, 30_000);
afterAll(async () => {
  await master.stop();
  server.cleanup();
});

/** The greeting of a full TLS connection, or null when the service closed it unanswered. */
function tlsGreeting(): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, rejectUnauthorized: false });
    socket.setEncoding('utf8');
    socket.once('data', (text: string) => {
      socket.destroy();
      resolve(text);
    });
    socket.once('error', () => resolve(null));
    socket.once('close', () => resolve(null));
  });
}

/** Wait until a TLS client is greeted again (the slots were freed), trying for up to `ms`. */
async function greetedWithin(ms: number): Promise<string | null> {
  const deadline = Date.now() + ms;
  for (;;) {
    const greeting = await tlsGreeting();
    if (greeting !== null || Date.now() > deadline) return greeting;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const opened = (): number => master.logs.filter((l) => l.msg === 'connection opened').length;

/**
 * Open `n` raw TCP connections one at a time, each once the worker has taken it. One refused
 * because the slot of a connection that just ended is not free yet in the master is tried again.
 */
async function openRaw(n: number): Promise<Array<ReturnType<typeof createConnection>>> {
  const sockets = [];
  for (let attempt = 0; sockets.length < n; attempt++) {
    if (attempt > 50) throw new Error('the service keeps refusing connections');
    const before = opened();
    const socket = createConnection({ host, port });
    socket.on('error', () => undefined);
    const closed = new Promise<boolean>((resolve) => socket.once('close', () => resolve(true)));
    const taken = master.waitFor('the worker to take the connection', () => opened() > before).then(() => false);
    if (await Promise.race([taken, closed])) {
      taken.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    sockets.push(socket);
  }
  return sockets;
}

describe('imaps maxchild slots', () => {
  it('are freed by connections closed before the TLS handshake', async () => {
    for (let round = 0; round < 3; round++) {
      for (const socket of await openRaw(2)) socket.destroy();
      expect(await greetedWithin(10_000)).toMatch(/^\* OK /);
    }
  });

  it('are freed by connections that send plaintext instead of a handshake', async () => {
    const sockets = await openRaw(2);
    await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            socket.on('close', () => resolve());
            socket.write('a LOGIN fred pass\r\n');
          }),
      ),
    );
    expect(await greetedWithin(10_000)).toMatch(/^\* OK /);
  });
});
