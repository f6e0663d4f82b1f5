// Test networking for a Murder on one machine: each backend is a loopback address of its own
// (127.0.0.2, 127.0.0.3, ...) and every backend's service listens on the same port there, as real
// backends all listen on 143/110/2003 (murder_imap_port, murder_pop3_port, murder_lmtp_port).
import { createServer } from 'node:net';

function tryListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** A TCP port free on every one of `hosts` at the moment of asking. */
export async function freeCommonPort(hosts: readonly string[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const probe = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(0, hosts[0], () => resolve((probe.address() as { port: number }).port));
    });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    let free = true;
    for (const host of hosts) if (!(await tryListen(host, port))) free = false;
    if (free) return port;
  }
  throw new Error(`no port free on all of ${hosts.join(', ')}`);
}
