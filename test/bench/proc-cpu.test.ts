// The /proc helpers imap-fill uses to report the CPU per message of the server process at the other
// end of its connection: the socket's inode from /proc/net/tcp, the process holding it, its CPU time.
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loopbackSocketInode, processCpu, processOfSocket } from '../../bench/_proc-cpu.js';

const TABLE = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 0100007F:5DFD 00000000:0000 0A 00000000:00000000 00:00000000 00000000     8        0 1111 1 0000000000000000 100 0 0 10 0',
  '   1: 0100007F:5DFD 0100007F:ABCD 01 00000000:00000000 00:00000000 00000000     8        0 2222 1 0000000000000000 20 4 30 10 -1',
  '   2: 0100007F:ABCD 0100007F:5DFD 01 00000000:00000000 00:00000000 00000000     0        0 3333 1 0000000000000000 20 4 30 10 -1',
].join('\n');

const onLinux = existsSync('/proc/net/tcp');
let server: Server | null = null;
let client: Socket | null = null;
afterEach(async () => {
  client?.destroy();
  client = null;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

describe('bench /proc helpers', () => {
  it('find the server side of a loopback connection by its two ports (hex, upper case)', () => {
    expect(loopbackSocketInode(24061, 43981, TABLE)).toBe(2222);
    expect(loopbackSocketInode(43981, 24061, TABLE)).toBe(3333);
    expect(loopbackSocketInode(24061, 1, TABLE)).toBeNull();
  });

  it.runIf(onLinux)('find this process as the holder of a connection it accepted, and its CPU time', async () => {
    const accepted = new Promise<void>((resolve) => {
      server = createServer(() => resolve());
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server!.address() as AddressInfo).port;
    client = createConnection({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve) => client!.once('connect', resolve));
    await accepted;
    const inode = loopbackSocketInode(port, client.localPort!);
    expect(inode).not.toBeNull();
    expect(processOfSocket(inode!)).toBe(process.pid);

    const before = processCpu(process.pid)!;
    expect(before.user).toBeGreaterThanOrEqual(0);
    // Work until the counters move (a tick is 10 ms of CPU); what is measured is work, not time.
    let after = processCpu(process.pid)!;
    let x = 0;
    for (let round = 0; round < 10_000 && after.user + after.sys === before.user + before.sys; round++) {
      for (let i = 0; i < 1e5; i++) x += Math.sqrt(i);
      after = processCpu(process.pid)!;
    }
    expect(x).toBeGreaterThan(0);
    expect(after.user + after.sys).toBeGreaterThan(before.user + before.sys);
    expect(processCpu(0x7fffffff)).toBeNull();
  });
});
