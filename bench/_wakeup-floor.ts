// The machine's floor for a push: the same two process wake-ups an IDLE push needs (the appending
// process wakes the worker over a UNIX socket, the worker wakes the client over loopback TCP), made
// by three node processes that do nothing else. Whatever a server does, its push latency measured
// on this machine cannot sit under this; the benches print it beside their own figures, from the
// same run, so a tail of the machine (a virtual CPU woken from halt, the scheduler placing two
// processes on one core) is not read as the server's.
//
// As a module: wakeupFloor(count, intervalMs, slices) → latencies in ms, sorted. The child roles run
// this same file: `node _wakeup-floor.js relay SOCKET PORT SLICE_US` and `node _wakeup-floor.js
// receive SLICE_US`; `slices` gives the relay the scheduler slice of the worker it stands for and
// the receiver that of the measuring client (bench/_client-slice.ts; 0, the default: the kernel's).
import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applySlice } from './_client-slice.js';

const self = fileURLToPath(import.meta.url);
const now = (): number => Number(process.hrtime.bigint()) / 1e6;

/** One line per send: the sender's CLOCK_MONOTONIC in ms, which the receiver subtracts from its own. */
function relay(socketPath: string, port: number): void {
  const out = net.connect(port, '127.0.0.1');
  out.setNoDelay(true);
  net
    .createServer((s) => s.on('data', (chunk) => out.write(chunk)))
    .listen(socketPath, () => process.send!('ready'));
}

function receive(): void {
  const latencies: number[] = [];
  const server = net.createServer((s) => {
    let pending = '';
    s.on('data', (chunk: Buffer) => {
      const at = now();
      pending += chunk.toString('latin1');
      for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
        latencies.push(at - Number(pending.slice(0, nl)));
        pending = pending.slice(nl + 1);
      }
    });
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as net.AddressInfo).port }));
  process.on('message', () => process.send!({ latencies }));
}

function nextMessage<T>(child: ReturnType<typeof fork>): Promise<T> {
  return new Promise((resolve) => child.once('message', (m) => resolve(m as T)));
}

/** `count` sends `intervalMs` apart through relay → receiver; the latencies (ms), sorted. */
export async function wakeupFloor(count: number, intervalMs: number, slices: { relayUs: number; receiverUs: number } = { relayUs: 0, receiverUs: 0 }): Promise<number[]> {
  const receiver = fork(self, ['receive', String(slices.receiverUs)]);
  const socketPath = join(tmpdir(), `cyrusts-floor-${process.pid}.sock`);
  rmSync(socketPath, { force: true });
  let relayer: ReturnType<typeof fork> | null = null;
  try {
    const { port } = await nextMessage<{ port: number }>(receiver);
    relayer = fork(self, ['relay', socketPath, String(port), String(slices.relayUs)]);
    await nextMessage<string>(relayer);
    const sender = net.connect(socketPath);
    await new Promise((resolve) => sender.once('connect', resolve));
    for (let i = 0; i < count; i++) {
      sender.write(`${now()}\n`);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    sender.destroy();
    receiver.send('report');
    const { latencies } = await nextMessage<{ latencies: number[] }>(receiver);
    return latencies.sort((a, b) => a - b);
  } finally {
    receiver.kill();
    relayer?.kill();
    rmSync(socketPath, { force: true });
  }
}

if (process.argv[1] === self) {
  const [role, a, b, c] = process.argv.slice(2);
  if (role === 'relay') {
    applySlice(Number(c ?? 0));
    relay(a!, Number(b));
  } else if (role === 'receive') {
    applySlice(Number(a ?? 0));
    receive();
  }
}
